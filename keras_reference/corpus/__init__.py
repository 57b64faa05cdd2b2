"""Published Keras tutorials rebuilt at small size: one module per model, each defining
``SOURCE`` (title, author, url, kind) and ``build_model()`` (the compiled model, or the
uncompiled one where the tutorial never compiles it).

Each module reads like the tutorial's own model code: the same layers with the same options
and the same compile() call; only sizes shrink (inputs, widths, depths), so that porting and
measuring a model takes seconds. Each module's docstring names the tutorial and lists every
deviation. The modules import only Keras and NumPy; ``lightning_port.evidence.corpus``
finds them, ports each one and measures it (docs/corpus.md).
"""
