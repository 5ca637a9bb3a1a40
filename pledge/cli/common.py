"""What the subcommands share: options, default inputs, the evaluation date, safe writing."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import click

from pledge.checks.gating.selection import SEVERITIES
from pledge.policy_model import BUNDLED_INVENTORY, BUNDLED_POLICY
from pledge.policy_model.errors import InputError, InputErrors
from pledge.policy_model.loading import LoadedInventory, LoadedPolicy, load_inventory, load_policy
from pledge.policy_model.yaml_source import DEFAULT_MAX_FILE_SIZE

EXIT_OK, EXIT_FAIL, EXIT_INPUT = 0, 1, 2

F = TypeVar("F", bound=Callable[..., Any])
"""A click command function, as the option decorators pass it through."""


def policy_option(func: F) -> F:
    """--policy FILE, defaulting to the bundled MAROSOAP policy."""
    return click.option("--policy", "policy_path", type=click.Path(path_type=Path),
                        default=None, help="Policy YAML (default: the bundled MAROSOAP policy).")(
        func)


class ByteSize(click.ParamType):  # type: ignore[type-arg]  # generic only in click's stubs
    """A number of bytes, plain (``200000000``) or with a unit (``200MB``, ``1.5GiB``)."""

    name = "size"
    UNITS: ClassVar[dict[str, int]] = {
        "": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9,
        "gb": 10**9, "kib": 2**10, "mib": 2**20, "gib": 2**30}
    _SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*")

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            size = value
        else:
            found = self._SIZE.fullmatch(str(value))
            unit = found.group(2).lower() if found else None
            if found is None or unit not in self.UNITS:
                self.fail(f"'{value}' is not a size like 200000000, 200MB or 1.5GiB", param, ctx)
            size = int(Decimal(found.group(1)) * self.UNITS[unit])
        if size < 1:
            self.fail(f"'{value}' is not a size of at least one byte", param, ctx)
        return size


def limits_option(func: F) -> F:
    """--max-file-size SIZE."""
    return click.option("--max-file-size", type=ByteSize(),
                        default=DEFAULT_MAX_FILE_SIZE, show_default=True,
                        help="Refuse input files larger than this: bytes, or a size such as "
                             "200MB or 1.5GiB.")(func)


def as_of_option(func: F) -> F:
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


def pair_outputs(formats: tuple[str, ...], outputs: tuple[Path, ...]) -> list[
        tuple[str, Path | None]]:
    """Pair each --format with its --output, in order; one format may go to stdout."""
    formats = formats or ("text",)
    if len(outputs) > len(formats):
        raise InputErrors([InputError("PLG-E019", "more --output than --format options",
                                      None, None, "give one --format per --output")])
    if len(formats) > 1 and len(outputs) < len(formats) - 1:
        raise InputErrors([InputError("PLG-E019", "several formats need an --output each "
                                      "(one may go to standard output)", None, None,
                                      "e.g. -f text -f sarif -o pledge.sarif")])
    paired: list[tuple[str, Path | None]] = []
    extra = len(formats) - len(outputs)
    for index, fmt in enumerate(formats):
        paired.append((fmt, None if index < extra else outputs[index - extra]))
    return paired


def selectors_option(name: str, text: str) -> Callable[[F], F]:
    """A repeatable, comma-separated selector option (--select / --ignore)."""
    return click.option(name, multiple=True, metavar="ID|CODE",
                        help=f"{text} commitments by id or prefix (PAY, PAY-001) or kind code "
                             "or prefix (PLG1, PLG101); comma-separated or repeated.")


def fail_on_option(func: F) -> F:
    """--fail-on SEVERITY."""
    return click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
                        help="Only failures of this severity or higher fail the run "
                             "(others are still reported). Errors always fail.")(func)


def waivers_option(func: F) -> F:
    """--waivers FILE."""
    return click.option("--waivers", "waivers", type=click.Path(path_type=Path), default=None,
                        help="Waiver YAML (default: waivers.yaml in the inventory "
                             "directory, if any).")(func)
