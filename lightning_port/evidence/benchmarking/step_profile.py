"""Where a training step's time goes, in the port and in the floor: measuring only (render.py
draws the table).

Each configuration trains two epochs on the same subset: the first warms up (graph
compilation, allocator, oneDNN primitives), the second is measured, its phases timed on
the host around the very calls that run them (with a device synchronisation at each
boundary on CUDA, so a phase is charged the kernels it launched):

- **data**: taking the step's batch: the epoch's shuffle (one gather, spread over its
  steps) and the slice. The tensors sit on the device from the start (data/batches.py), so
  there is no per-step host-to-device copy; on a GPU this phase is where one would show.
- **augmentation**: the recipe's ImageDataGenerator transform (keras_compat/augmentation.py),
  or the model's own random augmentation layers (RandomFlip, RandomRotation, ...: their calls
  inside the forward pass are timed here and left out of **forward**). A model with such layers
  is profiled eagerly only: ``--compile`` refuses them (their draws would be frozen in a graph).
- **forward**, **backward**, **optimizer**: the backbone's forward, the backward pass, the
  Keras-rule update; in a compiled configuration one graph does all three (**compiled step**).
- **Lightning and metrics** (the port): the rest of the step's wall time: the loss and the
  torchmetrics update, hook dispatch, the optimizer wrapper, the progress bar, logging.

Validation is left out (``limit_val_batches=0``; the floor skips it too): this is the step.
The port runs with its progress bar and per-epoch checkpoint, as ``scripts/train.py`` does;
the hooks that time it add a few microseconds a step of their own.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from pathlib import Path

import torch

from lightning_port.data.datamodule import TutorialDataModule
from lightning_port.keras_compat.augmentation import BatchAugmentation
from lightning_port.keras_compat.losses import loss_function
from lightning_port.keras_compat.optimizers import build_optimizer
from lightning_port.layers.randomness import random_layers
from lightning_port.models import build_backbone
from lightning_port.run.description import RunDefinition, SpeedMode, TrainingRun
from lightning_port.training.compiled_block import CompiledBlock
from lightning_port.training.compiled_step import CompiledTrainingStep

PHASES = ("data", "augmentation", "forward", "backward", "optimizer", "compiled step", "Lightning and metrics", "other")
# The configurations profiled: (name, title, the port's speed mode or None for the floor).
CONFIGURATIONS = (
    ("floor", "floor, eager (a bare PyTorch loop)", None),
    ("port", "port, default (canonical Lightning)", SpeedMode()),
    ("floor_compiled_block", "floor, compiled blocks of 32 steps", None),
    ("port_compiled_block", "port, --compile --steps-per-execution 32", SpeedMode(steps_per_execution=32, compile=True)),
)
BLOCK = 32


class PhaseClock:
    """Seconds per phase, summed while ``measuring``; on CUDA each boundary waits for the device."""

    def __init__(self, device: torch.device):
        self.cuda = device.type == "cuda"
        self.totals = {phase: 0.0 for phase in PHASES}
        self.measuring = False
        self._started: dict[str, float] = {}

    def now(self) -> float:
        if self.cuda:
            torch.cuda.synchronize()
        return time.perf_counter()

    def start(self, phase: str) -> None:
        self._started[phase] = self.now()

    def stop(self, phase: str) -> None:
        started = self._started.pop(phase, None)
        if started is not None and self.measuring:
            self.totals[phase] += self.now() - started

    @contextlib.contextmanager
    def phase(self, name: str):
        self.start(name)
        try:
            yield
        finally:
            self.stop(name)


def time_model_augmentation(network: torch.nn.Module, clock: PhaseClock) -> None:
    """The model's random augmentation layers timed as the augmentation phase: their calls
    pause the forward phase (which is running around them) and resume it after."""
    for module in random_layers(network):
        def pause(module, arguments):
            clock.stop("forward")
            clock.start("augmentation")

        def resume(module, arguments, output):
            clock.stop("augmentation")
            clock.start("forward")

        module.register_forward_pre_hook(pause)
        module.register_forward_hook(resume)


def _per_step(totals: dict[str, float], wall: float, steps: int, rest: str) -> dict:
    """Milliseconds per step per phase; ``rest`` gets the wall time no phase accounts for."""
    measured = {phase: seconds for phase, seconds in totals.items() if seconds > 0}
    measured[rest] = max(0.0, wall - sum(measured.values()))
    return {"step_ms": 1000 * wall / steps, "steps": steps, "phases_ms": {phase: 1000 * seconds / steps for phase, seconds in measured.items()}}


# ---- the floor ----
def profile_floor(run: RunDefinition, device: str, block: int | None) -> dict:
    """The floor's loop (evidence/benchmarking/floor.py), eager or in compiled blocks, timed by phase."""
    recipe = run.recipe
    datamodule = TutorialDataModule(run, augment=False)
    datamodule.setup()
    inputs, targets = (tensor.to(device) for tensor in datamodule.train_tensors)
    augment = BatchAugmentation(recipe.augmentation) if recipe.augmentation else None
    torch.manual_seed(run.seed)
    network = build_backbone(recipe).to(device)
    optimizer = build_optimizer(recipe.optimizer, network.parameters())
    loss_of = loss_function(recipe)
    clock = PhaseClock(torch.device(device))
    time_model_augmentation(network, clock)
    compiled = CompiledBlock(CompiledTrainingStep(network, optimizer, loss_of, steps=block), recipe.batch_size, capture=True) if block else None
    size, count = recipe.batch_size, len(inputs)
    execution = size * (block or 1)
    full = count // size * size if compiled is not None else 0
    wall = 0.0
    for epoch in range(2):
        clock.measuring = epoch == 1
        started = clock.now()
        network.train()
        with clock.phase("data"):
            order = torch.randperm(count, device=device)
            epoch_inputs, epoch_targets = inputs[order], targets[order]
        for start in range(0, full, execution):
            with clock.phase("data"):
                batch, batch_targets = epoch_inputs[start : min(start + execution, full)], epoch_targets[start : min(start + execution, full)]
            if augment is not None:
                with clock.phase("augmentation"):
                    batch = torch.cat([augment(piece) for piece in batch.split(size)])
            with clock.phase("compiled step"):
                compiled.run(batch, batch_targets)
        for start in range(full, count, size):
            with clock.phase("data"):
                batch, batch_targets = epoch_inputs[start : start + size], epoch_targets[start : start + size]
            if augment is not None:
                with clock.phase("augmentation"):
                    batch = augment(batch)
            with clock.phase("forward"):
                loss = loss_of(network(batch), batch_targets)
            with clock.phase("backward"):
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
            with clock.phase("optimizer"):
                optimizer.step()
        if clock.measuring:
            wall = clock.now() - started
    return _per_step(clock.totals, wall, -(-count // size), rest="other")


# ---- the port ----
class _TimedBatches:
    """The data module's batches, each ``next`` timed as the data phase."""

    def __init__(self, batches, clock: PhaseClock):
        self.batches, self.clock = batches, clock

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self):
        iterator = iter(self.batches)
        while True:
            with self.clock.phase("data"):
                batch = next(iterator, None)
            if batch is None:
                return
            yield batch


def _instrument(system, datamodule, clock: PhaseClock):
    """Hooks that time the port's phases; returns the callback that times the epoch (register
    it with the Trainer). In the default mode: the backbone's forward, backward (Lightning's
    hooks around it) and the update (from the end of backward, inside the optimizer's step,
    to the step's end); in the compiled mode, the block's run (no hook may enter the graph)."""
    import lightning as L

    original_loader = datamodule.train_dataloader
    datamodule.train_dataloader = lambda: _TimedBatches(original_loader(), clock)
    if datamodule.augmentation is not None:
        datamodule.augmentation.register_forward_pre_hook(lambda module, arguments: clock.start("augmentation"))
        datamodule.augmentation.register_forward_hook(lambda module, arguments, output: clock.stop("augmentation"))
    default_mode = system.automatic_optimization
    if default_mode:
        system.backbone.register_forward_pre_hook(lambda module, arguments: clock.start("forward"))
        system.backbone.register_forward_hook(lambda module, arguments, output: clock.stop("forward"))
        time_model_augmentation(system.backbone, clock)

    class Timing(L.Callback):
        speed_mode_safe = True  # overrides no per-step hook: the speed mode's epoch runs as it would

        def __init__(self):
            self.wall = 0.0
            self.started = 0.0

        def on_train_epoch_start(self, trainer, module):
            clock.measuring = trainer.current_epoch == 1
            self.started = clock.now()
            optimizer = trainer.optimizers[0]
            if default_mode and not getattr(optimizer, "_profiled", False):
                optimizer.register_step_post_hook(lambda *_: clock.stop("optimizer"))
                optimizer._profiled = True
            block = getattr(module, "compiled_block", None)
            if block is not None and not getattr(block, "_profiled", False):
                run = block.run

                def timed_run(inputs, targets):
                    with clock.phase("compiled step"):
                        run(inputs, targets)

                block.run, block._profiled = timed_run, True

        def on_train_epoch_end(self, trainer, module):
            if clock.measuring:
                self.wall = clock.now() - self.started

    class DefaultModeTiming(Timing):
        def on_before_backward(self, trainer, module, loss):
            clock.start("backward")

        def on_after_backward(self, trainer, module):
            clock.stop("backward")
            clock.start("optimizer")  # Lightning's closure ends here; the optimizer's step updates next

    return DefaultModeTiming() if default_mode else Timing()


def profile_port(run: RunDefinition, accelerator: str, speed: SpeedMode) -> dict:
    """The port as scripts/train.py runs it (progress bar, checkpoints), timed by phase."""
    from lightning_port.training.speed_mode_module import build_classifier
    from lightning_port.training.trainer import build_trainer, quiet_lightning

    import lightning as L

    quiet_lightning()
    with tempfile.TemporaryDirectory() as scratch:
        training = TrainingRun(**{field: getattr(run, field) for field in run.__dataclass_fields__}, output_dir=Path(scratch), accelerator=accelerator, speed=speed)
        L.seed_everything(run.seed, workers=False, verbose=False)
        datamodule = TutorialDataModule(training, steps_per_execution=speed.steps_per_execution)
        system = build_classifier(run.recipe, batch_size=run.batch_size, speed=speed)
        clock = PhaseClock(torch.device("cuda" if accelerator == "gpu" else "cpu"))
        timing = _instrument(system, datamodule, clock)
        trainer = build_trainer(training, extra_callbacks=(timing,))
        trainer.limit_val_batches = 0  # the step, not the validation pass
        trainer.fit(system, datamodule=datamodule)
        steps = -(-len(datamodule.train_tensors[0]) // run.batch_size)
    return _per_step(clock.totals, timing.wall, steps, rest="Lightning and metrics")


def profile(run: RunDefinition, accelerator: str, progress=print) -> dict:
    """Every configuration in CONFIGURATIONS, one after the other in this process."""
    device = "cuda" if accelerator == "gpu" else "cpu"
    drawing = bool(random_layers(build_backbone(run.recipe)))
    results = {}
    for name, title, speed in CONFIGURATIONS:
        if drawing and "compiled" in name:
            continue  # --compile refuses random augmentation layers (run/resolve.py)
        progress(f"[{run.recipe.name}] profiling {title}")
        if speed is None:
            measured = profile_floor(run, device, BLOCK if "compiled" in name else None)
        else:
            measured = profile_port(run, accelerator, speed)
        results[name] = {"title": title, **measured}
    return results
