"""Label rules: which field or column names suggest which data category.

One rule set, kept as data (``rules/labels.yaml``, extensible by user files),
serves the label lint on declared inventories and database discovery. A rule
names a vocabulary category and the name patterns that suggest it; a pattern
matches when its words appear as consecutive whole words of the normalised
name (:func:`normalise_name`), so ``pan`` matches ``card_pan`` but never
``company``. A rule's ``unless`` patterns veto it (a last-four column is not a
card number), its ``types`` restrict it to declared or SQL types, and its
``unless_tables`` veto it for columns of tables so named.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pledge.policy_model.errors import InputError, raise_if_any
from pledge.policy_model.vocabulary import Vocabularies, default_vocabularies
from pledge.policy_model.yaml_source import Located, load_file

BUNDLED_RULES = Path(__file__).resolve().parent / "rules" / "labels.yaml"
RULES_VERSION = 1
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_RULE_KEYS = ("id", "category", "names", "types", "unless", "unless_tables")
_TOP_KEYS = ("version", "rules")
_TYPE_ARGUMENTS = re.compile(r"\(.*?\)")


def _is_upper(char: str) -> bool:
    return char.isupper() and char.lower() != char


def _split_camel(text: str) -> str:
    """Put a space at camelCase humps and between letter and digit runs."""
    out: list[str] = []
    for i, char in enumerate(text):
        if i:
            prev = text[i - 1]
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if (
                (prev.islower() and _is_upper(char))
                or (_is_upper(prev) and _is_upper(char) and nxt.islower())
                or (prev.isalpha() and char.isdigit())
                or (prev.isdigit() and char.isalpha())
            ):
                out.append(" ")
        out.append(char)
    return "".join(out)


def _strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


def normalise_name(name: str) -> str:
    """A name as label rules see it: ``"cardNumber_2"`` becomes ``"card number 2"``.

    camelCase humps and letter/digit boundaries become spaces, accents are
    stripped (NFKD), the text is lower-cased, every character that is not a
    letter or digit (``_ - . /`` and the rest) becomes a space, and runs of
    spaces collapse to one. The result is idempotent.
    """
    text = _split_camel(_strip_marks(name))
    text = _strip_marks(text.lower())
    cleaned = "".join(c if c.isalnum() else " " for c in text)
    return " ".join(_split_camel(cleaned).split())


@functools.lru_cache(maxsize=16384)
def _words(text: str) -> tuple[str, ...]:
    """The words of a normalised name (cached: rule patterns are matched again and again)."""
    return tuple(normalise_name(text).split())


def _find(pattern: tuple[str, ...], words: tuple[str, ...]) -> int:
    """Index where ``pattern`` occurs as consecutive words of ``words``, or -1."""
    size = len(pattern)
    for start in range(len(words) - size + 1):
        if words[start:start + size] == pattern:
            return start
    return -1


def type_words(type_name: str) -> tuple[str, ...]:
    """A declared or SQL type as words: ``VARCHAR(255)`` is ``("varchar",)``."""
    return _words(_TYPE_ARGUMENTS.sub(" ", type_name))


@dataclass(frozen=True)
class LabelRule:
    """One rule: names (and optionally types) that suggest a data category."""

    id: str
    category: str
    names: tuple[str, ...]
    types: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    unless_tables: tuple[str, ...] = ()
    source: str = ""
    """Where the rule was read (``file:line``), for messages."""

    def fits_type(self, type_name: str | None) -> bool:
        """True when the rule has no types, no type is known, or the type is one of them."""
        if not self.types or not type_name:
            return True
        words = type_words(type_name)
        return any(_find(_words(t), words) >= 0 for t in self.types)

    def matching_name(self, words: tuple[str, ...]) -> str | None:
        """The longest of the rule's name patterns found in ``words`` (None when none)."""
        found = [p for p in self.names if _find(_words(p), words) >= 0]
        return max(found, key=lambda p: len(_words(p))) if found else None

    def vetoed(self, words: tuple[str, ...]) -> bool:
        """True when one of the ``unless`` patterns occurs in ``words``."""
        return any(_find(_words(p), words) >= 0 for p in self.unless)

    def vetoed_by_table(self, table: str) -> bool:
        """True when the table's name holds one of the ``unless_tables`` patterns."""
        words = _words(table)
        return any(_find(_words(p), words) >= 0 for p in self.unless_tables)


