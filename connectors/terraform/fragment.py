"""``pledge import terraform``: the inventory fragment a plan derives, as YAML.

The fragment holds each mapped store as it will be once the plan applies (the
declared store with the plan's facts), so it can replace the store's entry in
the inventory; a comment names the resources behind it and the facts the plan
does not tell. Data-holding resources mapped to no store are listed at the end,
as comments to turn into stores. The text is validated as an inventory
fragment before it is returned, and is the same for the same inputs.
"""

from __future__ import annotations

import yaml

from pledge.connectors.terraform.future import Future
from pledge.policy_model.inventory import InventoryFragment
from pledge.policy_model.redact import redact

_KEEP_EMPTY = ("fields",)


def _comment(text: str) -> str:
    """One comment line: secrets redacted, control characters and line breaks dropped."""
    return "".join(c for c in " ".join(redact(text).split()) if c.isprintable())


def _store_yaml(data: dict[str, object]) -> str:
    text = yaml.safe_dump([data], sort_keys=False, allow_unicode=True, width=100)
    return "".join(f"  {line}\n" for line in text.splitlines())


def render_fragment(future: Future, plan_shown: str) -> str:
    """The YAML text of the derived fragment."""
    lines = [f"# Derived from the Terraform plan {_comment(plan_shown)} by pledge import "
             "terraform.",
             "# Each store is the inventory's, with the facts the plan sets once it applies.",
             "stores:"]
    planned = {s.id: s for s in future.loaded.inventory.stores if s.id in future.plans}
    if not planned:
        lines[-1] = "stores: []"
    for store_id in sorted(planned):
        plan = future.plans[store_id]
        store = planned[store_id]
        addresses = sorted({i.address for i in plan.resources})
        lines.append("  # " + _comment(f"{store_id}: from {', '.join(addresses)}"))
        unverified = future.unverified.get(store_id)
        if unverified:
            lines.append(f"  # not told by the plan (kept as declared): {', '.join(unverified)}")
        data = store.model_dump(mode="json", exclude_none=True)
        data = {k: v for k, v in data.items() if v not in ([], {}) or k in _KEEP_EMPTY}
        if "connection" in data:
            data["connection"] = redact(str(data["connection"]))
        lines.append(_store_yaml(data).rstrip("\n"))
    undeclared = [i for i in future.reading.undeclared if i.resource.after is not None]
    if undeclared:
        lines += ["", "# Data stores in the plan that map to no inventory store: declare each",
                  "# (and tag it pledge-store = <id>) or list it under ignore: in",
                  "# terraform-mapping.yaml."]
        for item in undeclared:
            facts = ", ".join(f"{k}: {v}" for k, v in sorted(item.after.items()))
            lines.append("#   " + _comment(f"{item.address} ({item.rule.holds}) {facts}"))
    text = "\n".join(lines) + "\n"
    InventoryFragment.model_validate(yaml.safe_load(text))  # never write what pledge refuses
    return text
