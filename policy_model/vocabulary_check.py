"""Check every vocabulary id in a validated model against the vocabularies, with lines."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from pledge.policy_model.errors import InputError
from pledge.policy_model.types import VocabRef, annotated_refs
from pledge.policy_model.validation_errors import _candidates
from pledge.policy_model.vocabulary import Vocabularies
from pledge.policy_model.yaml_source import Located

_PLANS: dict[type[BaseModel], list[tuple[str, str, str | None]]] = {}


def _plan(cls: type[BaseModel]) -> list[tuple[str, str, str | None]]:
    """For each field: ('vocab', vocabulary) or ('model', None), computed once per class."""
    plan = _PLANS.get(cls)
    if plan is not None:
        return plan
    plan = []
    for name, info in cls.model_fields.items():
        refs = [m for m in info.metadata if isinstance(m, VocabRef)]
        if not refs:
            refs = annotated_refs(info.annotation)
        if refs:
            plan.append((name, "vocab", refs[0].vocabulary))
        elif any(isinstance(c, type) and issubclass(c, BaseModel)
                 for c in _candidates(info.annotation)):
            plan.append((name, "model", None))
    _PLANS[cls] = plan
    return plan


def vocabulary_errors(obj: BaseModel, raw: Any, path: str, vocab: Vocabularies,
                      where: str = "") -> list[InputError]:
    """Every unknown vocabulary id in ``obj``, with the line it stands on in ``raw``.

    The located walk: on an inventory it runs only once the column-wise scan
    (:func:`~pledge.policy_model.model_scan.scan`, the fast yes/no over every id)
    has found an unknown id; a policy is small enough to walk directly.
    """
    errors: list[InputError] = []
    _visit(obj, raw, path, vocab, where, errors)
    return errors


def _visit(obj: BaseModel, raw: Any, path: str, vocab: Vocabularies, where: str,
           errors: list[InputError]) -> None:
    raw_map = raw if isinstance(raw, dict) else {}
    for name, action, vocabulary in _plan(type(obj)):
        value = getattr(obj, name)
        if value is None:
            continue
        here = f"{where}.{name}" if where else name
        if action == "vocab":
            voc = vocab.get(vocabulary)  # type: ignore[arg-type]
            items = value if isinstance(value, list) else [value]
            for item in items:
                if item not in voc:
                    line = raw_map.key_lines.get(name) if isinstance(raw_map, Located) else None
                    line = line or getattr(raw, "line", None)
                    errors.append(InputError(
                        "PLG-E007", f"unknown {voc.label} '{item}' at {here}", path, line,
                        voc.unknown_hint(item)))
            continue
        raw_child = raw_map.get(name)
        if isinstance(value, BaseModel):
            _visit(value, raw_child, path, vocab, here, errors)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    sub = raw_child[i] if isinstance(raw_child, list) and i < len(
                        raw_child) else None
                    ident = getattr(item, "id", None) or getattr(item, "name", None)
                    label = f"{here}[{i}]" + (f"({ident})" if isinstance(ident, str) else "")
                    _visit(item, sub, path, vocab, label, errors)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    _visit(item, raw_child.get(key) if isinstance(raw_child, dict) else None,
                           path, vocab, f"{here}.{key}", errors)
