"""One module per tutorial, named after it; each defines ``RECIPE``. The registry finds them."""
