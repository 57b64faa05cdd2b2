"""``data.py``: the data the exported model trains on, as the listing prepares it: the data set's
files read as the project reads them (MNIST IDX, CIFAR-10 pickles, the Pima CSV, or the user's
.npz) or the data set made as the data layer makes it (the addition questions, from the same
seed: ``GENERATED``, no data folder), the recipe's preprocessing, splits, input noise and augmentation, in one
``LightningDataModule``. The arithmetic is ``data``'s and ``keras_compat.augmentation``'s, so
the arrays are the framework's, byte for byte (``export.proof`` checks it)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from lightning_port.export.naming import import_block
from lightning_port.layers.emit import NotExportable, Rule
from lightning_port.spec import Recipe, ValidationHoldout, ValidationOnTest, ValidationSplit
from lightning_port.spec.recipe import SPLIT_SEED

_DATA_ERROR = '''class DataError(Exception):
    """A data file that is missing or unreadable; the message names it and the fix."""
'''

_NPZ = '''def load_npz(path, split):
    """(inputs, targets) of a split of your own .npz: arrays x_train, y_train, x_test, y_test."""
    with np.load(path) as arrays:
        missing = [name for name in (f"x_{split}", f"y_{split}") if name not in arrays]
        if missing:
            fix = "save it with numpy.savez(path, x_train=..., y_train=..., x_test=..., y_test=...)"
            raise DataError(f"{path}: no {' or '.join(missing)} array; {fix}")
        return arrays[f"x_{split}"], arrays[f"y_{split}"]
'''

_MNIST = '''def read_idx(path):
    """An IDX file (raw or .gz) as a uint8 array: a 4-byte magic number whose last byte counts the
    axes, one 4-byte big-endian size per axis, then the bytes."""
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    axes = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * axis : 8 + 4 * axis], "big") for axis in range(axes))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * axes).reshape(shape)


def load_mnist(data_dir, split):
    """(images, labels) of MNIST's "train" or "test" split from DATA_DIR/MNIST/raw, the layout
    torchvision.datasets.MNIST(root=DATA_DIR, download=True) leaves."""
    folder = Path(data_dir) / "MNIST" / "raw"
    prefix = "train" if split == "train" else "t10k"
    arrays = []
    for name in (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"):
        path = next((folder / file for file in (name, f"{name}.gz") if (folder / file).is_file()), None)
        if path is None:
            raise DataError(f"{folder / name}: missing; put MNIST's IDX files in {folder} or pass --data-dir")
        arrays.append(read_idx(path))
    return tuple(arrays)
'''

_CIFAR10 = '''def load_cifar10(data_dir, split):
    """(images, labels) of CIFAR-10's "train" or "test" split from the python-version batches in
    DATA_DIR/cifar-10-batches-py, images channels-last as keras.datasets.cifar10 returns them.
    The batches are pickles: load only files you trust."""
    folder = Path(data_dir) / "cifar-10-batches-py"
    names = [f"data_batch_{index}" for index in range(1, 6)] if split == "train" else ["test_batch"]
    images, labels = [], []
    for name in names:
        if not (folder / name).is_file():
            raise DataError(f"{folder / name}: missing; put CIFAR-10's python batches in {folder} or pass --data-dir")
        with open(folder / name, "rb") as file:
            batch = pickle.load(file, encoding="bytes")
        images.append(np.asarray(batch[b"data"], np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        labels.append(np.asarray(batch[b"labels"]))
    return np.concatenate(images), np.concatenate(labels)
'''

_PIMA = '''def load_pima(data_dir):
    """The Pima Indians diabetes CSV as the tutorial reads it: 8 features and a 0/1 label a row."""
    path = Path(data_dir) / "pima-indians-diabetes.csv"
    if not path.is_file():
        raise DataError(f"{path}: missing; download the tutorial's pima-indians-diabetes.csv there or pass --data-dir")
    dataset = np.loadtxt(path, delimiter=",")
    return dataset[:, 0:8], dataset[:, 8]
'''

_ADDITION = '''TRAINING_SIZE, DIGITS, MAXLEN = 50_000, 3, 7  # the listing's; MAXLEN: "345+678"
CHARACTERS = " +0123456789"  # the listing's CharacterTable: sorted(set("0123456789+ "))
SEED = 1337  # the listing draws from numpy's global generator unseeded; lightning-port from this seed


@functools.cache
def addition_questions():
    """((x_train, y_train), (x_val, y_val)) as the listing makes them, booleans: questions "a+b"
    (a and b of 1 to 3 digits, no pair twice in either order) padded with spaces to 7
    characters and reversed, their sums padded to 4, each character one-hot over the 12,
    shuffled, the last 10% held out. The listing's draws (choice, randint, shuffle) in its
    order, from a RandomState of a fixed seed: the bytes lightning-port's framework and its
    Keras reference train on."""
    generator = np.random.RandomState(SEED)
    digits = list("0123456789")

    def number():
        return int("".join(generator.choice(digits) for _ in range(generator.randint(1, DIGITS + 1))))

    questions, answers, seen = [], [], set()
    while len(questions) < TRAINING_SIZE:
        a, b = number(), number()
        key = tuple(sorted((a, b)))  # the listing skips repeats, x+y and y+x alike
        if key in seen:
            continue
        seen.add(key)
        question = f"{a}+{b}"
        questions.append((question + " " * (MAXLEN - len(question)))[::-1])  # REVERSE = True
        answer = str(a + b)
        answers.append(answer + " " * (DIGITS + 1 - len(answer)))
    one_hot = np.eye(len(CHARACTERS), dtype=bool)
    x = one_hot[np.array([[CHARACTERS.index(character) for character in text] for text in questions])]
    y = one_hot[np.array([[CHARACTERS.index(character) for character in text] for text in answers])]
    indices = np.arange(len(y))
    generator.shuffle(indices)
    x, y = x[indices], y[indices]
    split_at = len(x) - len(x) // 10  # "Explicitly set apart 10% for validation data"
    return (x[:split_at], y[:split_at]), (x[split_at:], y[split_at:])


def load_addition(split):
    """(questions, answers) of the "train" split (the first 90%) or the "test" split (the
    listing's validation data, the last 10%)."""
    train, test = addition_questions()
    return train if split == "train" else test
'''

_SEQUENCE_CLASS_INDICES = '''def class_indices(labels):
    """One-hot labels, one row per step (what Keras's categorical crossentropy is fit on), as
    their argmax: a class index per step."""
    return np.asarray(labels).argmax(axis=-1).astype(np.int64)
'''

_CLASS_INDICES = '''def class_indices(labels):
    """Labels as class indices; one-hot rows (what Keras's categorical crossentropy is fit on)
    become their argmax."""
    labels = np.asarray(labels)
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)
    return labels.reshape(len(labels)).astype(np.int64)