@dataclass(frozen=True)
class NameMatch:
    """A rule a name matched: the category it suggests and why."""

    rule_id: str
    category: str
    reason: str
    pattern: str = ""
    """The rule's name pattern that matched."""


def _reason(rule: LabelRule, pattern: str) -> str:
    return f"named like {rule.id.replace('-', ' ')} (rule {rule.id} matches '{pattern}')"


class LabelRules:
    """The bundled label rules plus any user files, in order (a later id replaces)."""

    def __init__(self, rules: Sequence[LabelRule]) -> None:
        self._rules = tuple(sorted(rules, key=lambda r: r.id))
        self._by_id = {r.id: r for r in self._rules}

    @classmethod
    def load(cls, extra: Sequence[Path] = (), *,
             vocabulary: Vocabularies | None = None) -> LabelRules:
        """The bundled rules, then each user file in order; a user rule with a known id replaces it.

        A bad file (not YAML, unknown keys, a missing or mistyped value, an unknown
        category, a repeated id) raises located :class:`InputError`s, all at once.
        """
        vocab = vocabulary or default_vocabularies()
        rules: dict[str, LabelRule] = {}
        for path in (BUNDLED_RULES, *extra):
            for rule in _read_rules(Path(path), vocab):
                rules[rule.id] = rule
        return cls(list(rules.values()))

    @property
    def rules(self) -> tuple[LabelRule, ...]:
        """Every rule, sorted by id."""
        return self._rules

    def get(self, rule_id: str) -> LabelRule | None:
        """The rule with that id, if any."""
        return self._by_id.get(rule_id)

    def match_name(self, name: str, type_name: str | None = None) -> list[NameMatch]:
        """Every rule whose names match ``name`` and whose ``unless`` words do not; by rule id."""
        words = _words(name)
        found = []
        for rule in self._rules:
            pattern = rule.matching_name(words)
            if pattern is None or rule.vetoed(words) or not rule.fits_type(type_name):
                continue
            found.append(NameMatch(rule.id, rule.category, _reason(rule, pattern), pattern))
        return found

    def match_column(self, table: str, column: str,
                     type_name: str | None = None) -> list[NameMatch]:
        """Rules matching a database column, its table's name taken as context.

        The column's own name is matched first (a rule vetoed by its table's name
        in ``unless_tables`` is dropped). When nothing matches, the table and
        column names read together may: ``payment_card.code`` is a card code. Only
        a pattern that spans into the column's name counts, so a table called
        ``payment_card`` does not make every column in it a card number.
        """
        own = [m for m in self.match_name(column, type_name)
               if not self._by_id[m.rule_id].vetoed_by_table(table)]
        if own:
            return own
        table_words, column_words = _words(table), _words(column)
        words = table_words + column_words
        found = []
        for rule in self._rules:
            if rule.vetoed(column_words) or not rule.fits_type(type_name):
                continue
            for pattern in rule.names:
                pattern_words = _words(pattern)
                start = _find(pattern_words, words)
                if start < 0 or start >= len(table_words):
                    continue
                if start + len(pattern_words) > len(table_words):  # spans into the column
                    reason = _reason(rule, pattern) + f" in '{table}.{column}'"
                    found.append(NameMatch(rule.id, rule.category, reason, pattern))
                    break
        return found


