"""What the policy model needs to know of commitment kinds: their parameter models.

The kinds themselves live in :mod:`pledge.checks.kinds`; each registers its
``Params`` model here as it is imported. The policy model reads the table to
build the union of kinds it validates commitments against, without importing
the checks layer: the modules that register kinds are named by the
``pledge.kinds`` entry points (pledge's own ``pledge.checks.kinds`` among
them), so a plug-in package adds kinds with one line of its own metadata.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import entry_points
from typing import Literal, get_args

from pledge.base.strict_model import StrictModel

ENTRY_POINT_GROUP = "pledge.kinds"
BUILTIN_KINDS = "pledge.checks.kinds"


class KindParams(StrictModel):
    """Base of every kind's parameters; subclasses narrow ``kind`` to a Literal."""

    kind: str


_PARAMS: dict[str, type[KindParams]] = {}
_loaded = False


def register_params(name: str, params: type[KindParams]) -> None:
    """Record ``params`` as the parameter model of kind ``name`` (once per name)."""
    if name in _PARAMS and _PARAMS[name] is not params:
        raise ValueError(f"kind {name!r} registered twice")
    literal = params.model_fields["kind"].annotation
    if get_args(literal) != (name,) or getattr(literal, "__origin__", None) is not Literal:
        raise ValueError(f"{params.__name__}.kind must be Literal[{name!r}]")
    _PARAMS[name] = params


def load_kind_modules() -> None:
    """Import every module that registers kinds: the entry points, and pledge's own."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    names = {ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    for name in sorted(names | {BUILTIN_KINDS}):
        import_module(name)


def params_models() -> dict[str, type[KindParams]]:
    """Every known kind's parameter model, by kind name, sorted."""
    load_kind_modules()
    return dict(sorted(_PARAMS.items()))
