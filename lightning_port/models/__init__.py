"""Plain torch backbones (no Lightning import) built from a recipe's layer list."""

from lightning_port.models.sequential import KerasSequential, build_backbone

__all__ = ["KerasSequential", "build_backbone"]
