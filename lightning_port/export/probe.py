"""Run inside the isolated interpreter (``export.environment``), never imported by the package:
drives an exported folder's own code on the arrays ``export.proof`` sends and returns what it
computed. Imports the standard library, numpy, torch and the exported files only.

    python -I -S ... probe.py WORK_DIR     (WORK_DIR/request.json, request.npz -> result.json, result.npz)
"""

import importlib
import importlib.util
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import torch

FORBIDDEN = ("lightning_port", "keras_reference", "keras", "tensorflow")


def numpy_of(tensor):
    return tensor.detach().cpu().numpy().copy()


class Probe:
    def __init__(self, work: Path):
        self.work = work
        self.request = json.loads((work / "request.json").read_text())
        with np.load(work / "request.npz") as arrays:
            self.arrays = {name: arrays[name] for name in arrays.files}
        self.results: dict[str, np.ndarray] = {}
        self.facts: dict = {}
        torch.set_num_threads(self.request["threads"])
        self.module_class = getattr(importlib.import_module("module"), self.request["module_class"])
        self.data_module = importlib.import_module("data")

    def tensor(self, name, dtype=None):
        array = self.arrays[name]
        tensor = torch.from_numpy(np.ascontiguousarray(array))
        return tensor.to(dtype) if dtype is not None and tensor.is_floating_point() else tensor

    def state(self, prefix):
        return {name[len(prefix):]: torch.from_numpy(array) for name, array in self.arrays.items() if name.startswith(prefix)}

    def fresh_module(self, dtype=torch.float32):
        module = self.module_class()
        missing = module.load_state_dict(self.state("weights/"), strict=True)
        assert not missing.missing_keys and not missing.unexpected_keys
        return module.double() if dtype == torch.float64 else module

    def record(self, prefix, tensors: dict):
        for name, tensor in tensors.items():
            self.results[f"{prefix}/{name}"] = numpy_of(tensor)

    # ---- the checks ----
    def isolation(self):
        self.facts["importable"] = [name for name in FORBIDDEN if importlib.util.find_spec(name) is not None]
        self.facts["path"] = sys.path
        self.facts["modules"] = sorted({name.split(".")[0] for name in sys.modules})

    def forward(self):
        module = self.fresh_module().eval()
        inputs = self.tensor("forward/inputs")
        with torch.no_grad():
            self.results["forward/outputs"] = numpy_of(module(inputs))
            self.results["forward/predictions"] = numpy_of(module.predict_step((inputs, None), 0))

    def training_steps(self):
        """The exported module's own training_step, backward and configure_optimizers' step, in
        training mode (dropout on: each step seeded as the framework's), augmented where the
        data module augments."""
        module = self.fresh_module().train()
        optimizer = module.configure_optimizers()
        for index in range(self.request["steps"]):
            inputs, targets = self.tensor(f"steps/{index}/inputs"), self.tensor(f"steps/{index}/targets")
            if self.request["augmentation"]:
                generator = torch.Generator().manual_seed(self.request["augmentation_seed"] + index)
                inputs = getattr(self.data_module, self.request["data_class"]).augment(inputs, generator)
                self.results[f"steps/{index}/augmented"] = numpy_of(inputs)
            torch.manual_seed(self.request["dropout_seed"] + index)
            loss = module.training_step((inputs, targets), index)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            self.results[f"steps/{index}/loss"] = numpy_of(loss)
            self.record(f"steps/{index}/state", module.state_dict())
        step_size = getattr(type(optimizer), "step_size", None)
        if step_size is not None and self.request["schedule_steps"]:
            group, parameter = optimizer.param_groups[0], optimizer.param_groups[0]["params"][0]
            sizes = [step_size(group, step, parameter) for step in range(1, self.request["schedule_steps"] + 1)]
            self.results["schedule/step_sizes"] = np.asarray(sizes, dtype=np.float32)

    def parity(self, dtype, label):
        """What measure_parity measures of the framework port, of the exported code: outputs,
        gradients of one batch, weights after each optimizer step (dropout off, as on Keras's
        side), and a training-mode pass where the model normalises batches."""
        module = self.fresh_module(dtype).eval()
        with torch.no_grad():
            self.results[f"{label}/outputs"] = numpy_of(module.predict_step((self.tensor("parity/inputs", dtype), None), 0))
        batches = self.request["parity_batches"]
        if batches:
            module.zero_grad()
            module.training_step((self.tensor("parity/0/inputs", dtype), self.tensor("parity/0/targets", dtype)), 0).backward()
            self.record(f"{label}/gradients", {name: parameter.grad for name, parameter in module.named_parameters() if parameter.grad is not None})
            module = self.fresh_module(dtype).eval()
            optimizer = module.configure_optimizers()
            for index in range(batches):
                optimizer.zero_grad()
                module.training_step((self.tensor(f"parity/{index}/inputs", dtype), self.tensor(f"parity/{index}/targets", dtype)), index).backward()
                optimizer.step()
                self.record(f"{label}/step{index}", dict(module.named_parameters()))
        if self.request["training_mode"]:
            module = self.fresh_module(dtype).train()
            with torch.no_grad():
                self.results[f"{label}/training/outputs"] = numpy_of(module.predict_step((self.tensor("parity/training_inputs", dtype), None), 0))
            self.record(f"{label}/training/state", module.state_dict())

    def data(self):
        """The arrays the exported data module serves, from the data set's own files."""
        data_class = getattr(self.data_module, self.request["data_class"])
        if self.request["generated"]:
            data = data_class()
        else:
            data = data_class(self.request["data_dir"]) if self.request["data_dir"] else data_class(npz=self.request["npz"])
        data.setup("fit")
        data.setup("test")
        splits = {"train": data.train_set, "test": data.test_set}
        if hasattr(data, "val_set"):
            splits["validation"] = data.val_set
        for split, dataset in splits.items():
            inputs, targets = dataset.tensors
            self.results[f"data/{split}/inputs"] = numpy_of(inputs)
            self.results[f"data/{split}/targets"] = numpy_of(targets)
        for split, name in (("train", "noisy_train_set"), ("validation", "noisy_val_set")):
            if hasattr(data, name):
                self.results[f"data/{split}/noisy"] = numpy_of(getattr(data, name).tensors[0])

    def run(self):
        self.isolation()
        self.forward()
        self.training_steps()
        for dtype, label in ((torch.float32, "parity32"), (torch.float64, "parity64")):
            if self.request["parity"]:
                self.parity(dtype, label)
        if self.request["data_dir"] or self.request["npz"] or self.request["generated"]:
            self.data()
        np.savez(self.work / "result.npz", **self.results)
        (self.work / "result.json").write_text(json.dumps(self.facts))


if __name__ == "__main__":
    warnings.filterwarnings("ignore")  # self.log() outside a Trainer warns; the values are read here
    Probe(Path(sys.argv[1])).run()
