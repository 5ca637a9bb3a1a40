"""What the inventory's models cost, in time and memory, in other layouts than pydantic's.

Every path still over its target at 100,000 and 1,000,000 systems is bound by
the number and size of the Python objects the inventory becomes: each of the
million models of 100,000 systems is a pydantic model (an object, a dictionary
of its fields, a set of its given keys) made by pydantic-core, and on this
machine every gigabyte touched for the first time costs seconds of kernel time
(``benchmarks/page_costs.py``). This script measures, on the stores of a
generated JSON inventory (stores and their fields: 630,000 models at 100,000
systems), what the same data costs in each layout a change of representation
could choose:

- **pydantic**: pledge's own :class:`~pledge.policy_model.inventory.Store` models,
  as the loader validates them;
- **pydantic, fields as dictionaries**: the same stores, each field a plain
  dictionary (a ``TypedDict`` with the same annotations and constraints);
- **msgspec**: ``msgspec.Struct`` classes made from pledge's models (the same
  fields, defaults, ``Literal`` choices, lengths and string patterns; no unknown key), a
  struct holding its values in slots, without a dictionary or a key set;
- **msgspec, patterns left out**: the same, the string patterns (ids, vocabulary
  ids, retentions) left to a check of each column's distinct values afterwards.

Each layout runs in a process of its own (memory as fresh as the load's), with the
garbage collector paused as the loader pauses it, and prints the seconds to
decode, the models made and the growth of the resident set (what the step touched
and kept mapped: its objects, and what it freed that the allocator keeps). The
rows must read the same data (a digest of every store's facts), else the script
exits 1. ``--checks`` loads the whole inventory in pydantic's layout (pledge's own
load) and in msgspec's, then builds the graph and runs the bundled policy's checks
on each, unchanged: both must find the same findings. The msgspec rows need
``pip install msgspec`` (the ``bench`` and ``test`` extras; pledge itself does not
depend on it).

Usage::

    python benchmarks/generate.py --systems 100000 --format json --out /tmp/b/inv.json
    python benchmarks/model_layouts.py /tmp/b/inv.json [--repeat 3] [--checks]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import resource
import statistics
import subprocess
import sys
import time
import types
import typing
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pydantic import BaseModel, StringConstraints, TypeAdapter, create_model  # noqa: E402
from pydantic.fields import FieldInfo  # noqa: E402

from benchmarks.generate import DEFAULT_AS_OF  # noqa: E402
from pledge.policy_model.inventory import DataField, Store  # noqa: E402

MAX_SIZE = 10_000_000_000
"""The largest input read (``--max-file-size``): a million systems' file is 1.5 GB."""

LAYOUTS = ("pydantic", "pydantic, fields as dictionaries", "msgspec",
           "msgspec, patterns left out")


def stores_text(path: Path) -> str:
    """The ``stores`` section of a generated JSON inventory, as a JSON array."""
    text = path.read_text(encoding="utf-8")
    start = text.index('"stores":[')
    first = text.index("\n", start) + 1
    end = text.index("\n]", first)
    return "[" + text[first:end] + "]"


# --- pydantic, fields as dictionaries -------------------------------------------------------
def _fields_as_dicts() -> Any:
    """``list[Store]`` with each field a ``TypedDict`` of :class:`DataField`'s annotations."""
    from typing_extensions import TypedDict  # pydantic reads it on Python < 3.12

    field_dict = TypedDict(  # type: ignore[misc]
        "DataFieldDict", {name: info.annotation for name, info in DataField.model_fields.items()},
        total=False)
    fields: dict[str, Any] = {name: (info.annotation, info) for name, info in
                              Store.model_fields.items() if name != "fields"}
    fields["fields"] = (list[field_dict], FieldInfo(default_factory=list))
    stores = create_model("StoreWithFieldDicts", __base__=Store.__base__, **fields)
    return list[stores]


# --- msgspec --------------------------------------------------------------------------------
def _msgspec_type(annotation: Any, patterns: bool, made: dict[type, Any]) -> Any:
    """The msgspec type of a pydantic annotation (constraints kept, patterns if asked)."""
    import msgspec

    origin = typing.get_origin(annotation)
    if origin is Annotated:
        inner, *extras = typing.get_args(annotation)
        bare = _msgspec_type(inner, patterns, made)
        for extra in extras:
            if isinstance(extra, StringConstraints):
                meta: dict[str, Any] = {}
                if extra.pattern is not None and patterns:
                    meta["pattern"] = extra.pattern
                if extra.max_length is not None:
                    meta["max_length"] = extra.max_length
                if meta:
                    bare = Annotated[bare, msgspec.Meta(**meta)]
        return bare
    if origin in (typing.Union, types.UnionType):
        args = tuple(_msgspec_type(a, patterns, made) for a in typing.get_args(annotation))
        return typing.Union[args]  # noqa: UP007
    if origin is list:
        return list[_msgspec_type(typing.get_args(annotation)[0], patterns, made)]  # type: ignore[misc]
    if origin is Literal:
        return annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _struct(annotation, patterns, made)
    return annotation


