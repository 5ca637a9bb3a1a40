"""Which file each ``--format`` is written to: every ``-o`` binds to the ``-f`` before it.

``check -f sarif -o a.sarif -f github`` writes SARIF to ``a.sarif`` and the
annotations to standard output, whatever order click hands the options over
in. ``-f FORMAT:PATH`` names both at once. A command line that could be read
two ways is refused (PLG-E019): an ``-o`` before any ``-f``, two ``-o`` for one
``-f``, two formats left for standard output, one file named twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from pledge.cli.common import F
from pledge.policy_model.errors import InputError, InputErrors
from pledge.reports.markdown import LINK_BASE

RAW_ARGS = "pledge.raw_args"
_FORMAT = ("-f", "--format")
_OUTPUT = ("-o", "--output")
_EXAMPLE = "e.g. -f github -f sarif -o pledge.sarif -f junit:pledge.xml"


class OrderedOptionsCommand(click.Command):
    """A command that keeps its raw arguments, so that ``-f``/``-o`` order can be read."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[RAW_ARGS] = list(args)
        return super().parse_args(ctx, args)


class FormatChoice(click.Choice):  # type: ignore[type-arg]
    """A format name, or ``FORMAT:PATH`` to name its output file too."""

    def get_metavar(self, param: click.Parameter, *args: Any, **kwargs: Any) -> str:
        # click 8.2 added ``ctx`` (positional in some releases, by keyword in others)
        return "[" + "|".join(map(str, self.choices)) + "][:PATH]"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        fmt, colon, path = str(value).partition(":")
        super().convert(fmt, param, ctx)
        if colon and not path:
            self.fail(f"'{value}' names no file after the colon", param, ctx)
        return str(value)


def _refuse(message: str) -> InputErrors:
    return InputErrors([InputError("PLG-E019", message, None, None, _EXAMPLE)])


def _events(raw: list[str]) -> list[tuple[str, str]]:
    """The ``-f`` and ``-o`` options of a raw command line, in order."""
    events: list[tuple[str, str]] = []
    index = 0
    while index < len(raw):
        token = raw[index]
        if token == "--":
            break
        for kind, names in (("f", _FORMAT), ("o", _OUTPUT)):
            if token in names and index + 1 < len(raw):
                events.append((kind, raw[index + 1]))
                index += 1
            elif token.startswith(names[1] + "="):
                events.append((kind, token.split("=", 1)[1]))
            elif token.startswith(names[0]) and len(token) > 2 and not token.startswith("--"):
                events.append((kind, token[2:]))
        index += 1
    return events


def pair_outputs(formats: tuple[str, ...], outputs: tuple[Path, ...],
                 default: str = "text") -> list[tuple[str, Path | None]]:
    """Each format with its output file (``None``: standard output), in command-line order."""
    ctx = click.get_current_context(silent=True)
    raw = ctx.meta.get(RAW_ARGS) if ctx is not None else None
    if raw is None:  # called without a command line: the options' own order
        events = [("f", f) for f in formats] + [("o", str(o)) for o in outputs]
    else:
        events = _events(raw)
        if (sorted(v for k, v in events if k == "f") != sorted(formats)
                or len([1 for k, _ in events if k == "o"]) != len(outputs)):
            raise _refuse("cannot tell which --output belongs to which --format; give each "
                          "-o right after its -f, as separate words")
    plan: list[list[Any]] = []
    for kind, value in events:
        if kind == "f":
            fmt, colon, path = value.partition(":")
            plan.append([fmt, Path(path) if colon else None])
        elif not plan and not formats:  # -o alone: the default format to that file
            plan.append([default, Path(value)])
        elif not plan:
            raise _refuse(f"-o {value} comes before any -f: put each -o right after the -f "
                          "it is for")
        elif plan[-1][1] is not None:
            raise _refuse(f"-o {value} follows -f {plan[-1][0]}, which already has an output")
        else:
            plan[-1][1] = Path(value)
    if not plan:
        plan.append([default, None])
    to_stdout = [fmt for fmt, path in plan if path is None or str(path) == "-"]
    if len(to_stdout) > 1:
        raise _refuse(f"{' and '.join(to_stdout)} would both go to standard output; give all "
                      "but one an -o")
    files = [str(path) for _, path in plan if path is not None and str(path) != "-"]
    repeated = sorted({f for f in files if files.count(f) > 1})
    if repeated:
        raise _refuse(f"{repeated[0]} is named as the output of two formats")
    return [(fmt, path) for fmt, path in plan]


def _set_link_base(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        token = LINK_BASE.set(value)
        ctx.call_on_close(lambda: LINK_BASE.reset(token))


def link_base_option(func: F) -> F:
    """--link-base URL: where the Markdown summary's file links point."""
    return click.option("--link-base", metavar="URL", expose_value=False,
                        callback=_set_link_base,
                        help="Start the Markdown summary's file links with this URL "
                             "(default in GitHub Actions: the blob URL of GITHUB_SHA).")(func)
