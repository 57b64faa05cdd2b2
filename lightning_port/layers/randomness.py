"""Random augmentation layers inside a model: how their torch modules get their random numbers.

Keras 3's random preprocessing layers (RandomFlip, RandomRotation, ...) draw their parameters
with ``keras.random.uniform`` on every training call and are the identity at inference. Their
torch modules derive from ``RandomLayerModule``, which splits a call in two:

- ``draws(images)``: exactly the uniform draws Keras's layer makes, in its order, shapes and
  ranges (a flip decision's uniform, an angle in degrees, a zoom factor...);
- ``apply(images, draws)``: Keras's computation from those draws to the output.

Where the draws come from is set from outside, never decided by the module:

- ``use_generator(model, generator)``: every random layer of ``model`` draws from ``generator``
  in the order the layers run. The Trainer hands each epoch a generator of its own seed
  stream (``support.seeds.Stream.LAYER_AUGMENTATION``, per epoch and rank; the callback
  ``training.callbacks.EpochSeeding``), so a run is reproducible, a resumed run continues the
  stream, and K Keras steps per Lightning step (``--steps-per-execution``) draw exactly what K
  single steps draw: one forward call per Keras batch, in order. Without one, torch's global
  generator is used (as dropout does).
- ``inject(module, draws)``: the next calls use the given draws instead (the parity
  measurements feed Keras and the port the same draws: ``evidence.parity``).

The training step itself is untouched: a random layer draws inside the backbone's forward,
as Dropout does.
"""

from __future__ import annotations

import torch
from torch import nn


class RandomLayerModule(nn.Module):
    """A module whose training-mode call draws random parameters (module docstring)."""

    def __init__(self):
        super().__init__()
        self.generator: torch.Generator | None = None
        self.injected: list[list[torch.Tensor]] = []

    # ---- what a kind implements ----
    def draws(self, images: torch.Tensor) -> list[torch.Tensor]:  # pragma: no cover - interface
        raise NotImplementedError

    def apply(self, images: torch.Tensor, draws: list[torch.Tensor]) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def inference(self, images: torch.Tensor) -> torch.Tensor:
        """Keras's inference-mode call: the identity for every random layer (RandomCrop too:
        Keras 3.15 returns its input uncropped when ``training`` is false)."""
        return images

    # ---- the call ----
    def forward(self, images):
        if not self.training:
            return self.inference(images)
        draws = self.injected.pop(0) if self.injected else self.draws(images)
        # Keras draws in its floatx, the model's dtype: injected draws are cast to it.
        dtype = floating_dtype(images)
        return self.apply(images, [draw.to(device=images.device, dtype=dtype) for draw in draws])

    # ---- drawing as keras.random.uniform does ----
    def uniform(self, shape, low: float, high: float, dtype: torch.dtype, device) -> torch.Tensor:
        """``keras.random.uniform(shape, minval=low, maxval=high)``: U[low, high) in ``dtype``."""
        values = torch.rand(shape, generator=self.generator, dtype=dtype, device=device)
        return values * (high - low) + low


def random_layers(model: nn.Module) -> list[RandomLayerModule]:
    """The random layer modules of a model (nested models' too), in the order they run."""
    return [module for module in model.modules() if isinstance(module, RandomLayerModule)]


def use_generator(model: nn.Module, generator: torch.Generator | None) -> None:
    for module in random_layers(model):
        module.generator = generator


def inject(module: RandomLayerModule, draws: list) -> None:
    """The draws the module's next call uses (a list of arrays or tensors, Keras's order)."""
    module.injected.append([torch.as_tensor(draw) for draw in draws])


def floating_dtype(images: torch.Tensor) -> torch.dtype:
    """The dtype Keras draws in: its floatx, which is the model's dtype (float32 or float64)."""
    return images.dtype if images.is_floating_point() else torch.get_default_dtype()


__all__ = ["RandomLayerModule", "floating_dtype", "inject", "random_layers", "use_generator"]
