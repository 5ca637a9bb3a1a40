"""pledge's version, readable by every layer without importing the command line."""

__version__ = "0.1.0"
