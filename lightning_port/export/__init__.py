"""A recipe as plain Lightning code the user owns (``scripts/export.py``): ``model.py``,
``keras_rules.py``, ``module.py``, ``data.py`` and ``train.py``, importing torch, lightning,
torchmetrics and numpy only; ``proof.py`` shows the exported code is the port."""
