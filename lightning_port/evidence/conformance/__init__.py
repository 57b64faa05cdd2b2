"""Conformance of the port's Keras-rule building blocks against live Keras, one component at a time."""
