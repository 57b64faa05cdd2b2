"""Each tutorial's export trained from its own train.py, outside the checkout (measure.py), and
docs/exports.md rendered from those records (render.py)."""
