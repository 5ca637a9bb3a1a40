"""How long the ``pledge graph`` queries take on a large inventory, once the graph is built.

By default the inventory is synthetic and built here, directly through the
pydantic models (``model_construct``, no validation), from a seed, so the script
is self-contained and every run measures the same graph: ``--systems`` systems
(a fifth of them third parties), a store per five systems, a few data subjects
and consent gates, and about three flows per system, mostly forward (so paths
run deep) with some backward flows (so there are cycles) and some parallel
flows. ``--inventory PATH`` measures a real inventory file or directory instead
(for example one written by ``benchmarks/generate.py``).

The graph is built once, and each node's sorted flow list (which the graph
computes on first use and keeps) is warmed, both timed apart. Each query then
runs ``--repeat`` times; the table shows the median and slowest wall time and
the median CPU time of this process, in milliseconds (CPU time is what to
compare on a shared machine). This is a measurement, not a test: it asserts
nothing.

Usage::

    .venv/bin/python benchmarks/graph_queries.py                  # 100,000 systems
    .venv/bin/python benchmarks/graph_queries.py --systems 10000 --repeat 5
    .venv/bin/python benchmarks/graph_queries.py --inventory benchmarks/out/inventory-100000.json
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pledge.base.memory import paused_gc  # noqa: E402
from pledge.checks.graph import queries  # noqa: E402
from pledge.checks.graph.flow_graph import FlowGraph  # noqa: E402
from pledge.policy_model.inventory import (  # noqa: E402
    ConsentGate,
    DataField,
    DataSubject,
    Flow,
    Inventory,
    InventoryMeta,
    Store,
    System,
    Transport,
)
from pledge.policy_model.loading import load_inventory  # noqa: E402
from pledge.policy_model.vocabulary import Vocabularies, default_vocabularies  # noqa: E402

DEFAULT_SEED = 20261129
CATEGORY = "user.contact.email"
GATES = ("cookie_consent", "marketing_preferences", "account_privacy_settings")


def _leaves(vocab: Vocabularies, kind: str, under: str) -> list[str]:
    terms = vocab.get(kind).terms
    return [t for t in sorted(terms) if t.startswith(under)
            and not any(o.startswith(t + ".") for o in terms)]


def synthetic_inventory(systems: int, seed: int = DEFAULT_SEED) -> Inventory:
    """A deterministic inventory of ``systems`` systems, built without validation."""
    rng = random.Random(seed)
    vocab = default_vocabularies()
    categories = _leaves(vocab, "data_categories", "user.")
    if CATEGORY not in categories:
        categories.append(CATEGORY)
    purposes = _leaves(vocab, "purposes", "")[:40]
    transport = Transport.model_construct(protocol="https", tls="1.3", mutual_tls=False)
    subjects = [DataSubject.model_construct(id=f"subject{i}", name=f"Subject {i}",
                                            category="customer", minimum_age=None,
                                            description=None) for i in range(5)]
    system_ids = [f"sys{i:06d}" for i in range(systems)]
    system_list = [System.model_construct(
        id=s, name=f"System {i}", type="third_party" if i % 5 == 4 else "internal",
        role="backend", country="FR", exposure="internal", purposes=[rng.choice(purposes)],
        agreements=["dpa"], attestations=[], privacy_policy=None, connection=None,
        description=None) for i, s in enumerate(system_ids)]
    stores = []
    for j in range(systems // 5):
        fields = [DataField.model_construct(
            name=f"f{k}", category=rng.choice(categories), purposes=[], retention="P1Y",
            disposal="delete", pseudonymised=False, tokenised=False, encrypted=False,
            description=None) for k in range(4)]
        stores.append(Store.model_construct(
            id=f"store{j:06d}", name=f"Store {j}", system=system_ids[5 * j], technology="sql",
            exposure="private", encryption_at_rest=True, access_roles=["ops"],
            purposes=[rng.choice(purposes)], retention="P1Y", disposal="delete",
            connection=None, fields=fields, description=None))
    flows: list[Flow] = []

    def flow(source: str, target: str) -> None:
        gate = rng.choice(GATES) if rng.random() < 0.1 else None
        flows.append(Flow.model_construct(
            id=f"flow{len(flows):07d}", source=source, target=target,
            categories=rng.sample(categories, rng.randint(2, 5)),
            purposes=rng.sample(purposes, rng.randint(1, 2)), transport=transport,
            consent_gate=gate, legal_basis=None, description=None))

    for subject in subjects:
        for _ in range(200):
            flow(subject.id, system_ids[rng.randrange(min(systems, 1000))])
    for i, source in enumerate(system_ids):
        for _ in range(2):
            flow(source, system_ids[min(systems - 1, i + rng.randint(1, 1000))])
        if rng.random() < 0.05:
            flow(source, system_ids[rng.randrange(i + 1)])
        if rng.random() < 0.05:
            flow(source, flows[-1].target)  # a parallel flow
    for store in stores:
        flow(store.system, store.id)
        if rng.random() < 0.5:
            flow(store.id, system_ids[rng.randrange(systems)])
    gates = [ConsentGate.model_construct(id=g, name=g, type="opt_in", purposes=purposes[:3],
                                         mechanism=None, description=None) for g in GATES]
    return Inventory.model_construct(
        inventory=InventoryMeta.model_construct(name=f"synthetic-{systems}", version=None,
                                                description=None),
        organisation=None, data_subjects=subjects, systems=system_list, stores=stores,
        flows=flows, consent_gates=gates, processing_activities=[], attestations=[])


def timed(func: Callable[[], Any], repeat: int) -> tuple[float, float, float, Any]:
    """Median and slowest wall time, median CPU time (milliseconds), and the last result."""
    walls: list[float] = []
    cpus: list[float] = []
    result: Any = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = func()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), max(walls), statistics.median(cpus), result


def _size(result: Any) -> str:
    if isinstance(result, queries.PathsResult):
        longest = max((len(p) for p in result.paths), default=0)
        return f"{len(result.paths)} paths, up to {longest} hops"
    if isinstance(result, queries.Recipients):
        return f"{len(result.recipients)} recipients"
    if isinstance(result, queries.Lineage):
        deepest = max((e.distance for e in result.entries), default=0)
        return f"{len(result.entries)} nodes, up to {deepest} hops"
    if isinstance(result, dict):
        return f"{len(result['receives'])} in, {len(result['sends'])} out"
    return f"{len(result)} rows"


def main(argv: list[str] | None = None) -> int:
    """Build the graph once, then time each query."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--systems", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--inventory", type=Path, default=None,
                        help="Measure this inventory instead of a synthetic one.")
    args = parser.parse_args(argv)
    vocab = default_vocabularies()
    start = time.perf_counter()
    if args.inventory:
        inventory = load_inventory(args.inventory, max_size=2**31).inventory
    else:
        with paused_gc():
            inventory = synthetic_inventory(args.systems, args.seed)
    made = time.perf_counter()
    fg = FlowGraph(inventory, vocab)
    built = time.perf_counter()
    for node in fg.graph:
        next(fg.in_flows(node), None)
        next(fg.out_flows(node), None)
    warmed = time.perf_counter()
    print(f"inventory: {inventory.inventory.name}: {len(inventory.systems)} systems, "
          f"{len(inventory.stores)} stores, {len(inventory.flows)} flows "
          f"({(made - start):.1f} s to make or load)")
    print(f"graph built once in {(built - made):.2f} s "
          f"({fg.graph.number_of_nodes()} nodes, {fg.graph.number_of_edges()} edges); "
          f"flow lists warmed in {(warmed - built):.2f} s")

    subject = fg.subjects()[0]
    out_degree = dict(fg.graph.out_degree())
    systems = sorted(s.id for s in inventory.systems)
    deep = systems[len(systems) // 2]
    far = next((s for s in reversed(systems) if fg.graph.in_degree(s)), systems[-1])
    busy = max(sorted(out_degree), key=lambda n: out_degree[n])
    cats = frozenset({CATEGORY})
    everything = queries.flow_filter(fg, frozenset({"user"}))
    runs: list[tuple[str, Callable[[], Any]]] = [
        (f"recipients {CATEGORY}", lambda: queries.recipients(fg, cats)),
        (f"recipients {CATEGORY} --broader",
         lambda: queries.recipients(fg, frozenset({"user.contact"}), broader=True)),
        (f"paths {subject} {far} --limit 10", lambda: queries.paths(fg, subject, far, None, 10)),
        (f"paths {subject} {deep} --category user",
         lambda: queries.paths(fg, subject, deep, everything, 10)),
        (f"lineage {deep} --downstream --depth 3",
         lambda: queries.lineage(fg, deep, "downstream", depth=3)),
        (f"lineage {deep} --upstream", lambda: queries.lineage(fg, deep, "upstream")),
        (f"lineage {subject} --downstream", lambda: queries.lineage(fg, subject, "downstream")),
        (f"holders {CATEGORY}", lambda: queries.holders(fg, cats)),
        (f"node {busy}", lambda: queries.describe(fg, busy)),
    ]
    rows = [(name, *timed(func, args.repeat)) for name, func in runs]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'query'.ljust(width)}  {'median ms':>9}  {'max ms':>8}  {'cpu ms':>8}  result")
    for name, median, slowest, cpu, result in rows:
        print(f"{name.ljust(width)}  {median:9.1f}  {slowest:8.1f}  {cpu:8.1f}  "
              f"{_size(result)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