'''


def _noise_source(noise) -> str:
    docstring = textwrap.fill(
        f"The listing's noise() of an image tensor: clip(images + {noise.factor!r} * N(0, 1), {noise.low!r}, {noise.high!r}) in float64. "
        f"The listing draws from numpy's global generator unseeded; here each split draws from its own stream of seed {noise.seed} "
        "(the bytes lightning-port's framework and its Keras reference train on).",
        92, subsequent_indent="    ",
    )
    return f'''def noisy(images, split):
    """{docstring}"""
    tag = int.from_bytes(hashlib.sha256(split.encode()).digest()[:4], "little")
    draws = np.random.default_rng(np.random.SeedSequence([{noise.seed}, tag])).normal(loc=0.0, scale=1.0, size=images.shape)
    return torch.from_numpy(np.clip(images.numpy() + {noise.factor!r} * draws, {noise.low!r}, {noise.high!r}).astype(np.float32))
'''


RANDOM_TRANSFORM = Rule(
    "random_transform",
    '''def random_transform(images, rotation_range, width_shift_range, height_shift_range, horizontal_flip, generator=None):
    """Keras's ImageDataGenerator(rotation_range, width_shift_range, height_shift_range,
    horizontal_flip, fill_mode="nearest").random_transform on a channels-last batch, image by
    image. torchvision's transforms draw one set of parameters per batch, round shifts to whole
    pixels and cannot replicate edges; this draws per image (degrees in +-rotation_range, shifts
    as fractions of the size, a flip with probability 1/2), builds Keras's matrix (rotation @
    shift, about the image centre, rows and columns as Keras orders them), samples bilinearly
    with edge replication in float64 as scipy.ndimage does, and flips after the transform."""
    count, height, width, _ = images.shape
    if not count:
        return images

    def uniform(limit):
        return (torch.rand(count, device=images.device, dtype=torch.float64, generator=generator) * 2 - 1) * limit

    theta = torch.deg2rad(uniform(rotation_range))
    shift_rows, shift_columns = uniform(height_shift_range) * height, uniform(width_shift_range) * width
    flip = (torch.rand(count, device=images.device, generator=generator) < 0.5) & horizontal_flip
    cos, sin, zeros, ones = torch.cos(theta), torch.sin(theta), torch.zeros_like(theta), torch.ones_like(theta)
    rotation = torch.stack([
        torch.stack([cos, -sin, zeros], -1), torch.stack([sin, cos, zeros], -1), torch.stack([zeros, zeros, ones], -1)
    ], 1)
    shift = torch.eye(3, dtype=torch.float64, device=images.device).repeat(count, 1, 1)
    shift[:, 0, 2], shift[:, 1, 2] = shift_rows, shift_columns
    center_row, center_column = height / 2 - 0.5, width / 2 - 0.5
    to_center = torch.tensor([[1, 0, center_row], [0, 1, center_column], [0, 0, 1]], dtype=torch.float64)
    from_center = torch.tensor([[1, 0, -center_row], [0, 1, -center_column], [0, 0, 1]], dtype=torch.float64)
    matrices = to_center.to(images.device) @ (rotation @ shift) @ from_center.to(images.device)
    matrices = matrices[:, [1, 0, 2]][:, :, [1, 0, 2]]  # Keras swaps rows and columns for channels-last arrays
    rows = torch.arange(height, dtype=torch.float64, device=images.device)
    columns = torch.arange(width, dtype=torch.float64, device=images.device)
    grid_rows, grid_columns = torch.meshgrid(rows, columns, indexing="ij")
    points = torch.stack([grid_rows, grid_columns, torch.ones_like(grid_rows)], dim=-1).reshape(-1, 3)
    sources = points @ matrices[:, :2, :].transpose(1, 2)  # each output pixel's (row, column) in the input
    grid = torch.stack([2 * sources[..., 1] / (width - 1) - 1, 2 * sources[..., 0] / (height - 1) - 1], dim=-1)
    grid = grid.reshape(count, height, width, 2)
    channels_first = images.permute(0, 3, 1, 2).double()
    sampled = F.grid_sample(channels_first, grid, mode="bilinear", padding_mode="border", align_corners=True)
    transformed = sampled.permute(0, 2, 3, 1).to(images.dtype)
    return torch.where(flip.view(count, 1, 1, 1), transformed.flip(2), transformed).contiguous()
