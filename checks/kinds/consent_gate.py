"""Every path from data subjects to processing for given purposes passes a consent gate.

## What it checks
Reachability is judged purpose by purpose. For each purpose selected by
``purposes`` (profiling, personalised advertising, behavioural targeting) that
the inventory uses, pledge walks the graph from every source of personal data
(every data subject, and every third party, which may sell or pass on data
about people) along the flows that carry personal data (``personal_data``) and
do not pass a gate covering *that* purpose. A gate covering another purpose
(a personalisation opt-out on the way to an ad network) does not stop the walk.
Any flow processing for the purpose, or any node doing so, reached that way
fails, with the path that reaches it: the gate must come before the data
reaches processing for the purpose. Flows that carry no personal data (a
product feed) neither count as processing nor lead anywhere. A node processing
for the purpose is judged on the flows into it, except those whose purposes
are all essential (``essential.*``: the service, a legal obligation) into a
third party (a processor acts on the purposes it is sent data for) or into a
system that itself declares an essential purpose: a transactional email sent
through a newsletter tool is not marketing on that path, though data the tool
then sends on for marketing still is. An internal system that declares only
profiling profiles whatever it receives, whatever the flow says. A flow passes a
gate when its ``consent_gate`` names a gate of a type in ``gate_types`` whose
purposes select the purpose. Each such purpose used must also have a gate with
an opt-out ``mechanism``.

## Why it matters
"If you wish to opt-out of personalized marketing or profiling, you can do so"
is only true if no route carries people's data to profiling or ad targeting
without passing the place where they can say no.

## Parameters
- ``purposes`` (list of purpose ids, required).
- ``gate_types`` (list of ``opt_in``/``opt_out``, default both).
- ``require_mechanism`` (bool, default true): a gate covering the purposes
  states how to opt out (a placeholder such as ``TBD`` states nothing).
- ``personal_data`` (list of category ids, default ``[user]``): what a flow must
  carry to count.

## Passing example
```yaml
check:
  kind: consent-gate
  purposes: [marketing.advertising.third_party.targeted]
inventory:
  data_subjects:
    - {id: customers, name: Customers, category: customer}
  systems:
    - {id: ads, name: Ads, type: third_party, role: advertising, country: US}
  consent_gates:
    - {id: banner, name: Cookie banner, type: opt_in,
       purposes: [marketing.advertising], mechanism: cookie settings}
  flows:
    - id: pixel
      source: customers
      target: ads
      categories: [user.behavior.browsing_history]
      purposes: [marketing.advertising.third_party.targeted]
      transport: {protocol: https, tls: "1.3"}
      consent_gate: banner
```

## Failing example
```yaml
check:
  kind: consent-gate
  purposes: [marketing.advertising.third_party.targeted]
inventory:
  data_subjects:
    - {id: customers, name: Customers, category: customer}
  systems:
    - {id: ads, name: Ads, type: third_party, role: advertising, country: US}
  flows:
    - id: pixel
      source: customers
      target: ads
      categories: [user.behavior.browsing_history]
      purposes: [marketing.advertising.third_party.targeted]
      transport: {protocol: https, tls: "1.3"}
```

## References
GDPR Art. 6(1)(a), Art. 7(3), Art. 21(2)-(3) (right to object to direct
marketing and profiling); ePrivacy Directive Art. 5(3).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import compress
from operator import attrgetter
from typing import Literal
from weakref import WeakKeyDictionary

from pydantic import Field

from pledge.checks.context import CheckContext, Evaluation
from pledge.checks.graph.classes import members, total
from pledge.checks.graph.flow_graph import FlowGraph, PathPrefixes, Reached
from pledge.checks.graph.tables import FlowClass
from pledge.checks.judged import PASS, Default, Item, Scope, class_scope
from pledge.checks.registry import KindParams, register
from pledge.policy_model.inventory import Flow
from pledge.policy_model.placeholders import present
from pledge.policy_model.types import CategoryIds, PurposeIds
from pledge.policy_model.vocabulary import TermSelection


class Params(KindParams):
    """Parameters of consent-gate."""

    kind: Literal["consent-gate"]
    purposes: PurposeIds = Field(min_length=1)
    gate_types: list[Literal["opt_in", "opt_out"]] = Field(
        default=["opt_in", "opt_out"])
    require_mechanism: bool = True
    personal_data: CategoryIds = Field(default_factory=lambda: ["user"])


_ID, _TYPE, _SYSTEM = attrgetter("id"), attrgetter("type"), attrgetter("system")
_THIRD_PARTY = "third_party".__eq__
_SOURCES: WeakKeyDictionary[FlowGraph, list[str]] = WeakKeyDictionary()


def _sources(ctx: CheckContext) -> list[str]:
    """Where personal data enters: every data subject and every third party and its stores.

    Only those that send something: a walk from a node no flow leaves reaches nothing
    but the node, and the check reads a walk only at the sources of flows (whether a
    flow's source was reached, and the path to it), so leaving such nodes out changes
    no verdict and no path, and spares the walks tens of thousands of start nodes.
    """
    graph = ctx.graph
    found = _SOURCES.get(graph)
    if found is None:
        systems, stores = ctx.inventory.systems, ctx.inventory.stores
        third = set(compress(map(_ID, systems), map(_THIRD_PARTY, map(_TYPE, systems))))
        candidates = [*graph.subjects(), *third, *compress(
            map(_ID, stores), map(third.__contains__, map(_SYSTEM, stores)))]
        sending = set(graph.flow_ends()[0])
        found = _SOURCES[graph] = list(compress(candidates, map(
            sending.__contains__, graph.numbers(candidates))))
    return found


@register("consent-gate", code="PLG301", params=Params, noun="flows and nodes",
          path_based=True)
def run(ctx: CheckContext, params: Params, ev: Evaluation) -> None:
    """Fail processing for each purpose reachable without passing a gate covering it."""
    graph = ctx.graph
    voc = ctx.vocab.purposes
    selectors = frozenset(params.purposes)
    gates = {g.id: g for g in ctx.inventory.consent_gates if g.type in params.gate_types}
    chosen = graph.selection("purposes", selectors)
    personal = graph.carrying(frozenset(params.personal_data))
    classes = graph.flow_classes

    # processing for a chosen purpose: flows carrying personal data, and nodes (below)
    processes = [carries and any(chosen[p] for p in c.purposes)
                 for c, carries in zip(classes, personal, strict=True)]
    ev.checked += total(graph.flow_sizes, processes)
    wanted: set[str] = {p for c, hit in zip(classes, processes, strict=True) if hit
                        for p in c.purposes if chosen[p]}
    for purposes in graph.node_purpose_sets():  # systems' (with their activities'), stores'
        wanted.update(p for p in purposes if chosen[p])

    def gated(gate_id: str | None, purpose: str) -> bool:
        gate = gates.get(gate_id) if gate_id else None
        return gate is not None and voc.is_selected(purpose, frozenset(gate.purposes))

    def flow_default(flow_class: FlowClass) -> Default:
        mine = sorted(p for p in flow_class.purposes if chosen[p])
        covered = [p for p in mine if gated(flow_class.gate, p)]
        rest = [p for p in mine if p not in covered]
        return PASS, "; ".join(
            ([f"gate '{flow_class.gate}' covers {', '.join(covered)}"] if covered else [])
            + ([f"for {', '.join(rest)}: no ungated path brings personal data to its source"]
               if rest else []))

    ev.judge(class_scope("flow", graph.flow_class, [
        flow_default(c) if hit else None for c, hit in zip(classes, processes, strict=True)],
        graph.flow_ids))
    ev.judge(Scope(lambda: _processing_nodes(graph, chosen)))

    # one walk per purpose; purposes the gates treat alike share theirs
    sources = _sources(ctx)
    walks: dict[tuple[bool, ...], Reached] = {}
    walk_of: dict[str, Reached] = {}
    for purpose in sorted(wanted):
        open_flows = tuple(carries and not gated(c.gate, purpose)
                           for c, carries in zip(classes, personal, strict=True))
        if open_flows not in walks:
            walks[open_flows] = graph.reach_classes(sources, open_flows)
        walk_of[purpose] = walks[open_flows]

    used: set[str] = set()
    prefixes = _Prefixes(walk_of)
    # Each processing flow's ungated purposes depend on its class and on which walks
    # reached its source: judged once per (class, walks reaching), in C-level passes.
    distinct = list({id(w): w for w in walk_of.values()}.values())
    walk_number = {id(w): n for n, w in enumerate(distinct)}
    ungated = [tuple((p, walk_number[id(walk_of[p])]) for p in sorted(c.purposes)
                     if chosen[p] and not gated(c.gate, p)) if hit else ()
               for c, hit in zip(classes, processes, strict=True)]
    positions = members(graph.flow_class, processes)
    starts = graph.source_numbers(positions)
    keys = list(zip(map(graph.flow_class.__getitem__, positions),
                    *(walk.holds(starts) for walk in distinct), strict=True))
    hits = {key: [p for p, n in ungated[key[0]] if key[1 + n]] for key in set(keys)}
    for position, key in compress(zip(positions, keys, strict=True),
                                  map(bool, map(hits.__getitem__, keys))):  # inventory order
        flow, hit = graph.flow_at[position], list(hits[key])
        used.update(hit)
        evidence = prefixes.of(walk_of[hit[0]]).evidence(flow.source, (flow.id, flow.target))
        reason = (f"gate '{flow.consent_gate}' does not cover {', '.join(hit)}"
                  if flow.consent_gate else "no consent gate")
        ev.fail("flow", flow.id, f"flow '{flow.id}' processes for {', '.join(hit)} with "
                f"{reason}: {' -> '.join(evidence['path'])}",
                remediation="route it through a consent or opt-out gate covering these "
                            "purposes (consent_gate: ...)",
                evidence={"rule": "ungated-flow", **evidence, "purposes": hit},
                key="consent_gate" if flow.consent_gate else None)
    _judge_nodes(ctx, ev, walk_of, personal, gated, used, prefixes)
    for purpose in sorted(used | {p for c, hit in zip(classes, processes, strict=True) if hit
                                  for p in c.purposes if chosen[p]}):
        covering = [g for g in gates.values() if voc.is_selected(purpose, frozenset(g.purposes))]
        if not covering:
            ev.fail("purpose", purpose, f"no consent or opt-out gate covers {purpose}",
                    remediation="declare a consent_gates entry with this purpose",
                    evidence={"rule": "no-gate", "purpose": purpose})
        elif params.require_mechanism and not any(present(g.mechanism) for g in covering):
            ev.fail("consent_gate", covering[0].id, f"gate '{covering[0].id}' covers "
                    f"{purpose} but states no opt-out mechanism",
                    remediation="describe how people opt out (mechanism: ...)",
                    evidence={"rule": "no-mechanism", "purpose": purpose})


def _processing_nodes(graph: FlowGraph, chosen: TermSelection) -> Iterator[Item]:
    """Every declared node processing for a chosen purpose (judged on the flows into it)."""
    said: dict[frozenset[str], str] = {}
    for node_id in graph.node_ids():
        attrs = graph.node(node_id)
        purposes = attrs.get("purposes")
        if not purposes:
            continue
        reason = said.get(purposes)
        if reason is None:
            mine = sorted(p for p in purposes if chosen[p])
            reason = said[purposes] = (f"processes for {', '.join(mine)} and receives no "
                                       "personal data ungated for it") if mine else ""
        if reason:
            yield attrs["type"], node_id, PASS, reason, None  # declared: it has purposes


class _Prefixes(dict[int, PathPrefixes]):
    """Bounded path evidence per walk of one run, shared by every finding on a walk."""

    def __init__(self, walks: dict[str, Reached]) -> None:
        super().__init__()
        self.walks = {id(w): w for w in walks.values()}

    def of(self, walk: Reached) -> PathPrefixes:
        found = self.get(id(walk))
        if found is None:
            found = self[id(walk)] = PathPrefixes(self.walks[id(walk)])
        return found


def _judge_nodes(ctx: CheckContext, ev: Evaluation, walk_of: dict[str, Reached],
                 personal: list[bool], gated: Callable[[str | None, str], bool],
                 used: set[str], prefixes: _Prefixes) -> None:
    """Fail nodes processing for a purpose that receive personal data no gate for it let in.

    A node is judged on the flows into it, not on being reached: a third party is
    itself a source of walks, and still must not receive ungated data.
    """
    graph = ctx.graph
    classes = graph.flow_classes
    hits: dict[str, list[str]] = {}  # node -> purposes it receives data for, ungated
    via: dict[str, tuple[str, Flow]] = {}  # node -> (purpose, first such flow into it)
    # a flow for the service alone (a transactional email through a marketing tool) brings
    # data for that service, to a node that can do it (a processor acts on the purposes it
    # is sent data for; an internal system, on its own): its other purposes are not on that path
    essential = graph.selection("purposes", frozenset({"essential"}))
    service_only = [c.target is not None and all(essential[p] for p in c.purposes) and (
        c.target.third_party or any(essential[p] for p in c.target.purposes))
        for c in classes]
    for purpose, walk in sorted(walk_of.items()):
        into = [carries and c.target is not None and purpose in c.target.purposes
                and not gated(c.gate, purpose) and (not only or essential[purpose])
                for c, carries, only in zip(classes, personal, service_only, strict=True)]
        into_positions = members(graph.flow_class, into)  # in inventory order
        for position in compress(into_positions,
                                 walk.holds(graph.source_numbers(into_positions))):
            flow = graph.flow_at[position]
            if purpose not in hits.get(flow.target, ()):
                hits.setdefault(flow.target, []).append(purpose)
                via.setdefault(flow.target, (purpose, flow))
    for node_id in sorted(hits):
        node = graph.node(node_id)
        hit = sorted(hits[node_id])
        used.update(hit)
        ev.checked += 1
        purpose, flow = via[node_id]
        evidence = prefixes.of(walk_of[purpose]).evidence(flow.source, (flow.id, node_id))
        ev.fail(node["type"], node_id, f"'{node_id}' processes for "
                f"{', '.join(hit)} and receives personal data with no gate for it on the way: "
                f"{' -> '.join(evidence['path'])}",
                remediation="gate the flows into it for these purposes, or stop processing "
                            "for them",
                evidence={"rule": "ungated-node", **evidence, "purposes": hit})
