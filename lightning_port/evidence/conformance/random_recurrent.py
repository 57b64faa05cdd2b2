"""Seeded random recurrent models, for the parity suite.

Chosen cases cover each option of a recurrent layer; random models cover their combinations:
SimpleRNN, LSTM and GRU stacked one to three deep, each with its own options (units,
activations, biases, initializers, ``go_backwards``, ``unroll``, ``reset_after``,
``unit_forget_bias``, ``zero_output_for_mask``, dropout rates, which change nothing at
inference), some wrapped in Bidirectional (every merge mode, sometimes with a backward layer
of its own), masks from ``Embedding(mask_zero=True)`` or ``Masking`` flowing through them,
TimeDistributed Dense layers between them, a layer's final states read by the head or handed
to the next layer as its ``initial_state``, and a sequence output whose loss the mask weighs.
Each model is built in live Keras from the port's own specs, saved as ``.keras``, read back by
the port's reader and measured like a ported model: forward outputs, gradients and 3 optimizer
steps against the float64 truth (``evidence.parity.measure``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from lightning_port import spec as L
from lightning_port.evidence.conformance.optimizers import OPTIMIZER_CONFORMANCE_CASES
from lightning_port.ops.windows import LayerShapeError
from lightning_port.spec.losses import CategoricalCrossentropy, SparseCategoricalCrossentropy

_RECURRENT = ("SimpleRNN", "LSTM", "GRU")
_ACTIVATIONS = ("tanh", "tanh", "tanh", "relu", "sigmoid", "softsign", None)
_RECURRENT_ACTIVATIONS = ("sigmoid", "sigmoid", "sigmoid", "hard_sigmoid", "tanh")
_INITIALIZERS = ("glorot_uniform", "he_uniform", "lecun_normal", "orthogonal")


@dataclass(frozen=True)
class RandomRecurrent:
    seed: int
    model: L.LayerKind  # a Functional model (spec.Model)
    optimizer: object
    loss: object
    features: tuple[str, ...]  # what it has: "LSTM", "Bidirectional", "mask", "initial_state", ...

    def describe(self) -> str:
        graph = self.model.graph
        return f"seed {self.seed}: {graph.inputs[0].shape} -> {len(graph.layers)} layers [{', '.join(self.features)}]"


def _recurrent(rng: random.Random, kind: str, return_sequences: bool, features: list, **fixed):
    options = {
        "units": rng.randint(2, 4),
        "activation": rng.choice(_ACTIVATIONS),
        "use_bias": rng.random() < 0.85,
        "return_sequences": return_sequences,
        "go_backwards": rng.random() < 0.25,
        "unroll": rng.random() < 0.2,
        "zero_output_for_mask": rng.random() < 0.25,
        "dropout": rng.choice((0.0, 0.0, 0.2)),
        "recurrent_dropout": rng.choice((0.0, 0.0, 0.3)),
    }
    if rng.random() < 0.25:
        options["kernel_initializer"] = rng.choice(_INITIALIZERS)
    if rng.random() < 0.2:
        options["recurrent_initializer"] = rng.choice(_INITIALIZERS)
    if kind != "SimpleRNN":
        options["recurrent_activation"] = rng.choice(_RECURRENT_ACTIVATIONS)
    if kind == "LSTM":
        options["unit_forget_bias"] = rng.random() < 0.8
    if kind == "GRU":
        options["reset_after"] = rng.random() < 0.6
        if not options["reset_after"]:
            features.append("GRU reset_after=False")
    options.update(fixed)
    features.append(kind)
    for name in ("go_backwards", "unroll"):
        if options[name]:
            features.append(name)
    return getattr(L, kind)(**options)


def _layer(rng: random.Random, return_sequences: bool, features: list, **fixed):
    """A recurrent layer, bare or in a Bidirectional wrapper."""
    kind = rng.choice(_RECURRENT)
    if rng.random() < 0.4:
        forward = _recurrent(rng, kind, return_sequences, features, go_backwards=False, **fixed)
        backward = None
        if rng.random() < 0.25:
            other = rng.choice(_RECURRENT)
            backward = _recurrent(rng, other, return_sequences, features, go_backwards=True, units=forward.units, return_state=forward.return_state)
            features.append("backward_layer")
        mode = rng.choice(("concat", "concat", "sum", "ave", "mul", None))
        features += ["Bidirectional", f"merge_mode {mode}"]
        return L.Bidirectional(forward, merge_mode=mode, backward_layer=backward)
    return _recurrent(rng, kind, return_sequences, features, **fixed)


def _source(rng: random.Random, features: list):
    """(input, sequence tensor): tokens through an Embedding (masked or not), or values
    through a Dense(relu) branch and Masking (the zeros masked), or plain values."""
    choice = rng.choice(("tokens", "tokens", "masking", "values"))
    length = rng.randint(4, 7)
    if choice == "tokens":
        inputs = L.Input((length,))
        mask_zero = rng.random() < 0.7
        if mask_zero:
            features.append("mask (Embedding)")
        return inputs, L.Embedding(rng.randint(3, 6), rng.randint(2, 4), mask_zero=mask_zero)(inputs)
    inputs = L.Input((length, rng.randint(2, 3)))
    if choice == "masking":
        features.append("mask (Masking)")
        return inputs, L.Masking(0.0)(L.Dense(rng.randint(1, 2), activation="relu")(inputs))
    return inputs, inputs


def _flat(tensor):
    return L.Flatten()(tensor) if len(tensor.shape) > 1 else tensor


def random_recurrent(seed: int) -> RandomRecurrent:
    """One seeded random recurrent model; shapes checked as Keras would check them."""
    rng = random.Random(seed)
    for _ in range(50):
        features: list[str] = []
        try:
            inputs, tensor = _source(rng, features)
            depth = rng.randint(1, 3)
            states = None
            extra_heads = []
            for index in range(depth):
                last = index == depth - 1
                sequences = True if not last else rng.random() < 0.45
                stateful = rng.random() < 0.25
                fixed = {"return_state": True} if stateful else {}
                if states is not None:
                    # The next layer, of the same kind and width, starts from the previous one's final states.
                    layer = _recurrent(rng, previous.keras_class, sequences, features, units=previous.units, **fixed)
                    outputs = layer(tensor, initial_state=list(states))
                    features.append("initial_state")
                else:
                    layer = _layer(rng, sequences, features, **fixed)
                    outputs = layer(tensor)
                outputs = outputs if isinstance(outputs, list) else [outputs]
                previous = layer
                merged = 2 if getattr(layer, "merge_mode", "x") is None else 1
                tensor, states = outputs[0], None
                if merged == 2:
                    extra_heads.append(outputs[1])
                if stateful:
                    features.append("return_state")
                    found = outputs[merged:]
                    if rng.random() < 0.5 and layer.keras_class != "Bidirectional" and not last:
                        states = found
                    else:
                        extra_heads += found
                if not last and rng.random() < 0.25:
                    tensor = L.TimeDistributed(L.Dense(rng.randint(2, 4), activation=rng.choice(("tanh", None))))(tensor)
                    features.append("TimeDistributed")
            if len(tensor.shape) == 2 and rng.random() < 0.3 and not extra_heads:
                # The sequence is the output: with a mask, Keras weighs its loss step by step.
                head = L.Dense(rng.randint(2, 4))(tensor)
                loss = rng.choice(("mse", CategoricalCrossentropy(from_logits=True), SparseCategoricalCrossentropy(from_logits=True)))
                features.append("sequence output")
                model = L.Model(inputs, head)
            else:
                if len(tensor.shape) == 2:
                    # A masked mean over a sequence whose every step is masked is 0/0 in both
                    # frameworks: on masked sequences (tokens 0 drawn often) only Flatten.
                    masked = any(feature.startswith("mask") for feature in features)
                    pooled = L.GlobalAveragePooling1D()(tensor) if rng.random() < 0.5 and not masked else L.Flatten()(tensor)
                else:
                    pooled = tensor
                parts = [pooled] + [_flat(item) for item in extra_heads]
                trunk = parts[0] if len(parts) == 1 else L.Concatenate()(parts)
                classes = rng.randint(2, 4)
                choice = rng.choice(("softmax", "sigmoid", "mse"))
                if choice == "softmax":
                    head, loss = L.Dense(classes, activation="softmax")(trunk), "categorical_crossentropy"
                elif choice == "sigmoid":
                    head, loss = L.Dense(1, activation="sigmoid")(trunk), "binary_crossentropy"
                else:
                    head, loss = L.Dense(classes)(trunk), "mse"
                model = L.Model(inputs, head)
            graph = model.graph.resolved()
            graph.output_shapes  # checks every call, as Keras would
            graph.mask_flow()  # and every mask
        except LayerShapeError:
            continue
        optimizer = rng.choice(OPTIMIZER_CONFORMANCE_CASES)[1]
        return RandomRecurrent(seed, model, optimizer, loss, tuple(dict.fromkeys(features)))
    raise RuntimeError(f"no valid random recurrent model for seed {seed}")


def recurrent_recipe(model: RandomRecurrent):
    from lightning_port.spec import Article, Preprocessing, Recipe, ReportedResult

    return Recipe(
        name="random_recurrent", description=model.describe(), article=Article("random recurrent model", "lightning_port"), dataset="arrays",
        preprocessing=Preprocessing(), layers=model.model, optimizer=model.optimizer, loss=model.loss,
        epochs=1, batch_size=8, parameter_count=0, reported=ReportedResult(), accuracy_target=0.0,
    )


def port_and_measure_recurrent(model: RandomRecurrent, directory, samples: int | None = None):
    """Built in live Keras, saved, read back through the port's reader and measured:
    (read recipe, measurements)."""
    from pathlib import Path

    from lightning_port.evidence.conformance.random_models import measure_saved
    from lightning_port.evidence.parity.keras_models import build_keras_model

    path = Path(directory) / f"random_recurrent_{model.seed}.keras"
    build_keras_model(recurrent_recipe(model), seed=model.seed).save(path)
    return measure_saved(path, model.seed, samples)


__all__ = ["RandomRecurrent", "port_and_measure_recurrent", "random_recurrent", "recurrent_recipe"]
