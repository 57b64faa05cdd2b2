"""A run, resolved once by its entry point: the recipe object and every setting filled in."""
