"""The corpus of published Keras tutorials (keras_reference/corpus/), each ported by
scripts/port.py's own function and measured: ``measure.py`` measures, ``render.py`` turns
the measurements into docs/corpus.md."""
