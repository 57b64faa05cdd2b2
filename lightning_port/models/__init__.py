"""The plain torch backbone (no Lightning import) built from a recipe's graph, and the
translation of Keras weights into it."""

from lightning_port.models.backbone import KerasModel, build_backbone

__all__ = ["KerasModel", "build_backbone"]
