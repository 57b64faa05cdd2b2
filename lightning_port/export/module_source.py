"""``module.py``: the ``LightningModule`` that trains the exported model as the Keras listing
compiles it. Canonical Lightning: ``training_step`` returns the loss, the epoch metrics are
torchmetrics logged under Keras's names (``loss``, ``accuracy``, ``val_loss``, ...), and
``configure_optimizers`` returns the Keras-rule optimizer of ``keras_rules.py``."""

from __future__ import annotations

from dataclasses import dataclass

from lightning_port.export.losses import LossCode, MetricsCode
from lightning_port.export.naming import import_block
from lightning_port.spec import Recipe


@dataclass(frozen=True)
class ModuleSource:
    text: str
    class_name: str


def _metric_lines(metrics: MetricsCode, stages: tuple[str, ...]) -> list[str]:
    if not metrics.constructors:
        return []
    entries = ", ".join(f'"{name}": {constructor}' for name, constructor in metrics.constructors.items())
    prefixes = {"train": "", "val": 'prefix="val_"', "test": 'prefix="test_"'}
    return [
        f"        # {metrics.comment}",
        f"        metrics = MetricCollection({{{entries}}})",
        *(f"        self.{stage}_metrics = metrics.clone({prefixes[stage]})" for stage in stages),
    ]


def module_source(recipe: Recipe, model_class: str, loss: LossCode, metrics: MetricsCode, optimizer: tuple[str, str], loss_rules: list[str]) -> ModuleSource:
    """``optimizer``: (the keras_rules class, its arguments after the parameters)."""
    name = f"Lit{model_class}"
    has_metrics = bool(metrics.constructors)
    outputs = loss.outputs
    imports = {"import lightning as L", "from torchmetrics import MeanMetric", f"from model import {model_class}", f"from keras_rules import {optimizer[0]}", *loss.imports}
    if loss_rules:
        imports.add(f"from keras_rules import {', '.join(sorted(loss_rules))}")
    if has_metrics:
        imports.add("from torchmetrics import MetricCollection")
        imports.update(metrics.imports)
    if "torch." in loss.probabilities:
        imports.add("import torch")
    optimizer_name = type(recipe.optimizer).__name__
    summary = f"{recipe.output_losses[0].keras_name.replace('_', ' ')}, Keras's {optimizer_name}" + (f", {', '.join(metrics.constructors)}" if has_metrics else "")
    def metric_log(stage: str, indent: str) -> list[str]:
        options = {"train": ", on_step=False, on_epoch=True, prog_bar=True", "val": ", prog_bar=True", "test": ""}[stage]
        return [f"{indent}self.log_dict(self.{stage}_metrics{options})"] if has_metrics else []

    metric_update = [f"        metrics.update({metrics.predictions}, {metrics.targets})"] if has_metrics else []
    metrics_argument = ", metrics" if has_metrics else ""
    def step_argument(stage: str) -> str:
        return f"self.{stage}_loss" + (f", self.{stage}_metrics" if has_metrics else "")

    predictions = loss.probabilities if loss.probabilities != outputs else outputs
    predict_comment = "  # Keras's predict(): the final activation's output" if predictions != outputs else ""
    validated = recipe.validation is not None
    stages = ("train", "val", "test") if validated else ("train", "test")
    validation = [
        "    def validation_step(self, batch, batch_idx):",
        f"        self._shared_step(batch, {step_argument('val')})",
        '        self.log("val_loss", self.val_loss, prog_bar=True)',
        *metric_log("val", "        "),
        "",
    ] if validated else []
    lines = [
        f'"""{recipe.name} as a LightningModule: the model of model.py trained as the Keras listing compiles it',
        f'({summary})."""',
        "",
        import_block(imports),
        "",
        "",
        f"class {name}(L.LightningModule):",
        f'    """{model_class} trained as the listing\'s compile() says; lr: the learning rate (the listing\'s by default)."""',
        "",
        f"    def __init__(self, lr={recipe.optimizer.learning_rate!r}):",
        "        super().__init__()",
        "        self.save_hyperparameters()",
        f"        self.model = {model_class}()",
        "        # Keras reports an epoch's loss as the mean of its batch losses, each weighted by the batch's size.",
        f"        {', '.join(f'self.{stage}_loss' for stage in stages)} = {', '.join('MeanMetric()' for _ in stages)}",
        *_metric_lines(metrics, stages),
        "",
        "    def forward(self, x):",
        "        return self.model(x)",
        "",
        "    def training_step(self, batch, batch_idx):",
        f"        loss = self._shared_step(batch, {step_argument('train')})",
        '        self.log("loss", self.train_loss, on_step=False, on_epoch=True, prog_bar=True)',
        *metric_log("train", "        "),
        "        return loss",
        "",
        *validation,
        "    def test_step(self, batch, batch_idx):",
        f"        self._shared_step(batch, {step_argument('test')})",
        '        self.log("test_loss", self.test_loss)',
        *metric_log("test", "        "),
        "",
        "    def predict_step(self, batch, batch_idx):",
        "        inputs, _ = batch",
        *([f"        {outputs} = self(inputs)", f"        return {predictions}{predict_comment}"] if predictions != outputs else ["        return self(inputs)  # Keras's predict(): the model's outputs"]),
        "",
        f"    def _shared_step(self, batch, loss_metric{metrics_argument}):",
        "        inputs, targets = batch",
        f"        {outputs} = self(inputs)",
        *(f"        # {line}" for line in loss.comment),
        f"        loss = {loss.expression}",
        "        loss_metric.update(loss, weight=len(targets))",
        *metric_update,
        "        return loss",
        "",
        "    def configure_optimizers(self):",
        f"        return {optimizer[0]}(self.parameters(), lr=self.hparams.lr{optimizer[1]})",
    ]
    return ModuleSource("\n".join(lines) + "\n", name)
