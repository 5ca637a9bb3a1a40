"""Fides resources as a pledge inventory: systems, stores, flows, processing activities.

- a system becomes a system (``system_type: Database`` gives the role
  ``database``; a ``vendor_id`` makes it a third party);
- a dataset's collections become stores (``<dataset>.<collection>``) held by the
  first system whose declaration (or own ``dataset_references``) names the
  dataset; nested fields are flattened with their path (``workplace_info.employer``);
  categories declared on a whole collection or dataset become the pseudo-fields
  ``(collection)`` and ``(dataset)``;
- ``egress`` / ``ingress`` become flows (one per pair of ends);
- a privacy declaration becomes a processing activity: data use → purpose,
  ``legal_basis_for_processing`` → legal basis, data subjects, categories;
  ``retention_period`` / ``retention`` / ``data_retention`` text → retention.

What has no place in the inventory, or needed an assumption, is a :class:`Note`;
what cannot be imported at all (an unknown id, a dangling reference) is an error.
"""

from __future__ import annotations

from typing import Any

from pledge.connectors.fides.datasets import DatasetMapping
from pledge.connectors.fides.manifests import Resource
from pledge.connectors.fides.mapping_base import UNKNOWN_COUNTRY, listed
from pledge.connectors.fides.retention import parse_retention
from pledge.policy_model.errors import InputError

LEGAL_BASES = {
    "consent": "consent", "contract": "contract", "legal obligation": "legal_obligation",
    "legal obligations": "legal_obligation", "vital interest": "vital_interests",
    "vital interests": "vital_interests", "public interest": "public_task",
    "public task": "public_task", "legitimate interest": "legitimate_interests",
    "legitimate interests": "legitimate_interests",
}
ROLES = {"database": "database", "storefront": "storefront", "backend": "backend",
         "analytics": "analytics", "advertising": "advertising", "identity": "identity",
         "hosting": "hosting", "payment_processor": "payment_processor", "shipping": "shipping",
         "support": "support", "email_marketing": "email_marketing", "accounting": "accounting",
         "fraud_detection": "fraud_detection", "social": "social", "data_source": "data_source",
         "authority": "authority", "marketing_partner": "marketing_partner"}
NO_TRANSPORT = "unspecified"

_USED = {
    "system": {"fides_key", "name", "description", "system_type", "egress", "ingress",
               "privacy_declarations", "organization_fides_key", "vendor_id",
               "dataset_references", "privacy_policy", "data_retention"},
    "declaration": {"name", "data_categories", "data_use", "data_subjects",
                    "dataset_references", "egress", "ingress", "legal_basis_for_processing",
                    "retention_period"},
    "organization": {"fides_key", "name", "data_protection_officer", "controller"},
}


