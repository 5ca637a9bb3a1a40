"""A pledge inventory written back as fideslang manifests (``pledge export fides DIR``).

The inverse of :mod:`pledge.connectors.fides.to_inventory`: systems with their
privacy declarations (one per activity and purpose), ``dataset_references`` and
``egress`` / ``ingress``; stores as dataset collections (``<dataset>.<collection>``
ids split at the last dot, nested fields rebuilt from their paths, the
``(dataset)`` / ``(collection)`` pseudo-fields as categories of the whole); the
organisation. fideslang has no place for transport, consent gates, exposure,
agreements, attestations and the like: each fact left out is a note, and an
inventory imported from Fides exports to manifests that import to it again.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from pledge.connectors.fides.datasets import COLLECTION_FIELD, DATASET_FIELD
from pledge.connectors.fides.mapping_base import UNKNOWN_COUNTRY
from pledge.connectors.fides.to_inventory import NO_TRANSPORT
from pledge.policy_model.inventory import Flow, Inventory, ProcessingActivity, Store

LEGAL_BASIS_TEXT = {"consent": "Consent", "contract": "Contract",
                    "legal_obligation": "Legal obligations", "vital_interests": "Vital interests",
                    "public_task": "Public interest",
                    "legitimate_interests": "Legitimate interests"}

_EXPORTED = {
    "system": {"id", "name", "type", "role", "description", "purposes", "privacy_policy"},
    "store": {"id", "name", "system", "retention", "fields", "description"},
    "field": {"name", "category", "retention"},
    "flow": {"id", "source", "target", "categories", "purposes", "transport"},
    "organisation": {"id", "name", "privacy_contact", "dpo"},
}


def dataset_of(store_id: str) -> tuple[str, str]:
    """(dataset key, collection name) of a store id."""
    return tuple(store_id.rsplit(".", 1)) if "." in store_id else (store_id, store_id)  # type: ignore[return-value]


class Exporter:
    """Builds the manifests of one inventory, with notes on what fideslang cannot hold."""

    def __init__(self, inventory: Inventory) -> None:
        self.inv = inventory
        self.notes: list[str] = []

    def _left_out(self, what: str, name: str, model: BaseModel, exported: set[str]) -> None:
        for key in model.model_dump(exclude_defaults=True):
            if key not in exported:
                self.notes.append(f"{what} '{name}': '{key}' has no place in fideslang; not "
                                  "exported")

    def build(self) -> dict[str, list[dict[str, Any]]]:
        """The manifest: organization, system and dataset resources."""
        inv = self.inv
        for section in ("consent_gates", "attestations"):
            if getattr(inv, section):
                self.notes.append(f"{len(getattr(inv, section))} {section.replace('_', ' ')}: "
                                  "fideslang has no such resource; not exported")
        manifest: dict[str, list[dict[str, Any]]] = {}
        if inv.organisation is not None:
            manifest["organization"] = [self._organisation()]
        datasets = self._datasets()
        manifest["system"] = self._systems(datasets)
        manifest["dataset"] = list(datasets.values())
        return manifest

    def _organisation(self) -> dict[str, Any]:
        org = self.inv.organisation
        assert org is not None
        out: dict[str, Any] = {"fides_key": org.id, "name": org.name}
        if org.dpo or org.privacy_contact:
            officer = {"name": org.dpo} if org.dpo else {}
            if org.privacy_contact:
                officer["email"] = org.privacy_contact
            out["data_protection_officer"] = officer
        if org.country != UNKNOWN_COUNTRY:
            self.notes.append(f"organisation '{org.id}': country {org.country} has no place in "
                              "fideslang; not exported")
        self._left_out("organisation", org.id, org, _EXPORTED["organisation"] | {"country"})
        return out

    # --- datasets ----------------------------------------------------------------------
    def _datasets(self) -> dict[str, dict[str, Any]]:
        datasets: dict[str, dict[str, Any]] = {}
        self.owner_refs: dict[str, list[str]] = {}
        for store in self.inv.stores:
            key, collection_name = dataset_of(store.id)
            dataset = datasets.get(key)
            if dataset is None:
                dataset = datasets[key] = {"fides_key": key, "name": key, "collections": []}
                self.owner_refs.setdefault(store.system, []).append(key)
            elif key not in self.owner_refs.get(store.system, []):
                self.notes.append(f"store '{store.id}': held by '{store.system}', but its "
                                  f"dataset '{key}' by another system; exported under that one")
            top = [f.category for f in store.fields if f.name == DATASET_FIELD]
            if top:
                cats = dataset.setdefault("data_categories", [])
                cats.extend(c for c in top if c not in cats)
            dataset["collections"].append(self._collection(store, collection_name))
            self._left_out("store", store.id, store, _EXPORTED["store"])
        return datasets

    def _collection(self, store: Store, name: str) -> dict[str, Any]:
        out: dict[str, Any] = {"name": name}
        if store.description:
            out["description"] = store.description
        if store.retention:
            out["retention"] = store.retention
        whole = [f.category for f in store.fields if f.name == COLLECTION_FIELD]
        if whole:
            out["data_categories"] = whole
        root: dict[str, dict[str, Any]] = {}
        for fld in store.fields:
            if fld.name in (COLLECTION_FIELD, DATASET_FIELD):
                continue
            self._left_out("field", f"{store.id}.{fld.name}", fld, _EXPORTED["field"])
            node = self._field_node(root, fld.name.split("."))
            node.setdefault("data_categories", [])
            if fld.category not in node["data_categories"]:
                node["data_categories"].append(fld.category)
            if fld.retention:
                node["retention"] = fld.retention
        out["fields"] = [_field_out(name, node) for name, node in root.items()]
        return out

    @staticmethod
    def _field_node(root: dict[str, dict[str, Any]], path: list[str]) -> dict[str, Any]:
        level = root
        node: dict[str, Any] = {}
        for part in path:
            node = level.setdefault(part, {})
            level = node.setdefault("_children", {})
        return node

    # --- systems -----------------------------------------------------------------------
    def _systems(self, datasets: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        subjects = {s.id: s.category for s in self.inv.data_subjects}
        stores = {s.id for s in self.inv.stores}
        self.system_ids = {s.id for s in self.inv.systems}
        self.activities: dict[str, list[ProcessingActivity]] = {}  # by system, in order
        for activity in self.inv.processing_activities:
            for system_id in dict.fromkeys(activity.systems):
                self.activities.setdefault(system_id, []).append(activity)
        flows_out: dict[str, list[dict[str, Any]]] = {}
        flows_in: dict[str, list[dict[str, Any]]] = {}
        for flow in self.inv.flows:
            self._flow(flow, stores, flows_out, flows_in)
        systems = []
        for system in self.inv.systems:
            out: dict[str, Any] = {"fides_key": system.id, "name": system.name}
            if system.description:
                out["description"] = system.description
            out["system_type"] = system.role.replace("_", " ").capitalize()
            if system.type == "third_party":
                out["vendor_id"] = system.id
            if system.privacy_policy and system.privacy_policy.startswith(("http://", "https://")):
                out["privacy_policy"] = system.privacy_policy
            elif system.privacy_policy:
                self.notes.append(f"system '{system.id}': privacy_policy is not a URL; not "
                                  "exported")
            if system.country != UNKNOWN_COUNTRY:
                self.notes.append(f"system '{system.id}': country {system.country} has no place "
                                  "in fideslang; not exported")
            self._left_out("system", system.id, system, _EXPORTED["system"] | {"country"})
            if system.id in self.owner_refs:
                out["dataset_references"] = self.owner_refs[system.id]
            for key in ("egress", "ingress"):
                found = (flows_out if key == "egress" else flows_in).get(system.id)
                if found:
                    out[key] = found
            out["privacy_declarations"] = self._declarations(system.id, subjects)
            systems.append(out)
        return systems

    def _declarations(self, system: str, subjects: dict[str, str]) -> list[dict[str, Any]]:
        declarations = []
        for activity in self.activities.get(system, []):
            if activity.automated_decisions:
                self.notes.append(f"activity '{activity.id}': automated decisions have no place "
                                  "in fideslang; not exported")
            for purpose in activity.purposes:
                decl: dict[str, Any] = {
                    "name": activity.name, "data_categories": list(activity.categories),
                    "data_use": purpose,
                    "data_subjects": list(dict.fromkeys(subjects.get(s, s)
                                                        for s in activity.data_subjects))}
                if activity.legal_basis:
                    decl["legal_basis_for_processing"] = LEGAL_BASIS_TEXT[activity.legal_basis]
                declarations.append(decl)
        return declarations

    def _flow(self, flow: Flow, stores: set[str], flows_out: dict[str, list[dict[str, Any]]],
              flows_in: dict[str, list[dict[str, Any]]]) -> None:
        if flow.transport.protocol != NO_TRANSPORT or flow.transport.tls:
            self.notes.append(f"flow '{flow.id}': transport has no place in fideslang; not "
                              "exported")
        self._left_out("flow", flow.id, flow, _EXPORTED["flow"])
        systems = self.system_ids
        if flow.source in systems:
            owner, key, other = flows_out, flow.source, flow.target
        elif flow.target in systems:
            owner, key, other = flows_in, flow.target, flow.source
        else:
            self.notes.append(f"flow '{flow.id}': between {flow.source} and {flow.target}, "
                              "neither a system; fideslang flows start or end at a system; "
                              "not exported")
            return
        if other in stores:
            entry = {"fides_key": dataset_of(other)[0], "type": "dataset"}
        elif other in systems:
            entry = {"fides_key": other, "type": "system"}
        else:
            self.notes.append(f"flow '{flow.id}': '{other}' is a data subject; fideslang flows "
                              "join systems and datasets; not exported")
            return
        found = next((e for e in owner.setdefault(key, []) if e["fides_key"] == entry["fides_key"]
                      and e["type"] == entry["type"]), None)
        if found is None:
            found = {**entry, "data_categories": []}
            owner[key].append(found)
        found["data_categories"].extend(c for c in flow.categories
                                        if c not in found["data_categories"])


def _field_out(name: str, node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name}
    if node.get("data_categories"):
        out["data_categories"] = node["data_categories"]
    if node.get("retention"):
        out["retention"] = node["retention"]
    children = node.get("_children") or {}
    if children:
        out["fields"] = [_field_out(child, sub) for child, sub in children.items()]
    return out


def export_inventory(inventory: Inventory) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """The fideslang manifest of ``inventory``, and a note for each fact left out."""
    exporter = Exporter(inventory)
    return exporter.build(), exporter.notes