''',
    imports=("import torch", "import torch.nn.functional as F"),
)


@dataclass(frozen=True)
class DataSource:
    text: str
    class_name: str
    rules: tuple[Rule, ...]
    noise: bool
    augmentation: bool


_LOADERS = {
    "mnist": ("load_mnist", _MNIST, "MNIST", ("import gzip", "from pathlib import Path")),
    "cifar10": ("load_cifar10", _CIFAR10, "CIFAR10", ("import pickle", "from pathlib import Path")),
    "pima": ("load_pima", _PIMA, "Pima", ("from pathlib import Path",)),
    "addition": ("load_addition", _ADDITION, "Addition", ("import functools",)),
    "arrays": (None, "", "Arrays", ()),
}
# Data sets made by code, not read from files: their data module takes no data folder.
GENERATED = ("addition",)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _preprocess_source(recipe: Recipe) -> str:
    """Preprocessing.apply written out (its arithmetic dtype, divisor and offset)."""
    preprocessing = recipe.preprocessing
    dtype = f"np.{preprocessing.arithmetic_dtype}"
    expression = f"features.astype({dtype})"
    if preprocessing.divisor is not None:
        expression += f" / {_number(preprocessing.divisor)}"
    if preprocessing.offset:
        expression += f" {'-' if preprocessing.offset < 0 else '+'} {_number(abs(preprocessing.offset))}"
    if preprocessing.divisor is not None or preprocessing.offset:
        expression = f"({expression})"
    if preprocessing.arithmetic_dtype != "float32":
        expression += ".astype(np.float32)"
    shape = ", ".join(str(size) for size in recipe.input_shape)
    steps = (f" / {_number(preprocessing.divisor)}" if preprocessing.divisor is not None else "") + (
        f" {'-' if preprocessing.offset < 0 else '+'} {_number(abs(preprocessing.offset))}" if preprocessing.offset else ""
    )
    if steps:
        computed = "float64 (numpy's arithmetic on the raw values)" if preprocessing.arithmetic_dtype == "float64" else "float32"
        described = f"x{steps} in {computed}, as float32"
    else:
        described = "the features as float32"
    trailing = "," if len(recipe.input_shape) == 1 else ""
    docstring = textwrap.fill(f"The listing's preprocessing: {described}, of shape ({shape}{trailing}).", 92, subsequent_indent="    ")
    return f'''def preprocess(features):
    """{docstring}"""
    return {expression}.reshape(len(features), {shape})