class InventoryMapper(DatasetMapping):
    """Builds the inventory mapping from the manifests, collecting notes and errors."""

    # --- the whole ---------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        """The inventory mapping (sections in the model's order)."""
        organisation = self._organisation()
        owners = self._dataset_owners()
        for res in self.m.of("system"):
            self._system(res)
        for res in self.m.of("dataset"):
            self._dataset(res, owners)
        for res in self.m.of("system"):
            self._declarations(res)
        for res in self.m.of("system"):
            self._flows_of(res)
        for store_id, store in self.stores.items():
            if store["retention"] is None:
                del store["retention"]
            self.index.add("store", store_id, *store.pop("_at"))
        name = organisation["name"] if organisation else "Fides manifests"
        return {
            "inventory": {"name": name},
            **({"organisation": organisation} if organisation else {}),
            "data_subjects": list(self.subjects.values()),
            "systems": list(self.systems.values()),
            "stores": list(self.stores.values()),
            "flows": [self.flows[k] for k in sorted(self.flows)],
            "processing_activities": self.activities,
        }

    def _organisation(self) -> dict[str, Any] | None:
        found = self.m.of("organization")
        if not found:
            return None
        res = found[0]
        for other in found[1:]:
            self.note(other, f"a second organization '{other.data.get('fides_key')}' is not "
                             "imported (an inventory describes one organisation)")
        data = res.data
        key = str(data.get("fides_key") or "organisation")
        dpo = data.get("data_protection_officer") or {}
        controller = data.get("controller") or {}
        org: dict[str, Any] = {"id": key, "name": str(data.get("name") or key),
                               "country": self.country}
        contact = (dpo.get("email") if isinstance(dpo, dict) else None) or (
            controller.get("email") if isinstance(controller, dict) else None)
        if contact:
            org["privacy_contact"] = str(contact)
        if isinstance(dpo, dict) and dpo.get("name"):
            org["dpo"] = str(dpo["name"])
        if self.country == UNKNOWN_COUNTRY:
            self.note(res, f"organization '{key}': Fides records no country; imported as "
                           f"{UNKNOWN_COUNTRY} (unknown): give --country")
        self.unused("organization", key, data, (res.file, res.line), _USED["organization"])
        self.index.add("organisation", key, res.file, res.line, res.data.key_lines)
        return org

    def _dataset_owners(self) -> dict[str, str]:
        owners: dict[str, str] = {}
        for res in self.m.of("system"):
            key = res.data.get("fides_key")
            refs = list(listed(res.data.get("dataset_references")))
            for decl in listed(res.data.get("privacy_declarations")):
                if isinstance(decl, dict):
                    refs.extend(listed(decl.get("dataset_references")))
            for ref in refs:
                owners.setdefault(str(ref), str(key))
        return owners

    # --- systems -----------------------------------------------------------------------
    def _system(self, res: Resource) -> None:
        data = res.data
        key = data.get("fides_key")
        if not isinstance(key, str) or not key:
            self.errors.append(InputError("PLG-E026", "a system has no fides_key", res.file,
                                          res.line, "give each system its id"))
            return
        if not self.valid_id(key, "system", res.file, res.key_line("fides_key")):
            return
        if key in self.systems:
            self.errors.append(InputError("PLG-E009", f"system '{key}' is declared twice",
                                          res.file, res.line, "keep one"))
            return
        kind = str(data.get("system_type") or "").strip().lower().replace(" ", "_")
        system: dict[str, Any] = {
            "id": key, "name": str(data.get("name") or key),
            "type": "third_party" if data.get("vendor_id") else "internal",
            "role": ROLES.get(kind, "other"), "country": self.country}
        if data.get("privacy_policy"):
            system["privacy_policy"] = str(data["privacy_policy"])
        if data.get("description"):
            system["description"] = str(data["description"])
        self.systems[key] = system
        self.index.add("system", key, res.file, res.line, res.data.key_lines)
        self.unused("system", key, data, (res.file, res.line), _USED["system"])
        if kind and kind not in ROLES:
            self.note(res, f"system '{key}': system_type '{data.get('system_type')}' has no "
                           "pledge role; imported as role 'other'")
        cats: list[str] = []
        uses: list[str] = []
        for decl in listed(data.get("privacy_declarations")):
            if isinstance(decl, dict):
                cats.extend(c for c in listed(decl.get("data_categories")) if isinstance(c, str))
                if isinstance(decl.get("data_use"), str):
                    uses.append(decl["data_use"])
        self.system_cats[key] = list(dict.fromkeys(cats))
        self.system_uses[key] = list(dict.fromkeys(uses))

    def _declarations(self, res: Resource) -> None:
        key = res.data.get("fides_key")
        if key not in self.systems:
            return
        system = self.systems[key]
        purposes: list[str] = []
        for number, decl in enumerate(listed(res.data.get("privacy_declarations")), start=1):
            if not isinstance(decl, dict):
                continue
            line = getattr(decl, "line", None) or res.line
            at = (res.file, line)
            activity_id = f"{key}.{number}"
            use = decl.get("data_use")
            uses = self.known("purposes", [use], res.file, line) if use else []
            if not use:
                self.errors.append(InputError("PLG-E026", f"declaration {number} of system "
                                              f"'{key}' has no data_use", res.file, line,
                                              "name the data use"))
            cats = self.known("data_categories", listed(decl.get("data_categories")),
                              res.file, line)
            if not listed(decl.get("data_categories")):
                self.errors.append(InputError("PLG-E026", f"declaration {number} of system "
                                              f"'{key}' has no data_categories", res.file, line,
                                              "list the categories it processes"))
            if not uses or not cats:
                continue
            subjects = self.known("data_subjects", listed(decl.get("data_subjects")),
                                  res.file, line)
            if not listed(decl.get("data_subjects")):
                subjects = sorted(self.vocab.data_subjects.terms)
                self.note(at, f"declaration {number} of system '{key}' names no data subjects "
                              "(Fides exempts it from every rule); imported as concerning every "
                              "data subject of the taxonomy")
            for subject in subjects:
                self._subject(subject, at)
            activity: dict[str, Any] = {
                "id": activity_id,
                "name": str(decl.get("name") or f"{uses[0]} ({system['name']})"),
                "purposes": uses}
            basis = decl.get("legal_basis_for_processing")
            if basis:
                mapped = LEGAL_BASES.get(str(basis).strip().lower())
                if mapped:
                    activity["legal_basis"] = mapped
                else:
                    self.note(at, f"declaration {number} of system '{key}': legal basis "
                                  f"'{basis}' is none of GDPR Art. 6(1)'s six; left undeclared")
            activity.update({"data_subjects": subjects, "categories": cats, "systems": [key]})
            self.activities.append(activity)
            self.index.add("processing_activity", activity_id, res.file, line,
                           getattr(decl, "key_lines", None))
            purposes.extend(uses)
            self.unused("declaration", f"{key}.{number}", decl, at, _USED["declaration"])
            text = decl.get("retention_period")
            if text:
                self._retention_to_stores(text, listed(decl.get("dataset_references")), at,
                                          f"declaration {number} of system '{key}'")
        if res.data.get("data_retention"):
            self._retention_to_stores(res.data["data_retention"],
                                      listed(res.data.get("dataset_references")),
                                      (res.file, res.line), f"system '{key}'")
        if purposes:
            system["purposes"] = list(dict.fromkeys(purposes))

    def _retention_to_stores(self, text: Any, datasets: list[Any], at: tuple[str, int | None],
                             what: str) -> None:
        duration = parse_retention(text)
        if duration is None:
            self.note(at, f"{what}: retention '{text}' states no duration; left undeclared")
            return
        for dataset in datasets:
            for store_id in self.dataset_stores.get(str(dataset), []):
                if self.stores[store_id]["retention"] is None:
                    self.stores[store_id]["retention"] = duration

    def _subject(self, subject: str, at: tuple[str, int | None]) -> None:
        if subject not in self.subjects:
            term = self.vocab.data_subjects.terms[subject]
            self.subjects[subject] = {"id": subject, "name": term.name, "category": subject}
            self.index.add("subject", subject, at[0], at[1])

    # --- flows -------------------------------------------------------------------------
    def _ends(self, key: Any, kind: Any, file: str, line: int | None) -> list[str]:
        """The inventory nodes a Fides flow end names: a system, or a dataset's stores."""
        key = str(key)
        if kind in (None, "system") and key in self.systems and key not in self.dataset_stores:
            return [key]
        if kind in (None, "dataset") and key in self.dataset_stores:
            return list(self.dataset_stores[key])
        what = kind or "system or dataset"
        self.errors.append(InputError("PLG-E008", f"a flow names '{key}' ({what}), which the "
                                      "manifests do not declare", file, line,
                                      "declare it or fix the fides_key"))
        return []

    def _flows_of(self, res: Resource) -> None:
        key = res.data.get("fides_key")
        if key not in self.systems:
            return
        for direction in ("egress", "ingress"):
            for entry in listed(res.data.get(direction)):
                line = getattr(entry, "line", None) or res.line
                if not isinstance(entry, dict) or not entry.get("fides_key"):
                    self.errors.append(InputError("PLG-E026", f"system '{key}': each {direction} "
                                                  "entry needs a fides_key", res.file, line))
                    continue
                cats = self.known("data_categories", listed(entry.get("data_categories")),
                                  res.file, line)
                for other in self._ends(entry["fides_key"], entry.get("type"), res.file, line):
                    ends = (key, other) if direction == "egress" else (other, key)
                    self._flow(ends, cats, [], (res.file, line))
        for decl in listed(res.data.get("privacy_declarations")):
            if not isinstance(decl, dict):
                continue
            line = getattr(decl, "line", None) or res.line
            use = decl.get("data_use")
            cats = [c for c in listed(decl.get("data_categories"))
                    if c in self.vocab.data_categories]
            for direction in ("egress", "ingress"):
                for target in listed(decl.get(direction)):
                    for other in self._ends(target, None, res.file, line):
                        ends = (key, other) if direction == "egress" else (other, key)
                        uses = [use] if isinstance(use, str) and use in self.vocab.purposes else []
                        self._flow(ends, cats, uses, (res.file, line))

    def _node_facts(self, node: str) -> tuple[list[str], list[str]]:
        if node in self.stores:
            owner = self.stores[node]["system"]
            return ([f["category"] for f in self.stores[node]["fields"]],
                    self.system_uses.get(owner, []))
        return self.system_cats.get(node, []), self.system_uses.get(node, [])

    def _flow(self, ends: tuple[str, str], cats: list[str], uses: list[str],
              at: tuple[str, int | None]) -> None:
        source, target = ends
        flow_id = f"{source}__{target}"
        if not cats:
            cats = self._node_facts(source)[0]
            if cats:
                self.note(at, f"flow '{flow_id}': Fides names no data categories; assumed "
                              "those its source declares")
        if not uses:
            uses = self._node_facts(target)[1] or self._node_facts(source)[1]
            if uses:
                self.note(at, f"flow '{flow_id}': Fides names no purpose; assumed the data uses "
                              "its ends declare")
        if not cats or not uses:
            self.note(at, f"flow '{flow_id}': neither Fides nor its ends declare "
                          f"{'data categories' if not cats else 'a data use'}; not imported")
            return
        flow = self.flows.get(ends)
        if flow is None:
            flow = self.flows[ends] = {
                "id": flow_id, "source": source, "target": target, "categories": [],
                "purposes": [], "transport": {"protocol": NO_TRANSPORT}}
            self.index.add("flow", flow_id, at[0], at[1])
            self.note(at, f"flow '{flow_id}': Fides records no transport; imported as protocol "
                          f"'{NO_TRANSPORT}' without TLS (transport checks fail it until "
                          "declared)")
        flow["categories"] = list(dict.fromkeys(flow["categories"] + cats))
        flow["purposes"] = list(dict.fromkeys(flow["purposes"] + uses))
