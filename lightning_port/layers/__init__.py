"""Keras layer kinds: the unit of extension (``layers.base``), their registry, and the graph of
layer calls a model is (``layers.graph``)."""