'''


def data_source(recipe: Recipe) -> DataSource:
    loader, loader_source, prefix, loader_imports = _LOADERS[recipe.dataset]
    name = f"{prefix}DataModule"
    class_targets = recipe.targets == "labels" and recipe.targets_are_class_indices
    imports = {"import lightning as L", "import numpy as np", "import torch", "from torch.utils.data import DataLoader, TensorDataset", *loader_imports}
    pieces = [_DATA_ERROR, _NPZ]
    if loader_source:
        pieces.append(loader_source)
    pieces.append(_preprocess_source(recipe))
    if class_targets:
        pieces.append(_CLASS_INDICES if len(recipe.output_shapes[0]) == 1 else _SEQUENCE_CLASS_INDICES)
    phases = [phase for phase in recipe.phases if phase.input_noise is not None]
    noise = phases[-1].input_noise if phases else None
    if noise is not None:
        if len(recipe.phases) != 2 or recipe.phases[0].input_noise is not None:
            raise NotExportable(f"{recipe.name}: fit() phases other than a clean one then a noisy one are not exported yet")
        pieces.append(_noise_source(noise))
        imports.add("import hashlib")
    augmentation = recipe.augmentation
    rules = (RANDOM_TRANSFORM,) if augmentation is not None else ()
    if augmentation is not None:
        imports.add("from keras_rules import random_transform")

    if recipe.targets == "inputs":
        target_line = "        targets = inputs  # the listing's fit(x, x): the clean images are the targets"
    elif class_targets:
        target_line = "        targets = torch.from_numpy(class_indices(labels))"
    else:
        # one column per sample, as Keras's targets for a one-unit output
        target_line = f"        targets = torch.from_numpy(np.asarray(labels, np.float32).reshape(len(labels), {', '.join(map(str, recipe.output_shapes[0]))}))"

    generated = recipe.dataset in GENERATED
    source_call = "load_npz(self.npz, split) if self.npz else " + (
        f"{loader}(split)" if generated else f"{loader}(self.data_dir, split)" if recipe.dataset != "pima" else f"{loader}(self.data_dir)"
    )
    if recipe.dataset == "arrays":
        source_call = "load_npz(self.npz, split)"
    read = [
        "    def read(self, split):",
        '        """Preprocessed (inputs, targets) tensors of a split."""',
        f"        features, {'_' if recipe.targets == 'inputs' else 'labels'} = {source_call}",
        "        inputs = torch.from_numpy(preprocess(features))",
        target_line,
        "        return inputs, targets",
    ]
    validation = recipe.validation
    fit = ['        if stage in ("fit", "validate"):', '            inputs, targets = self.read("train")']
    if isinstance(validation, ValidationHoldout):
        fit += [
            f"            # fit(validation_data=...): a fixed, seeded random {validation.count:,} training samples held out.",
            f"            order = np.random.default_rng({SPLIT_SEED}).permutation(len(inputs))",
            f"            held_out, kept = np.sort(order[:{validation.count}]), np.sort(order[{validation.count}:])",
            "            self.val_set = TensorDataset(inputs[held_out], targets[held_out])",
            "            inputs, targets = inputs[kept], targets[kept]",
        ]
    if recipe.train_samples is not None:
        count = recipe.train_samples
        fit += [
            "            if self.train_samples:  # the listing's demonstration slice, x_train[:%d]" % count,
            "                inputs, targets = inputs[: self.train_samples], targets[: self.train_samples]",
        ]
    if isinstance(validation, ValidationSplit):
        fit += [
            f"            # fit(validation_split={validation.fraction}): the last {validation.fraction:.0%} of the samples, before any shuffling.",
            f"            split = int(len(inputs) * (1 - {validation.fraction!r}))",
            "            self.val_set = TensorDataset(inputs[split:], targets[split:])",
            "            inputs, targets = inputs[:split], targets[:split]",
        ]
    if len(fit) == 2:
        fit = [fit[0], '            self.train_set = TensorDataset(*self.read("train"))']
    else:
        fit.append("            self.train_set = TensorDataset(inputs, targets)")
    if isinstance(validation, ValidationOnTest):
        fit.append('            self.val_set = TensorDataset(*self.read("test"))  # fit(validation_data=(x_test, y_test))')
    if noise is not None:
        validation_split = "test" if isinstance(validation, ValidationOnTest) else "validation"
        fit += [
            "            # The second fit() trains and validates on noisy copies of the inputs (the listing's noise()).",
            '            self.noisy_train_set = TensorDataset(noisy(self.train_set.tensors[0], "train"), self.train_set.tensors[1])',
            f'            self.noisy_val_set = TensorDataset(noisy(self.val_set.tensors[0], "{validation_split}"), self.val_set.tensors[1])',
        ]
    tested = '"train"' if recipe.evaluate_on == "train" else '"test"'
    test = ['        if stage in ("test", "predict"):']
    if noise is not None:
        test += ['            inputs, targets = self.read("test")', '            self.test_set = TensorDataset(noisy(inputs, "test"), targets)  # the denoising is what is scored']
    else:
        comment = "  # the tutorial evaluates on its training data" if recipe.evaluate_on == "train" else ""
        test.append(f"            self.test_set = TensorDataset(*self.read({tested})){comment}")
    setup = ["    def setup(self, stage):", *fit, *test]
    has_validation = validation is not None

    def dataset(split: str) -> list[str]:
        if noise is None:
            return []
        return [f"        dataset = self.noisy_{split}_set if self.trainer.current_epoch >= self.noisy_from_epoch else self.{split}_set"]

    def chosen(split: str) -> str:
        return "dataset" if noise is not None else f"self.{split}_set"

    loaders = [
        "    def train_dataloader(self):",
        *dataset("train"),
        "        # Keras's fit(shuffle=True): a new order every epoch, the last partial batch kept.",
        f"        return DataLoader({chosen('train')}, batch_size=self.batch_size, shuffle=True)",
    ]
    if has_validation:
        loaders += ["", "    def val_dataloader(self):", *dataset("val"), f"        return DataLoader({chosen('val')}, batch_size=self.batch_size)"]
    loaders += ["", "    def test_dataloader(self):", "        return DataLoader(self.test_set, batch_size=32)  # Keras's evaluate() batch size"]
    loaders += ["", "    def predict_dataloader(self):", "        return self.test_dataloader()"]
    if augmentation is not None:
        loaders += [
            "",
            "    def on_after_batch_transfer(self, batch, dataloader_idx):",
            "        # ImageDataGenerator.flow augments the training batches only (here on the device).",
            "        if self.trainer.training:",
            "            images, labels = batch",
            "            return self.augment(images), labels",
            "        return batch",
            "",
            "    @staticmethod",
            "    def augment(images, generator=None):",
            "        return random_transform(",
            f"            images, rotation_range={augmentation.rotation_range!r}, width_shift_range={augmentation.width_shift_range!r},",
            f"            height_shift_range={augmentation.height_shift_range!r}, horizontal_flip={augmentation.horizontal_flip!r}, generator=generator,",
            "        )",
        ]
    default_batch = recipe.batch_size
    noise_argument = ", noisy_from_epoch=None" if noise is not None else ""
    first = "npz, " if recipe.dataset == "arrays" else "" if generated else 'data_dir="data", '
    npz_argument = "" if recipe.dataset == "arrays" else ", npz=None"
    fields = "self.batch_size, self.npz = batch_size, npz" if recipe.dataset == "arrays" or generated else "self.data_dir, self.batch_size, self.npz = data_dir, batch_size, npz"
    samples_argument = f", train_samples={recipe.train_samples}" if recipe.train_samples is not None else ""
    init = [
        f"    def __init__(self, {first}batch_size={default_batch}{npz_argument}{noise_argument}{samples_argument}):",
        "        super().__init__()",
        f"        {fields}",
    ]
    if recipe.train_samples is not None:
        init.append("        self.train_samples = train_samples  # None or 0: every training sample")
    if noise is not None:
        init.append("        self.noisy_from_epoch = noisy_from_epoch  # the first epoch of the second fit(), on noisy inputs")
    described = {
        "mnist": "MNIST", "cifar10": "CIFAR-10", "pima": "The Pima CSV", "arrays": "The arrays of your .npz",
        "addition": "The listing's 50,000 addition questions",
    }[recipe.dataset]
    class_doc = f'    """{described} as {recipe.name} trains on {"them" if recipe.dataset in ("arrays", "addition") else "it"}' + (
        " (or your own arrays: npz=FILE)" if recipe.dataset != "arrays" else ""
    ) + '."""'
    body = [f"class {name}(L.LightningDataModule):", class_doc, "", *init, "", *read, "", *setup, "", *loaders]
    header = f'"""The data {recipe.name} trains on, prepared as the Keras listing prepares it."""'
    definitions = "\n\n\n".join(piece.rstrip("\n") for piece in [*pieces, "\n".join(body)])
    text = f"{header}\n\n{import_block(imports)}\n\n\n{definitions}\n"
    return DataSource(text, name, rules, noise is not None, augmentation is not None)
