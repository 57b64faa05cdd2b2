"""One module per tutorial; each defines RECIPE. The registry collects them."""
