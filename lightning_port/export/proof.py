"""Proof that an exported folder is the port: its own code, run where lightning_port (and Keras
and TensorFlow) cannot be imported (``export.environment``, ``export.probe``), against the
framework path and against live Keras.

(a) outputs: the exported model, given the framework backbone's weights, returns the
    backbone's outputs (and predictions) bit for bit;
(b) training: the exported module's ``training_step``, backward and ``configure_optimizers``'
    optimizer take the framework module's steps on the same batches, bit for bit: the same
    dropout masks (each step seeded alike), the same augmentation (the same generator), the
    same losses and every weight and buffer after each step; Keras's step size over the whole
    schedule; and the exported ``data.py`` serves the framework's arrays from the data set's
    files (preprocessing, splits, input noise) byte for byte;
(c) parity: the float64-truth rows of ``evidence.parity.measure`` (forward outputs, gradients,
    optimizer updates, a training-mode pass for BatchNormalization), with the exported code in
    place of the framework backbone, against the live Keras model in float32 and float64.
"""

from __future__ import annotations

import json
import math
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from lightning_port.data import load_raw_splits
from lightning_port.data.datamodule import to_inputs, to_targets
from lightning_port.data.noise import noisy_copy
from lightning_port.evidence.parity.measure import (
    OPTIMIZER_STEPS,
    Measurement,
    named_outputs,
    synthetic_data,
    uses_dropout,
    uses_layer,
)
from lightning_port.evidence.parity.truth import compare, compare_updates
from lightning_port.export.data_source import GENERATED
from lightning_port.export.environment import isolated_command, isolated_site
from lightning_port.export.exporter import MODEL_ATTRIBUTE, Export, exported_state_dict
from lightning_port.keras_compat.augmentation import BatchAugmentation
from lightning_port.keras_compat.optimizers import KerasAdam
from lightning_port.models import build_backbone
from lightning_port.spec import Recipe, ValidationOnTest
from lightning_port.training.system import TutorialClassifier

PROBE = Path(__file__).with_name("probe.py")
FORWARD_SAMPLES = 256
TRAINING_STEPS = 3
DROPOUT_SEED, AUGMENTATION_SEED = 1234, 4321


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


@dataclass
class ProofReport:
    recipe: str
    checks: list[Check] = field(default_factory=list)
    parity: list[Measurement] = field(default_factory=list)  # (c), judged against the float64 truth
    facts: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        rows = [measurement.comparison for measurement in self.parity if measurement.comparison is not None]
        return all(check.passed for check in self.checks) and all(row.passed and row.float64_agrees for row in rows)

    def lines(self) -> list[str]:
        lines = [f"{'passed' if check.passed else 'FAILED'}  {check.name}: {check.detail}" for check in self.checks]
        for measurement in self.parity:
            row = measurement.comparison
            if row is None:
                lines.append(f"—  (c) {measurement.quantity}: {measurement.note}")
                continue
            verdict = "passed" if row.passed and row.float64_agrees else "FAILED"
            lines.append(
                f"{verdict}  (c) {measurement.quantity}: exported float32 error {row.port_error:.2e}, Keras's {row.keras_error:.2e} "
                f"(bound {row.bound:.2e}), float64 difference {row.float64_difference:.1e}; {measurement.note}"
            )
        return lines

    def as_dict(self) -> dict:
        parity = []
        for measurement in self.parity:
            row = measurement.comparison
            entry = {"quantity": measurement.quantity, "note": measurement.note}
            if row is not None:
                entry.update(port_error=row.port_error, keras_error=row.keras_error, bound=row.bound, float64_difference=row.float64_difference, passed=bool(row.passed and row.float64_agrees))
            parity.append(entry)
        return {"recipe": self.recipe, "passed": self.passed, "checks": [vars(check) for check in self.checks], "parity": parity, "facts": self.facts}


# ---- the arrays both sides compute on ----


@dataclass
class _Arrays:
    """Preprocessed inputs and the framework's targets (torch tensors), from the data set or synthetic."""

    train_inputs: torch.Tensor
    train_targets: torch.Tensor
    test_inputs: torch.Tensor
    described: str
    train_count: int | None = None  # the full training set's size (for the schedule), when read


