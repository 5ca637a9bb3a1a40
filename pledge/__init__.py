"""pledge: a privacy policy's promises, checked against a data inventory's flow graph."""

from pledge.base.version import __version__

__all__ = ["__version__"]
