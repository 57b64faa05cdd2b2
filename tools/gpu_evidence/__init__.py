"""Moving the GPU evidence to a remote GPU machine and back: the data sets and Keras's wheels
in checksummed chunks, the results in parts (``transfer.py``), the carried wheels installed
there (``carried_keras.py``), and the command that wraps the package's stages with them
(``command.py``, run by ``scripts/gpu_evidence.py`` and ``make gpu-evidence``)."""