def _with_meta(kind: Any, meta: Any) -> Any:
    """``kind`` with ``meta`` on its string or list (inside an optional one too)."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        return typing.Union[tuple(_with_meta(a, meta) for a in typing.get_args(kind))]  # noqa: UP007
    if kind is str or typing.get_origin(kind) is list:
        return Annotated[kind, meta]
    return kind


def _struct(model: type[BaseModel], patterns: bool, made: dict[type, Any]) -> Any:
    """A ``msgspec.Struct`` with ``model``'s fields, defaults and constraints."""
    import msgspec

    found = made.get(model)
    if found is not None:
        return found
    fields: list[tuple[Any, ...]] = []
    for name, info in model.model_fields.items():
        kind = _msgspec_type(info.annotation, patterns, made)
        for constraint in info.metadata:  # Field(pattern=..., min_length=...)
            bounds = {key: getattr(constraint, key) for key in ("min_length", "max_length")
                      if getattr(constraint, key, None) is not None}
            if patterns and getattr(constraint, "pattern", None):
                bounds["pattern"] = constraint.pattern
            if bounds:
                kind = _with_meta(kind, msgspec.Meta(**bounds))
        if info.default_factory is not None:
            factory = typing.cast(Callable[[], Any], info.default_factory)
            fields.append((name, kind, msgspec.field(default_factory=factory)))
        elif info.is_required():
            fields.append((name, kind))
        else:
            fields.append((name, kind, info.default))
    found = made[model] = msgspec.defstruct(model.__name__, fields, kw_only=True,
                                            forbid_unknown_fields=True, gc=False)
    return found


# --- one layout, in a process of its own ----------------------------------------------------
def _resident_mb() -> float:
    """The process's resident memory now (Linux), else its peak so far."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return pages * resource.getpagesize() / (1 << 20)


def measure(path: Path, layout: str) -> dict[str, Any]:
    """Decode the stores of ``path`` in ``layout``: seconds, models made, resident growth."""
    body = stores_text(path)
    if layout.startswith("msgspec"):
        import msgspec

        decoder = msgspec.json.Decoder(list[_struct(Store, layout == "msgspec", {})])  # type: ignore[misc]
        decode: Callable[[str], Any] = decoder.decode
    else:
        adapter = TypeAdapter(list[Store] if layout == "pydantic" else _fields_as_dicts())
        decode = adapter.validate_json
    gc.collect()
    gc.disable()
    before = _resident_mb()
    started = time.perf_counter()
    stores = decode(body)
    seconds = time.perf_counter() - started
    grown = _resident_mb() - before
    fields = sum(len(store.fields) for store in stores)
    return {"layout": layout, "seconds": seconds, "stores": len(stores), "fields": fields,
            "resident_mb": grown, "digest": digest(stores)}


def measure_checks(path: Path, layout: str) -> dict[str, Any]:
    """Load the whole inventory of ``path`` in ``layout``, then build the graph and run the
    bundled policy's checks on those objects, as ``pledge check`` would (notices left out,
    findings not located): seconds of each step, resident growth, the findings' digest.

    pydantic's load is pledge's own (every guard: duplicate keys, vocabulary, references);
    msgspec's decodes the text into structs and checks nothing more, so its load time is
    what that layout costs at the least. The graph and the checks are pledge's own, unchanged:
    they read the models' attributes, which the structs hold under the same names.
    """
    from pledge.checks.engine import evaluate
    from pledge.checks.graph.flow_graph import FlowGraph
    from pledge.cli.common import get_policy
    from pledge.policy_model.inventory import Inventory, InventoryFragment
    from pledge.policy_model.loading import LoadedInventory, load_inventory
    from pledge.policy_model.sources import SourceIndex
    from pledge.policy_model.vocabulary import default_vocabularies

    policy = get_policy(None, MAX_SIZE)
    gc.collect()
    gc.disable()
    before = _resident_mb()
    started = time.perf_counter()
    if layout == "pydantic":
        loaded = load_inventory(path, max_size=MAX_SIZE)
    else:
        import msgspec

        fragment = msgspec.json.decode(path.read_bytes(),
                                       type=_struct(InventoryFragment, True, {}))
        inventory = Inventory.model_construct(**{
            name: getattr(fragment, name) for name in InventoryFragment.model_fields})
        loaded = LoadedInventory(inventory, SourceIndex(), checked=inventory)
    loaded_at = time.perf_counter()
    graph = FlowGraph(loaded.inventory, default_vocabularies())
    graphed_at = time.perf_counter()
    result = evaluate(policy.policy, loaded, as_of=DEFAULT_AS_OF, graph=graph,
                      policy_locations=policy.locations, notices=False, defer_locations=True)
    checked_at = time.perf_counter()
    found = sorted((f.commitment, f.subject.type, f.subject.id, f.status.value)
                   for f in result.findings)
    return {"layout": layout, "load": loaded_at - started, "graph": graphed_at - loaded_at,
            "checks": checked_at - graphed_at, "resident_mb": _resident_mb() - before,
            "findings": len(found),
            "digest": hashlib.sha256(json.dumps(found).encode("utf-8")).hexdigest()}


def _get(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name)


def digest(stores: list[Any]) -> str:
    """The sha256 of what every layout must read the same: each store's facts and fields."""
    facts = [(s.id, s.system, s.retention, s.exposure, s.encryption_at_rest, list(s.purposes),
              [(_get(f, "name"), _get(f, "category"), _get(f, "retention"),
                list(_get(f, "purposes") or []), bool(_get(f, "pseudonymised")))
               for f in s.fields]) for s in stores]
    return hashlib.sha256(json.dumps(facts).encode("utf-8")).hexdigest()


