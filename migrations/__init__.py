"""Numbered SQL migrations, shipped inside the package and read with importlib.resources."""
