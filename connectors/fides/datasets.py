"""Fides datasets as stores: one per collection, nested fields flattened by path."""

from __future__ import annotations

from typing import Any

from pledge.connectors.fides.manifests import Resource
from pledge.connectors.fides.mapping_base import MapperBase, listed
from pledge.connectors.fides.retention import parse_retention
from pledge.policy_model.errors import InputError

COLLECTION_FIELD, DATASET_FIELD = "(collection)", "(dataset)"
"""Pseudo-fields holding the categories Fides declares on a whole collection or dataset."""
USED = {
    "dataset": {"fides_key", "name", "description", "collections", "data_categories",
                "retention", "organization_fides_key"},
    "collection": {"name", "description", "fields", "data_categories", "retention"},
    "field": {"name", "description", "fields", "data_categories", "retention", "fides_meta"},
}


class DatasetMapping(MapperBase):
    """Maps datasets (collections, fields, retention) into stores."""

    # --- datasets ----------------------------------------------------------------------
    def _dataset(self, res: Resource, owners: dict[str, str]) -> None:
        data = res.data
        key = data.get("fides_key")
        if not isinstance(key, str) or not key:
            self.errors.append(InputError("PLG-E026", "a dataset has no fides_key", res.file,
                                          res.line, "give each dataset its id"))
            return
        if not self.valid_id(key, "dataset", res.file, res.key_line("fides_key")):
            return
        if key in self.dataset_stores:
            self.errors.append(InputError("PLG-E009", f"dataset '{key}' is declared twice",
                                          res.file, res.line, "keep one"))
            return
        owner = owners.get(key)
        if owner not in self.systems:
            owner = key
            if key in self.systems:
                self.errors.append(InputError("PLG-E009", f"dataset '{key}' is held by no "
                                              "system, and a system has its id", res.file,
                                              res.line, "reference it from a declaration"))
                return
            self.systems[key] = {"id": key, "name": str(data.get("name") or key),
                                 "type": "internal", "role": "database",
                                 "country": self.country}
            self.index.add("system", key, res.file, res.line, data.key_lines)
            self.note(res, f"dataset '{key}' is referenced by no system's declaration; imported "
                           "as a database system of its own")
        self.unused("dataset", key, data, (res.file, res.line), USED["dataset"])
        retention = self._retention(data, res.file, res.line, f"dataset '{key}'")
        top = self.known("data_categories", listed(data.get("data_categories")), res.file,
                         res.key_line("data_categories"))
        self.dataset_stores[key] = []
        for collection in listed(data.get("collections")):
            if not isinstance(collection, dict) or not collection.get("name"):
                self.errors.append(InputError("PLG-E026", f"dataset '{key}': a collection has "
                                              "no name", res.file, res.line, "name it"))
                continue
            self._collection(key, owner, collection, top, retention, res.file,
                             res.key_line("data_categories"))

    def _retention(self, data: dict[str, Any], file: str, line: int | None, what: str,
                   ) -> str | None:
        text = data.get("retention")
        if not text:
            return None
        duration = parse_retention(text)
        if duration is None:
            self.note((file, line), f"{what}: retention '{text}' states no duration; left "
                                    "undeclared")
        return duration

    def _collection(self, dataset: str, owner: str, collection: dict[str, Any],
                    top: list[str], dataset_retention: str | None, file: str,
                    top_line: int | None) -> None:
        name = str(collection["name"])
        store_id = f"{dataset}.{name}"
        line = getattr(collection, "line", None)
        if not self.valid_id(store_id, "collection", file, line):
            return
        if store_id in self.stores or store_id in self.systems:
            self.errors.append(InputError("PLG-E009", f"collection '{name}' of dataset "
                                          f"'{dataset}' is declared twice", file, line,
                                          "keep one"))
            return
        store: dict[str, Any] = {"id": store_id, "name": name, "system": owner}
        if collection.get("description"):
            store["description"] = str(collection["description"])
        store["retention"] = self._retention(collection, file, line,
                                             f"collection '{store_id}'") or dataset_retention
        fields: list[dict[str, Any]] = []
        for category in top:
            fields.append({"name": DATASET_FIELD, "category": category})
        if top:
            self.index.add("field", f"{store_id}.{DATASET_FIELD}", file, top_line)
        whole_line = getattr(collection, "key_lines", {}).get("data_categories", line)
        for category in self.known("data_categories",
                                   listed(collection.get("data_categories")), file, whole_line):
            fields.append({"name": COLLECTION_FIELD, "category": category})
            self.index.add("field", f"{store_id}.{COLLECTION_FIELD}", file, whole_line)
        self.unused("collection", store_id, collection, (file, line), USED["collection"])
        self._fields(store_id, "", listed(collection.get("fields")), fields, file, line)
        store["fields"] = fields
        store["_at"] = (file, line, getattr(collection, "key_lines", None))
        self.stores[store_id] = store
        self.dataset_stores[dataset].append(store_id)

    def _fields(self, store_id: str, prefix: str, items: list[Any], out: list[dict[str, Any]],
                file: str, line: int | None) -> None:
        for item in items:
            if not isinstance(item, dict) or not item.get("name"):
                self.errors.append(InputError("PLG-E026", f"collection '{store_id}': a field "
                                              "has no name", file,
                                              getattr(item, "line", None) or line, "name it"))
                continue
            name = f"{prefix}{item['name']}"
            at = getattr(item, "line", None) or line
            cats = self.known("data_categories", listed(item.get("data_categories")), file, at)
            retention = self._retention(item, file, at, f"field '{store_id}.{name}'")
            children = listed(item.get("fields"))
            if not cats and not children and not listed(item.get("data_categories")):
                self.note((file, at), f"field '{store_id}.{name}' has no data category; not "
                                      "imported (every inventory field has one)")
            for category in cats:
                entry: dict[str, Any] = {"name": name, "category": category}
                if retention:
                    entry["retention"] = retention
                out.append(entry)
            if cats:
                self.index.add("field", f"{store_id}.{name}", file, at,
                               getattr(item, "key_lines", None))
            meta = item.get("fides_meta")
            if isinstance(meta, dict) and meta.get("references"):
                self.note((file, at), f"field '{store_id}.{name}': fides_meta.references (a "
                                      "key into another collection) not imported")
            self.unused("field", f"{store_id}.{name}", item, (file, at),
                        USED["field"])
            self._fields(store_id, f"{name}.", children, out, file, at)
