"""The speed modes' LightningModule: ``TutorialClassifier`` running K Keras steps per
Lightning step (``--steps-per-execution K``), each step or each block of them compiled
(``--compile``).

Opt-in, like Keras's own ``compile(steps_per_execution=K, jit_compile=True)``: manual
optimization, Keras steps taken inside one ``training_step``, and the Trainer options and
callbacks that would silently mean something else refused before training starts
(``training/speed_modes.py``). What is trained is the same: the same batches in the same
order, the same updates, the same epoch metrics (``tests/training/test_system.py``,
``test_compiled_block.py``).

The data module serves K Keras batches as one Lightning batch (``data/datamodule.py``),
augmented per Keras batch in order from a stream of its own, so an execution of K batches
is augmented exactly as K single steps would be, and dropout (torch's global generator, or
the compiled graph's seeds drawn from it) draws in the same order either way.
"""

from __future__ import annotations

import torch

from lightning_port.run.description import SpeedMode
from lightning_port.spec import Recipe
from lightning_port.training.compiled_block import CompiledBlock
from lightning_port.training.compiled_step import CompiledTrainingStep
from lightning_port.training.speed_modes import direct_steps_allowed, refuse_per_step_options
from lightning_port.training.system import TutorialClassifier


def build_classifier(recipe: Recipe, batch_size: int | None = None, speed: SpeedMode | None = None) -> TutorialClassifier:
    """The canonical module for the default mode, the speed-mode one otherwise."""
    if speed is None or speed.is_default:
        return TutorialClassifier(recipe, batch_size=batch_size)
    return SpeedModeClassifier(recipe, batch_size=batch_size, speed=speed)


class SpeedModeClassifier(TutorialClassifier):
    """``TutorialClassifier`` with executions of K Keras steps, eager or compiled."""

    def __init__(self, recipe: Recipe, batch_size: int | None = None, speed: SpeedMode = SpeedMode(compile=True)):
        super().__init__(recipe, batch_size=batch_size)
        if speed.is_default:
            raise ValueError("the default mode (one eager step per Lightning step) is TutorialClassifier; use build_classifier")
        # Not a hyperparameter: it changes how steps run, not what is trained.
        self.speed = speed
        self.automatic_optimization = False
        self.compiled_block: CompiledBlock | None = None

    def configure_callbacks(self):
        # The first hook Lightning calls with the Trainer's options in place, before it checks
        # them itself: per-step options are refused here, with the mode's own one-line reason.
        if self.trainer.state.fn == "fit":
            refuse_per_step_options(self.trainer, self.speed)
        return []

    def on_train_epoch_start(self) -> None:
        super().on_train_epoch_start()
        if self.compiled_block is not None:
            self.compiled_block.step.sums.reset()

    def training_step(self, batch, batch_index):
        """The execution's Keras steps, in order, each on its own ``batch_size`` slice.

        Under ``--compile`` the execution's full batches run as one compiled block; the rest
        (an epoch's final partial batch, or every batch without ``--compile``) eagerly. The
        execution's last step goes through Lightning's optimizer wrapper (its public
        ``step``), so ``trainer.global_step`` counts executions, as Keras's progress bar
        counts ``steps_per_execution`` blocks.
        """
        optimizer = self.optimizers()
        inputs, targets = batch
        compiled = len(inputs) // self.batch_size * self.batch_size if self.speed.compile else 0
        # (split() of an empty tensor gives one empty piece, not none.)
        eager = list(zip(inputs[compiled:].split(self.batch_size), targets[compiled:].split(self.batch_size))) if compiled < len(inputs) else []
        if compiled:
            block = self._compiled_block(optimizer)

            def run_block():
                # No .grad may survive from an eager step: the wrapper's inner optimizer would
                # apply it again after this closure. The block applies its updates itself.
                optimizer.optimizer.zero_grad(set_to_none=True)
                block.run(inputs[:compiled], targets[:compiled])

            if eager:
                run_block()
            else:
                optimizer.step(closure=run_block)
        self._eager_steps(optimizer, eager)
        return None

    def _eager_steps(self, optimizer, pieces) -> None:
        """Every step but the last updates directly where that is allowed; the last through
        Lightning's wrapper."""
        direct = direct_steps_allowed(self.trainer)
        for position, (step_inputs, step_targets) in enumerate(pieces):
            loss, outputs = self.loss_and_outputs(step_inputs, step_targets)
            self.train_metrics.update(loss, outputs, step_targets)
            if direct and position < len(pieces) - 1:
                optimizer.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.optimizer.step()
            else:
                optimizer.zero_grad(set_to_none=True)
                self.manual_backward(loss)
                optimizer.step()

    def _compiled_block(self, optimizer) -> CompiledBlock:
        # Built on first use, and again if the Trainer made a new optimizer (another fit()).
        if self.compiled_block is None or self.compiled_block.step.optimizer is not optimizer.optimizer:
            if not direct_steps_allowed(self.trainer):
                raise RuntimeError("--compile runs on one device without a gradient scaler (16-mixed); see compiled_step.py")
            autocast = torch.bfloat16 if self.trainer.precision == "bf16-mixed" else None
            step = CompiledTrainingStep(self.backbone, optimizer.optimizer, self.loss, autocast, steps=self.speed.steps_per_execution)
            self.compiled_block = CompiledBlock(step, self.batch_size, capture=autocast is None)
        return self.compiled_block

    # ---- the epoch sums the compiled steps keep on the device ----
    def _count_compiled_steps(self) -> None:
        if self.compiled_block is not None:
            sums = self.compiled_block.step.sums
            self.train_metrics.add_sums(sums.loss, sums.samples, sums.correct, sums.predictions)
            sums.reset()

    def running_metrics(self) -> dict[str, float]:
        self._count_compiled_steps()
        return super().running_metrics()

    def on_train_epoch_end(self) -> None:
        self._count_compiled_steps()
        super().on_train_epoch_end()
