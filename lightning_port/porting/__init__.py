"""Any Keras Sequential model, ported: read into a recipe, written back as a recipe module, its
weights into a Lightning checkpoint, and its parity measured against the live Keras model."""
