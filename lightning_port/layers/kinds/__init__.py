"""One module per layer kind (or family of kinds sharing their torch code); each is found by
``layers.registry``. A new kind is a new module here: spec, torch module, weights, config
reading and conformance cases together (``layers.base.LayerKind`` says what each is)."""
