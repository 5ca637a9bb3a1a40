"""``python -m pledge``."""

from pledge.cli import main

main()
