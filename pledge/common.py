"""What the subcommands share: default inputs, loading, the evaluation date, safe writing."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import click

from policy_model import BUNDLED_INVENTORY, BUNDLED_POLICY
from policy_model.errors import InputError, InputErrors
from policy_model.loading import LoadedInventory, LoadedPolicy, load_inventory, load_policy
from policy_model.yaml_source import DEFAULT_MAX_FILE_SIZE

EXIT_OK, EXIT_FAIL, EXIT_INPUT = 0, 1, 2


def policy_option(func):  # type: ignore[no-untyped-def]
    """--policy FILE, defaulting to the bundled MAROSOAP policy."""
    return click.option("--policy", "policy_path", type=click.Path(path_type=Path),
                        default=None, help="Policy YAML (default: the bundled MAROSOAP policy).")(
        func)


def limits_option(func):  # type: ignore[no-untyped-def]
    """--max-file-size BYTES."""
    return click.option("--max-file-size", type=click.IntRange(min=1),
                        default=DEFAULT_MAX_FILE_SIZE, show_default=True,
                        help="Refuse input files larger than this many bytes.")(func)


def as_of_option(func):  # type: ignore[no-untyped-def]
    """--as-of DATE, the date commitments are judged on."""
    return click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
                        help="Judge expiry and age on this date (default: today, UTC).")(func)


def resolve_as_of(text: str | None) -> date:
    """The evaluation date: the option's, or today's in UTC."""
    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputErrors([InputError("PLG-E019", f"--as-of '{text}' is not a date",
                                      None, None, "use YYYY-MM-DD")]) from None


def _shown(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def get_policy(path: Path | None, max_size: int = DEFAULT_MAX_FILE_SIZE) -> LoadedPolicy:
    """Load the given or the bundled policy."""
    return load_policy(path or BUNDLED_POLICY, max_size=max_size)


def get_inventory(path: Path | None, max_size: int = DEFAULT_MAX_FILE_SIZE) -> LoadedInventory:
    """Load the given or the bundled inventory."""
    if path is None:
        return load_inventory(BUNDLED_INVENTORY, display=_shown(BUNDLED_INVENTORY),
                              max_size=max_size)
    return load_inventory(path, display=str(path), max_size=max_size)


def write_output(text: str, output: Path | None) -> None:
    """Print ``text``, or write it to ``output`` atomically (never half-written)."""
    if output is None or str(output) == "-":
        click.echo(text, nl=False)
        return
    target = output.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        Path(tmp).chmod(0o666 & ~umask)  # a report is for sharing, not private like mkstemp's
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
