"""``python -m dyngen``: the same as the ``dyngen`` console script."""

from dyngen.cli import entry_point

entry_point()
