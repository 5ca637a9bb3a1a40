"""The ``pledge`` command line."""

from pledge.cli.main import cli, main

__all__ = ["cli", "main"]
