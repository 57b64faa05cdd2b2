"""The same random draws fed to Keras's random preprocessing layers and to the port's.

Keras 3's RandomFlip, RandomRotation, ... draw their parameters with ``keras.random.uniform``
from Keras's own seed generator, which no other framework reproduces. To compare the two
frameworks' training-mode outputs, the draws are made once (by the port's own samplers,
``layers.randomness``, from a seeded generator, in float64) and given to both:

- the port: ``layers.randomness.inject`` on each random layer's module;
- Keras: each random layer's backend is wrapped so that its ``random.uniform`` calls return the
  given draws, in order, cast to the dtype Keras asked for; everything else the layer computes
  (its transform from the draws, the kernel) is Keras's own code.

One Keras failure is worked around in the wrapper: Keras 3.15's RandomRotation cannot run in a
float64 model (``ops.convert_to_tensor(math.pi / 180.0)`` gives a float32 tensor, multiplied
with float64 angles); the wrapper makes a Python float constant a tensor of the model's floatx,
so the float64 truth is Keras's own formula in float64. In a float32 model nothing changes.

Keras is imported lazily; select its backend first (``keras_reference.backend``).
"""

from __future__ import annotations

import contextlib

import numpy as np
import torch

from lightning_port.layers.graph import Graph
from lightning_port.layers.randomness import RandomLayerModule, inject
from lightning_port.models import KerasModel


def random_layer_calls(backbone: KerasModel, keras_model=None) -> list[tuple[RandomLayerModule, object, tuple[int, ...]]]:
    """Every call of a random layer in evaluation order (nested models' too): (the port's
    module, the Keras layer or None, the input shape the call receives)."""
    found = []
    graph: Graph = backbone.graph
    shapes = graph.node_outputs()
    for node, module_name, _, nested in backbone.plan:
        layer = graph.layers[node.layer]
        module = backbone._modules[module_name] if module_name is not None else None
        # Looked up only where needed: a model without random layers may come from a session
        # that numbered its layer names differently (dense_129 for the recipe's dense).
        needed = nested or isinstance(module, RandomLayerModule)
        keras_layer = keras_model.get_layer(layer.name) if keras_model is not None and module is not None and needed else None
        if nested:
            found += random_layer_calls(module, keras_layer)
        elif isinstance(module, RandomLayerModule):
            found.append((module, keras_layer, tuple(graph.shape_of(node.arguments, shapes))))
    return found


def has_random_layers(backbone: KerasModel) -> bool:
    return bool(random_layer_calls(backbone))


def draw(backbone: KerasModel, batch_size: int, generator: torch.Generator) -> list[list[np.ndarray]]:
    """One forward pass's draws, per random layer call, from the port's samplers (float64)."""
    draws = []
    for module, _, shape in random_layer_calls(backbone):
        saved, module.generator = module.generator, generator
        try:
            draws.append([value.numpy() for value in module.draws(torch.empty((batch_size, *shape), dtype=torch.float64))])
        finally:
            module.generator = saved
    return draws


def inject_port(backbone: KerasModel, draws: list[list[np.ndarray]]) -> None:
    """The next forward pass of ``backbone`` uses ``draws`` (as ``draw`` made them)."""
    calls = random_layer_calls(backbone)
    if len(calls) != len(draws):
        raise ValueError(f"{len(draws)} layers' draws for {len(calls)} random layer calls")
    for (module, _, _), values in zip(calls, draws):
        inject(module, values)


class _InjectedRandom:
    def __init__(self, queue: list):
        self.queue = queue

    def uniform(self, shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
        import keras
        import tensorflow as tf

        if not self.queue:
            raise RuntimeError("a random layer drew more often than the injected draws allow")
        value = tf.cast(self.queue.pop(0), dtype or keras.config.floatx())
        expected = tuple(int(size) for size in shape)
        if tuple(value.shape) != expected:
            raise ValueError(f"an injected draw of shape {tuple(value.shape)} where Keras draws {expected}")
        return value


def _injecting_backend(original, queue: list):
    from keras.src.utils.backend_utils import DynamicBackend

    class InjectingBackend(DynamicBackend):
        random = _InjectedRandom(queue)

        def convert_to_tensor(self, x, dtype=None, **keywords):
            import keras

            if dtype is None and isinstance(x, float):
                dtype = keras.config.floatx()
            return DynamicBackend.__getattr__(self, "convert_to_tensor")(x, dtype=dtype, **keywords)

    backend = InjectingBackend(original._backend)
    return backend


@contextlib.contextmanager
def injected_keras_draws(backbone: KerasModel, keras_model):
    """Within the block, ``set_draws(draws)`` makes the Keras model's next training-mode call
    use ``draws`` (per random layer call, as ``draw`` made them; numpy arrays or tensors)."""
    calls = random_layer_calls(backbone, keras_model)
    layers = [keras_layer for _, keras_layer, _ in calls]
    queues: dict[int, list] = {}
    originals = {}
    for layer in layers:
        if id(layer) in originals:
            continue
        queues[id(layer)] = []
        originals[id(layer)] = layer.backend
        layer.backend = _injecting_backend(layer.backend, queues[id(layer)])

    def set_draws(draws) -> None:
        if len(draws) != len(layers):
            raise ValueError(f"{len(draws)} layers' draws for {len(layers)} random layer calls")
        for queue in queues.values():
            queue.clear()
        for layer, values in zip(layers, draws):
            queues[id(layer)].extend(values)

    try:
        yield set_draws
    finally:
        for layer in layers:
            if id(layer) in originals:
                layer.backend = originals.pop(id(layer))


__all__ = ["draw", "has_random_layers", "inject_port", "injected_keras_draws", "random_layer_calls"]