def _in_child(path: Path, layout: str, checks: bool = False) -> dict[str, Any] | None:
    done = subprocess.run([sys.executable, __file__, str(path), "--layout", layout,
                           *(["--checks"] if checks else [])],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        missing = "No module named 'msgspec'" in done.stderr
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        print(f"{layout}: {'msgspec is not installed' if missing else last}", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inventory", type=Path,
                        help="a JSON inventory benchmarks/generate.py wrote")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each layout (median)")
    parser.add_argument("--checks", action="store_true",
                        help="load the whole inventory in pydantic's and msgspec's layouts, "
                             "then build the graph and run the checks on it")
    parser.add_argument("--layout", choices=LAYOUTS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.layout:
        measured = (measure_checks if args.checks else measure)(args.inventory, args.layout)
        print(json.dumps(measured))
        return 0
    if args.checks:
        return _checks_table(args.inventory, args.repeat)
    print("| layout | decode s (median) | every run s | resident growth MB | models |")
    print("|---|---|---|---|---|")
    digests: set[str] = set()
    for layout, runs in _each_layout(args.inventory, LAYOUTS, args.repeat, False, digests):
        seconds = [r["seconds"] for r in runs]
        grown = statistics.median(r["resident_mb"] for r in runs)
        models = runs[0]["stores"] + runs[0]["fields"]
        print(f"| {layout} | {statistics.median(seconds):.2f} | "
              f"{', '.join(f'{s:.2f}' for s in seconds)} | {grown:,.0f} | {models:,} |",
              flush=True)
    return _agreed(digests, "the layouts read different data: the comparison does not hold")


def _checks_table(path: Path, repeat: int) -> int:
    print("| layout | load s | graph s | checks s | resident growth MB | findings |")
    print("|---|---|---|---|---|---|")
    digests: set[str] = set()
    for layout, runs in _each_layout(path, ("pydantic", "msgspec"), repeat, True, digests):
        median = {key: statistics.median(r[key] for r in runs)
                  for key in ("load", "graph", "checks", "resident_mb")}
        print(f"| {layout} | {median['load']:.2f} | {median['graph']:.2f} | "
              f"{median['checks']:.2f} | {median['resident_mb']:,.0f} | {runs[0]['findings']:,} |",
              flush=True)
    return _agreed(digests, "the layouts' checks found different findings")


def _each_layout(path: Path, layouts: Sequence[str], repeat: int, checks: bool,
                 digests: set[str]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Each layout that ran, with its runs (each in a process of its own); every run's
    digest noted in ``digests``."""
    for layout in layouts:
        runs = [r for r in (_in_child(path, layout, checks) for _ in range(repeat)) if r]
        if runs:
            digests.update(r["digest"] for r in runs)
            yield layout, runs


def _agreed(digests: set[str], otherwise: str) -> int:
    """0 when every layout gave the same digest, else 1 (and ``otherwise`` said)."""
    if len(digests) > 1:
        print(otherwise, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