def _framework_arrays(recipe: Recipe, data_dir: Path | None) -> _Arrays:
    if data_dir is not None:
        raw = load_raw_splits(recipe, Path(data_dir), recipe.train_samples)
        train_inputs, train_targets = to_inputs(recipe, raw.train[0]), to_targets(recipe, raw.train[1])
        test_inputs = to_inputs(recipe, next(iter(raw.evaluations.values()))[0])
        return _Arrays(train_inputs, train_targets, test_inputs, f"the {recipe.dataset} data set's own samples", len(train_inputs))
    inputs, targets = synthetic_data(recipe, FORWARD_SAMPLES + TRAINING_STEPS * recipe.batch_size)
    if recipe.targets == "inputs":
        targets = inputs
    tensor_targets = torch.from_numpy(np.asarray(targets))
    if not recipe.targets_are_class_indices:
        tensor_targets = tensor_targets.float()
    return _Arrays(torch.from_numpy(inputs), tensor_targets, torch.from_numpy(inputs[:FORWARD_SAMPLES]), "seeded synthetic samples")


def _exported_targets(recipe: Recipe, targets: torch.Tensor) -> torch.Tensor:
    """Targets as the exported data module serves them: one-unit outputs' as a column."""
    if recipe.targets == "inputs" or targets.dtype == torch.int64:
        return targets
    return targets.reshape(len(targets), *recipe.output_shapes[0])


def _schedule_steps(recipe: Recipe, train_count: int | None) -> int:
    if train_count is None:
        return 0
    return recipe.epochs * math.ceil(train_count / recipe.batch_size)


def _same(first: np.ndarray, second: np.ndarray) -> tuple[bool, float]:
    first, second = np.asarray(first), np.asarray(second)
    if first.dtype != second.dtype or first.size != second.size:
        return False, float("inf")
    equal = np.array_equal(first.reshape(-1), second.reshape(-1))
    difference = 0.0 if equal or not first.size else float(np.max(np.abs(first.reshape(-1).astype(np.float64) - second.reshape(-1).astype(np.float64))))
    return equal, difference


# ---- the proof ----