def _read_rules(path: Path, vocab: Vocabularies) -> list[LabelRule]:
    """The rules of one file, checked; every problem found is raised together."""
    shown = str(path)
    if not path.is_file():
        raise_if_any([InputError("PLG-E001", f"label rules file '{shown}' does not exist",
                                 None, None, "check the path given to --label-rules")])
    try:
        data, _ = load_file(path)
    except InputError as error:  # one parse error: raised like the rest, as InputErrors
        raise_if_any([error])
    errors: list[InputError] = []
    if not isinstance(data, dict):
        raise_if_any([InputError("PLG-E017", "a label rules file is a mapping with "
                                 "'version' and 'rules'", shown, 1,
                                 "start the file with 'version: 1' and 'rules:'")])
    top_line = getattr(data, "line", 1) or 1
    _unknown_keys(data, _TOP_KEYS, "label rules file", shown, errors)
    if data.get("version") != RULES_VERSION:
        errors.append(InputError("PLG-E006", f"label rules 'version' must be {RULES_VERSION}",
                                 shown, _line(data, "version", top_line),
                                 f"write 'version: {RULES_VERSION}'"))
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list):
        errors.append(InputError("PLG-E005" if raw_rules is None else "PLG-E006",
                                 "label rules need a 'rules' list", shown,
                                 _line(data, "rules", top_line), "add 'rules:' with a list"))
        raise_if_any(errors)
    rules: list[LabelRule] = []
    first_line: dict[str, int] = {}
    for raw in raw_rules:
        rule = _read_rule(raw, shown, vocab, errors, getattr(raw_rules, "line", top_line))
        if rule is None:
            continue
        line = getattr(raw, "line", 0)
        if rule.id in first_line:
            errors.append(InputError("PLG-E009", f"label rule id '{rule.id}' repeats (first at "
                                     f"line {first_line[rule.id]})", shown, line,
                                     "give each rule a unique id"))
            continue
        first_line[rule.id] = line
        rules.append(rule)
    raise_if_any(errors)
    return rules


def _line(data: Any, key: str, default: int) -> int:
    if isinstance(data, Located):
        return data.key_lines.get(key, data.line or default)
    return default


def _unknown_keys(data: dict[str, Any], known: Sequence[str], what: str, shown: str,
                  errors: list[InputError]) -> None:
    for key in data:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(known)}"
        errors.append(InputError("PLG-E004", f"unknown key '{key}' in a {what}", shown,
                                 _line(data, key, 0), hint))


def _strings(raw: Any, key: str, shown: str, line: int, errors: list[InputError],
             *, required: bool) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None:
        if required:
            errors.append(InputError("PLG-E005", f"a label rule needs '{key}'", shown, line,
                                     f"add '{key}:' with a list of names"))
        return ()
    where = _line(raw, key, line)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(InputError("PLG-E006", f"'{key}' must be a list of text", shown, where,
                                 f'write {key}: ["…", "…"]'))
        return ()
    if required and not value:
        errors.append(InputError("PLG-E006", f"'{key}' must not be empty", shown, where,
                                 "give at least one name"))
    empty = [v for v in value if not normalise_name(v)]
    if empty:
        errors.append(InputError("PLG-E006", f"'{key}' holds a pattern with no letters or "
                                 f"digits ('{empty[0]}')", shown, where, "remove it"))
    return tuple(value)


def _read_rule(raw: Any, shown: str, vocab: Vocabularies, errors: list[InputError],
               list_line: int) -> LabelRule | None:
    line = getattr(raw, "line", list_line)
    if not isinstance(raw, dict):
        errors.append(InputError("PLG-E006", "a label rule is a mapping with id, category "
                                 "and names", shown, line, "write '- id: …' with its keys"))
        return None
    count = len(errors)
    _unknown_keys(raw, _RULE_KEYS, "label rule", shown, errors)
    rule_id = raw.get("id")
    if rule_id is None:
        errors.append(InputError("PLG-E005", "a label rule needs an 'id'", shown, line,
                                 "add 'id: my-rule'"))
    elif not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
        errors.append(InputError("PLG-E006", f"label rule id '{rule_id}' is not a lower-case "
                                 "identifier", shown, _line(raw, "id", line),
                                 "use letters, digits, '-', '_' and '.'"))
    category = raw.get("category")
    categories = vocab.data_categories
    if category is None:
        errors.append(InputError("PLG-E005", "a label rule needs a 'category'", shown, line,
                                 "add 'category: <data category id>'"))
    elif not isinstance(category, str) or category not in categories:
        errors.append(InputError("PLG-E007", f"unknown data category '{category}' in label "
                                 "rule", shown, _line(raw, "category", line),
                                 categories.unknown_hint(str(category))))
    names = _strings(raw, "names", shown, line, errors, required=True)
    types = _strings(raw, "types", shown, line, errors, required=False)
    unless = _strings(raw, "unless", shown, line, errors, required=False)
    unless_tables = _strings(raw, "unless_tables", shown, line, errors, required=False)
    if len(errors) > count or not isinstance(rule_id, str) or not isinstance(category, str):
        return None
    return LabelRule(id=rule_id, category=category, names=names, types=types, unless=unless,
                     unless_tables=unless_tables, source=f"{shown}:{line}")
