"""pledge: a privacy policy's promises, checked against a data inventory's flow graph."""

__version__ = "0.1.0"