class _Proof:
    def __init__(self, export: Export, folder: Path, backbone_state: dict, data_dir: Path | None, work: Path):
        self.export, self.recipe, self.folder, self.work = export, export.recipe, Path(folder).resolve(), work
        self.state = {name: tensor.detach().clone() for name, tensor in backbone_state.items()}
        # Absolute: the exported code runs with its own folder as the working directory.
        data_dir = Path(data_dir).resolve() if data_dir is not None else None
        self.data_dir = data_dir
        self.arrays = _framework_arrays(self.recipe, data_dir)
        self.request: dict = {
            "module_class": export.module_class, "data_class": export.data_class, "threads": torch.get_num_threads(),
            "steps": TRAINING_STEPS, "dropout_seed": DROPOUT_SEED, "augmentation_seed": AUGMENTATION_SEED,
            "augmentation": export.augmentation, "noise": export.noise, "parity": False, "parity_batches": 0, "training_mode": False,
            "schedule_steps": _schedule_steps(self.recipe, self.arrays.train_count),
            "data_dir": str(data_dir) if data_dir is not None and self.recipe.dataset not in ("arrays", *GENERATED) else None,
            "generated": self.recipe.dataset in GENERATED,  # data.py makes the data set: no files to read
            "npz": str(Path(data_dir) / self.recipe.data_file) if data_dir is not None and self.recipe.dataset == "arrays" else None,
        }
        self.arrays_out: dict[str, np.ndarray] = {f"weights/{name}": tensor.numpy() for name, tensor in exported_state_dict(self.state).items()}

    def _batch(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        size = self.recipe.batch_size
        rows = slice(index * size, (index + 1) * size)
        return self.arrays.train_inputs[rows], self.arrays.train_targets[rows]

    def prepare(self) -> None:
        self.arrays_out["forward/inputs"] = self.arrays.test_inputs[:FORWARD_SAMPLES].numpy()
        for index in range(TRAINING_STEPS):
            inputs, targets = self._batch(index)
            self.arrays_out[f"steps/{index}/inputs"] = inputs.numpy()
            self.arrays_out[f"steps/{index}/targets"] = _exported_targets(self.recipe, targets).numpy()

    def run_probe(self) -> tuple[dict, dict]:
        np.savez(self.work / "request.npz", **self.arrays_out)
        (self.work / "request.json").write_text(json.dumps(self.request))
        site = isolated_site(self.work)
        completed = subprocess.run(isolated_command(site, self.folder, PROBE, [self.work]), capture_output=True, text=True, cwd=self.folder, check=False)
        if completed.returncode != 0:
            raise RuntimeError(f"the exported code failed in the isolated interpreter:\n{completed.stderr[-4000:]}")
        with np.load(self.work / "result.npz") as results:
            return {name: results[name] for name in results.files}, json.loads((self.work / "result.json").read_text())

    # -- (a) --
    def outputs(self, results) -> list[Check]:
        backbone = build_backbone(self.recipe)
        backbone.load_state_dict(self.state)
        backbone.eval()
        with torch.no_grad():
            outputs = backbone(torch.from_numpy(self.arrays_out["forward/inputs"]))
            predictions = backbone.probabilities(outputs)
        checks = []
        for label, ours, exported in (("outputs", outputs, "forward/outputs"), ("predictions", predictions, "forward/predictions")):
            equal, difference = _same(ours.numpy(), results[exported])
            what = "logits" if label == "outputs" and self.export.returns_logits else label
            detail = f"{len(ours)} samples, {ours.numel():,} values: " + ("bit-identical" if equal else f"DIFFER (max |difference| {difference:.3g})")
            checks.append(Check(f"(a) {what} of the framework backbone", equal, detail))
        return checks

    # -- (b) --
    def training(self, results) -> list[Check]:
        system = TutorialClassifier(self.recipe)
        system.backbone.load_state_dict(self.state)
        system.train()
        optimizer = system.configure_optimizers()
        augmentation = BatchAugmentation(self.recipe.augmentation) if self.recipe.augmentation is not None else None
        losses_equal, states_equal, augmented_equal, worst = True, True, True, 0.0
        tensors = 0
        for index in range(TRAINING_STEPS):
            inputs, targets = self._batch(index)
            if augmentation is not None:
                inputs = augmentation(inputs, torch.Generator().manual_seed(AUGMENTATION_SEED + index))
                equal, difference = _same(inputs.numpy(), results[f"steps/{index}/augmented"])
                augmented_equal &= equal
                worst = max(worst, difference)
            torch.manual_seed(DROPOUT_SEED + index)
            loss = system.training_step((inputs, targets), index)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            equal, difference = _same(loss.detach().numpy(), results[f"steps/{index}/loss"])
            losses_equal &= equal
            worst = max(worst, difference)
            exported_state = {name[len(f"steps/{index}/state/"):]: value for name, value in results.items() if name.startswith(f"steps/{index}/state/")}
            framework_state = {f"{MODEL_ATTRIBUTE}.{name}": tensor.numpy() for name, tensor in system.backbone.state_dict().items()}
            if set(exported_state) != set(framework_state):
                states_equal = False
                continue
            for name, value in framework_state.items():
                equal, difference = _same(value, exported_state[name])
                states_equal &= equal
                worst = max(worst, difference)
            tensors = len(framework_state)
        size = self.recipe.batch_size
        modes = (["dropout on"] if uses_dropout(self.recipe) else []) + (["augmented"] if augmentation is not None else [])
        what = f"{TRAINING_STEPS} training steps of batch {size}" + (f" ({', '.join(modes)})" if modes else "")
        verdict = f"losses and all {tensors} weight and buffer tensors after every step bit-identical"
        passed = losses_equal and states_equal and augmented_equal
        detail = verdict if passed else f"DIFFER: losses {'equal' if losses_equal else 'differ'}, states {'equal' if states_equal else 'differ'}, augmentation {'equal' if augmented_equal else 'differs'} (max |difference| {worst:.3g})"
        checks = [Check(f"(b) {what} of the framework module", passed, detail)]
        checks += self._step_sizes(results)
        return checks

    def _step_sizes(self, results) -> list[Check]:
        steps = self.request["schedule_steps"]
        if "schedule/step_sizes" not in results:
            return []
        optimizer = KerasAdam([torch.nn.Parameter(torch.zeros(1))], self.recipe.optimizer)
        group = optimizer.param_groups[0]
        framework = np.asarray([optimizer.step_size(group, [{"step": step}])["alpha"] for step in range(1, steps + 1)], dtype=np.float32)
        equal, _ = _same(framework, results["schedule/step_sizes"])
        differing = int(np.sum(framework != results["schedule/step_sizes"]))
        detail = f"all {steps:,} steps of the recipe's schedule bit-identical" if equal else f"{differing} of {steps:,} steps DIFFER"
        return [Check("(b) Adam's step size (alpha) of the framework optimizer", equal, detail)]

    # -- the data --
    def data(self, results) -> list[Check]:
        if not any(name.startswith("data/") for name in results):
            return []
        recipe = self.recipe
        raw = load_raw_splits(recipe, Path(self.data_dir or "."), recipe.train_samples)  # a generated data set reads no folder
        expected = {"train": raw.train, "test": next(iter(raw.evaluations.values()))}
        if raw.validation is not None:
            expected["validation"] = raw.validation
        clean = {split: to_inputs(recipe, arrays[0]).numpy() for split, arrays in expected.items()}
        mismatched, compared = [], 0
        for split, arrays in expected.items():
            framework_targets = to_targets(recipe, arrays[1]).numpy()
            inputs = clean[split]
            noise = recipe.phases[-1].input_noise if recipe.phases else None
            if noise is not None and split == "test":
                inputs = noisy_copy(inputs, noise, "test").astype(np.float32)
            for kind, ours in (("inputs", inputs), ("targets", framework_targets)):
                compared += 1
                if not _same(ours, results[f"data/{split}/{kind}"])[0]:
                    mismatched.append(f"{split} {kind}")
        if noise := (recipe.phases[-1].input_noise if recipe.phases else None):
            for split in ("train", "validation"):
                name = "test" if split == "validation" and isinstance(recipe.validation, ValidationOnTest) else split
                compared += 1
                if not _same(noisy_copy(clean[split], noise, name).astype(np.float32), results[f"data/{split}/noisy"])[0]:
                    mismatched.append(f"{split} noisy inputs")
        splits = ", ".join(f"{split} {len(clean[split]):,}" for split in expected)
        detail = f"{compared} arrays ({splits} samples) byte-identical" if not mismatched else f"DIFFER: {', '.join(mismatched)}"
        return [Check("(b) data.py's arrays of the framework data layer", not mismatched, detail)]

    # -- (c) --
    def prepare_parity(self, keras_model) -> None:
        recipe = self.recipe
        inputs, targets = synthetic_data(recipe, max(FORWARD_SAMPLES, OPTIMIZER_STEPS * recipe.batch_size))
        if recipe.targets == "inputs":
            targets = inputs
        self.parity_inputs, self.parity_targets = inputs, targets
        size = min(recipe.batch_size, len(inputs))
        self.parity_batches = min(OPTIMIZER_STEPS, len(inputs) // size)
        self.training_mode = uses_layer(recipe, "BatchNormalization") and not uses_dropout(recipe)
        self.request.update(parity=True, parity_batches=self.parity_batches, training_mode=self.training_mode)
        self.arrays_out["parity/inputs"] = inputs
        self.arrays_out["parity/training_inputs"] = inputs[:size]
        for index in range(self.parity_batches):
            rows = slice(index * size, (index + 1) * size)
            labels = torch.from_numpy(np.asarray(targets[rows]))
            labels = labels if recipe.targets_are_class_indices else labels.float()
            self.arrays_out[f"parity/{index}/inputs"] = inputs[rows]
            self.arrays_out[f"parity/{index}/targets"] = _exported_targets(recipe, labels).numpy()

    def parity(self, keras_model, results) -> list[Measurement]:
        """measure_parity's rows, the port's values computed by the exported code."""
        from lightning_port.evidence.parity.keras_models import float64_twin, fresh_compile
        from lightning_port.evidence.parity.keras_probes import (
            as_torch_layout,
            keras_loss_and_gradients,
            keras_optimizer_steps,
            keras_targets,
            labels_of,
        )
        from lightning_port.evidence.parity.measure import keras_training_forward

        recipe, layout = self.recipe, build_backbone(self.recipe)
        layout.load_state_dict(self.state)
        start = [weight.copy() for weight in keras_model.get_weights()]
        size = min(recipe.batch_size, len(self.parity_inputs))
        batches = [
            (self.parity_inputs[index * size:(index + 1) * size], keras_targets(recipe, labels_of(recipe, self.parity_targets[index * size:(index + 1) * size])))
            for index in range(self.parity_batches)
        ]

        def exported(prefix):
            return {name[len(prefix):].removeprefix(f"{MODEL_ATTRIBUTE}."): value for name, value in results.items() if name.startswith(prefix)}

        values: dict[str, dict] = {"forward": {}, "gradients": {}, "steps": {}, "training": {}}
        for bits, dtype in ((32, np.float32), (64, np.float64)):
            values["forward"][f"port{bits}"] = named_outputs(recipe, results[f"parity{bits}/outputs"])
            if self.parity_batches:
                values["gradients"][f"port{bits}"] = exported(f"parity{bits}/gradients/")
                values["steps"][f"port{bits}"] = {f"step {index + 1}/{name}": value for index in range(self.parity_batches) for name, value in exported(f"parity{bits}/step{index}/").items()}
            if self.training_mode:
                training = {"outputs": results[f"parity{bits}/training/outputs"]}
                training.update({f"after/{name}": value for name, value in exported(f"parity{bits}/training/state/").items()})
                values["training"][f"port{bits}"] = training

        def keras_side(model, bits, dtype):
            values["forward"][f"keras{bits}"] = named_outputs(recipe, model.predict(self.parity_inputs.astype(dtype), batch_size=256, verbose=0))
            if self.parity_batches:
                typed = [(x.astype(dtype), y.astype(dtype)) for x, y in batches]
                _, gradients = keras_loss_and_gradients(model, *typed[0])
                values["gradients"][f"keras{bits}"] = as_torch_layout(layout, gradients)
                snapshots = keras_optimizer_steps(model, typed)
                values["steps"][f"keras{bits}"] = {f"step {index + 1}/{name}": value for index, weights in enumerate(snapshots) for name, value in as_torch_layout(layout, weights).items()}
            if self.training_mode:
                model.set_weights([weight.astype(dtype) for weight in start])
                values["training"][f"keras{bits}"] = keras_training_forward(recipe, model, self.parity_inputs[:size].astype(dtype), layout)

        fresh_compile(keras_model, recipe)
        keras_side(keras_model, 32, np.float32)
        keras_model.set_weights(start)
        with float64_twin(keras_model, recipe) as twin:
            keras_side(twin, 64, np.float64)
        keras_model.set_weights(start)

        order = ("port32", "keras32", "port64", "keras64")
        rows = [Measurement("forward outputs", compare(*(values["forward"][key] for key in order)), f"{len(self.parity_inputs)} seeded synthetic samples")]
        if self.training_mode:
            rows.append(Measurement("training-mode forward (BatchNormalization)", compare(*(values["training"][key] for key in order)), "batch statistics and the updated moving mean and variance"))
        if self.parity_batches:
            rows.append(Measurement("gradients", compare(*(values["gradients"][key] for key in order)), f"one batch of {size}"))
            before = {name: parameter.detach().double().numpy() for name, parameter in layout.named_parameters()}
            before_keyed = {f"step {index}/{name}": value for index in range(1, self.parity_batches + 1) for name, value in before.items()}
            optimizer = type(recipe.optimizer).__name__
            rows.append(Measurement(f"{self.parity_batches} optimizer steps (update)", compare_updates(before_keyed, *(values["steps"][key] for key in order)), f"{optimizer}, batches of {size}"))
        return rows


def prove_export(export: Export, folder: Path, backbone_state: dict, data_dir: Path | None = None, keras_model=None) -> ProofReport:
    """Run the checks of the module docstring on the exported ``folder``. ``backbone_state``: the
    framework backbone's weights the export was given (its ``weights.ckpt``); ``data_dir``: the
    data root (the data checks and real samples; else seeded synthetic ones); ``keras_model``:
    the live Keras model holding the same weights, for (c) (None: (c) is not measured)."""
    with tempfile.TemporaryDirectory(prefix="export-proof-") as scratch:
        proof = _Proof(export, folder, backbone_state, data_dir, Path(scratch))
        proof.prepare()
        if keras_model is not None:
            proof.prepare_parity(keras_model)
        results, facts = proof.run_probe()
        report = ProofReport(export.recipe.name, facts={"samples": proof.arrays.described, **facts})
        importable = facts["importable"]
        report.checks.append(Check(
            "isolation", not importable,
            "lightning_port, keras_reference, keras and tensorflow cannot be imported where the exported code ran"
            if not importable else f"IMPORTABLE there: {', '.join(importable)}",
        ))
        report.checks += proof.outputs(results)
        report.checks += proof.training(results)
        report.checks += proof.data(results)
        if keras_model is not None:
            report.parity = proof.parity(keras_model, results)
        return report
