"""``python -m joulebench``: the joulebench command."""

from .cli.main import entry

entry()
