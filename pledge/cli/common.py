"""What the subcommands share: options, default inputs, the evaluation date, safe writing."""

from __future__ import annotations

import functools
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, TypeVar, cast

import click

from pledge.base.timings import recording, summary
from pledge.checks.gating.selection import SEVERITIES
from pledge.cli.forked import Forked, fork_wanted
from pledge.policy_model import BUNDLED_INVENTORY, BUNDLED_POLICY
from pledge.policy_model.errors import InputError, InputErrors
from pledge.policy_model.load_share import LoadShare
from pledge.policy_model.loading import (
    LoadedInventory,
    LoadedPolicy,
    display_path,
    load_inventory,
    load_policy,
)
from pledge.policy_model.yaml_source import DEFAULT_MAX_FILE_SIZE
from pledge.reports.safe import plain

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


def cache_option(func: F) -> F:
    """--cache DIR: keep validated inventory files, re-read only the changed ones."""
    return click.option("--cache", "cache", type=click.Path(file_okay=False, path_type=Path),
                        default=None, envvar="PLEDGE_CACHE", metavar="DIR",
                        help="Keep each inventory file that loads clean in DIR (e.g. "
                             ".pledge-cache), keyed by its sha256 and pledge's version; "
                             "later runs re-read only the files that changed. Also "
                             "$PLEDGE_CACHE.")(func)


def timings_option(func: F) -> F:
    """--timings: say on standard error where the command's time went (see
    :mod:`pledge.base.timings`); the outputs stay the same bytes."""
    @functools.wraps(func)
    def timed(*args: Any, timings: bool, **kwargs: Any) -> Any:
        with recording(timings) as recorded:
            try:
                return func(*args, **kwargs)
            finally:
                if recorded is not None:
                    for line in summary(recorded, clean=plain):
                        click.echo(f"pledge: timings: {line}", err=True)

    return click.option("--timings", is_flag=True, envvar="PLEDGE_TIMINGS",
                        help="Say on standard error where the time went: each phase's wall "
                             "and CPU seconds (the slowest commitments by name). Also "
                             "$PLEDGE_TIMINGS=1.")(cast(F, timed))


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


def get_policy(path: Path | None, max_size: int = DEFAULT_MAX_FILE_SIZE) -> LoadedPolicy:
    """Load the given policy (shown as given, as inventories are) or the bundled one."""
    if path is None:
        return load_policy(BUNDLED_POLICY, max_size=max_size)
    return load_policy(path, max_size=max_size, display=str(path))


def get_inventory(path: Path | None, max_size: int = DEFAULT_MAX_FILE_SIZE,
                  cache: Path | None = None, share: LoadShare | None = None, *,
                  confirm_later: bool = False) -> LoadedInventory:
    """Load the given or the bundled inventory (through the fragment cache, if given;
    sharing what an earlier load with ``share`` validated; its last checks left to the
    caller with ``confirm_later``: see :mod:`pledge.cli.confirming`). With a core idle,
    the last YAML files are read on it meanwhile (:mod:`pledge.policy_model.read_ahead`)."""
    beside = Forked if fork_wanted() else None
    if path is None:
        return load_inventory(BUNDLED_INVENTORY, display=display_path(BUNDLED_INVENTORY),
                              max_size=max_size, cache=cache, share=share,
                              confirm_later=confirm_later, beside=beside)
    return load_inventory(path, display=str(path), max_size=max_size, cache=cache,
                          share=share, confirm_later=confirm_later, beside=beside)


def write_output(text: str | bytes, output: Path | None) -> None:
    """Print ``text``, or write it to ``output`` atomically (never half-written).

    ``text`` may come encoded already (UTF-8 bytes): a large report is encoded
    once, for its hash and for the file.
    """
    if output is None or str(output) == "-":
        if isinstance(text, bytes) and not hasattr(sys.stdout, "buffer"):
            text = text.decode("utf-8")  # a text stream with no bytes under it (a caller's)
        click.echo(text, nl=False)
        return
    if _is_stream(output):  # /dev/null, /dev/stdout, a named pipe: written to, never replaced
        with output.open("wb") as stream:
            stream.write(text if isinstance(text, bytes) else text.encode("utf-8"))
        return
    target = output.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        if isinstance(text, bytes):
            with os.fdopen(fd, "wb") as binary:
                binary.write(text)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        Path(tmp).chmod(0o666 & ~umask)  # a report is for sharing, not private like mkstemp's
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _is_stream(path: Path) -> bool:
    """Whether ``path`` is a device, a pipe or a socket: a file renamed into its place would
    replace it (``-o /dev/null`` run as root would leave a regular file there)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISBLK(mode)


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
    """--waivers FILE and --no-implicit-waivers."""
    func = no_implicit_waivers_option(func)
    return click.option("--waivers", "waivers", type=click.Path(path_type=Path), default=None,
                        help="Waiver YAML (default: waivers.yaml in the inventory "
                             "directory, if any, reported as IMPLICIT WAIVERS).")(func)


def _no_implicit(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.find_root().meta["pledge.no_implicit_waivers"] = True


LABEL_RULES_HELP = ("A YAML file of extra label rules, merged with the bundled set (a rule with "
                    "a bundled id replaces it); repeatable. The label lint and discovery both "
                    "read them.")


def label_rules_option(func: F) -> F:
    """--label-rules FILE (repeatable): the user's label rules beside the bundled ones."""
    return click.option("--label-rules", "label_rules", multiple=True,
                        type=click.Path(path_type=Path), help=LABEL_RULES_HELP)(func)


def strict_inventory_option(func: F) -> F:
    """--strict-inventory: the inventory's warning notices fail the run too."""
    return click.option(
        "--strict-inventory", is_flag=True,
        help="Inventory warnings (a system, third party or store in no flow) fail the run "
             "too; an inventory that sends what it does not hold always fails.")(func)


def no_implicit_waivers_option(func: F) -> F:
    """--no-implicit-waivers (env PLEDGE_NO_IMPLICIT_WAIVERS=1): ignore the inventory's own."""
    return click.option("--no-implicit-waivers", is_flag=True, expose_value=False,
                        envvar="PLEDGE_NO_IMPLICIT_WAIVERS", callback=_no_implicit,
                        help="Do not apply a waivers.yaml found inside the inventory "
                             "directory (CI: a pull request could add one).")(func)
