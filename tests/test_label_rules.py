"""The shared label rules: name normalisation, matching, user files, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pledge.policy_model.errors import InputErrors
from pledge.policy_model.label_rules import BUNDLED_RULES, LabelRules, normalise_name
from pledge.policy_model.vocabulary import default_vocabularies


@pytest.fixture(scope="module")
def rules() -> LabelRules:
    return LabelRules.load()


def rule_ids(rules: LabelRules, name: str, type_name: str | None = None) -> list[str]:
    return [m.rule_id for m in rules.match_name(name, type_name)]


@pytest.mark.parametrize(("raw", "normalised"), [
    ("cardNumber", "card number"),
    ("CCNumber", "cc number"),
    ("card_last4", "card last 4"),
    ("Card-PAN.v2/old", "card pan v 2 old"),
    ("  numéro__de   carte ", "numero de carte"),
    ("GEBURTSDATUM", "geburtsdatum"),
    ("fechaDeNacimiento", "fecha de nacimiento"),
    ("IPv4Address", "i pv 4 address"),
    ("address2", "address 2"),
    ("", ""),
])
def test_normalise_name_examples(raw: str, normalised: str) -> None:
    assert normalise_name(raw) == normalised


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=40))
def test_normalise_name_is_idempotent_and_plain(name: str) -> None:
    once = normalise_name(name)
    assert normalise_name(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert not any(c in once for c in "_-./")
    assert all(c.isalnum() or c == " " for c in once)
    assert once == once.lower()


@pytest.mark.parametrize(("name", "rule"), [
    # English
    ("card_number", "card-number"), ("ccNumber", "card-number"), ("pan", "card-number"),
    ("date_of_birth", "birth-date"), ("email_address", "email"), ("phone", "phone"),
    ("cvv2", "cvv"), ("iban", "iban"), ("client_ip", "ip-address"),
    ("stripe_payment_method", "card-token"), ("card_last4", "card-last-four"),
    ("surname", "last-name"), ("ssn", "national-id"),
    # French
    ("numero_carte", "card-number"), ("numéro_de_carte", "card-number"),
    ("date_de_naissance", "birth-date"), ("courriel", "email"), ("prénom", "first-name"),
    ("numero_de_telephone", "phone"), ("compte_bancaire", "iban"),
    # German
    ("Kartennummer", "card-number"), ("Geburtsdatum", "birth-date"), ("Vorname", "first-name"),
    ("Telefonnummer", "phone"), ("Postleitzahl", "postal-code"), ("Passwort", "password"),
    # Spanish
    ("numero_tarjeta", "card-number"), ("fecha_de_nacimiento", "birth-date"),
    ("correo_electronico", "email"), ("apellidos", "last-name"), ("teléfono", "phone"),
    # Arabic transliterations
    ("raqm_al_bitaqa", "card-number"), ("tarikh_al_milad", "birth-date"),
    ("raqm_al_hatif", "phone"), ("al_unwan", "street-address"), ("jawaz_al_safar", "passport"),
])
def test_each_language_matches(rules: LabelRules, name: str, rule: str) -> None:
    assert rule in rule_ids(rules, name)


@pytest.mark.parametrize("name", ["company", "span", "japan", "pancake", "cardinal",
                                  "panel_id", "expand"])
def test_patterns_match_whole_words_only(rules: LabelRules, name: str) -> None:
    assert "card-number" not in rule_ids(rules, name)


@pytest.mark.parametrize(("name", "base"), [
    ("card_number_last4", "card_number"), ("cc_num_last_four", "cc_num"),
    ("card_number_token", "card_number"), ("pan_hash", "pan"), ("masked_pan", "pan"),
    ("pan_hashed", "pan"), ("card_number_brand", "card_number"), ("ccn_expiry", "ccn"),
    ("pan_bin", "pan"), ("creditcard_id", "creditcard"), ("card_holder_name", "credit_card"),
])
def test_unless_words_veto_a_card_number(rules: LabelRules, name: str, base: str) -> None:
    assert "card-number" in rule_ids(rules, base)  # without the unless word it would match
    assert "card-number" not in rule_ids(rules, name)


def test_unless_leaves_the_right_rule(rules: LabelRules) -> None:
    assert rule_ids(rules, "card_last4") == ["card-last-four"]
    assert rule_ids(rules, "card_token") == ["card-token"]
    assert rule_ids(rules, "card_brand") == ["card-brand"]


def test_types_restrict_a_rule(rules: LabelRules) -> None:
    assert "email" in rule_ids(rules, "email", "VARCHAR(255)")
    assert "email" in rule_ids(rules, "email", "character varying(100)")
    assert "email" in rule_ids(rules, "email")  # no type known: every rule fits
    assert "email" not in rule_ids(rules, "email", "boolean")
    assert "card-number" in rule_ids(rules, "ccn", "BIGINT")
    assert "card-number" not in rule_ids(rules, "ccn", "timestamp")


def test_match_reason_names_rule_and_pattern(rules: LabelRules) -> None:
    [match] = rules.match_name("cc_number")
    assert match.category == "user.financial.credit_card.number"
    assert match.reason == "named like card number (rule card-number matches 'cc number')"
    assert match.pattern == "cc number"


def test_column_in_a_table_reads_the_table_name_as_context(rules: LabelRules) -> None:
    [code] = rules.match_column("payment_card", "code", "smallint")
    assert code.rule_id == "cvv"
    assert "payment_card.code" in code.reason
    assert rules.match_column("payment_card", "preferred", "boolean") == []
    assert rules.match_column("product", "name", "varchar") == []  # unless_tables
    assert [m.rule_id for m in rules.match_column("customer", "name", "varchar")] == [
        "full-name"]


def test_every_bundled_rule_matches_its_own_names(rules: LabelRules) -> None:
    vocabulary = default_vocabularies().data_categories
    for rule in rules.rules:
        assert rule.category in vocabulary
        for name in rule.names:
            matched = rule_ids(rules, name)
            assert rule.id in matched, (rule.id, name, matched)


def write(tmp_path: Path, text: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_user_file_adds_and_overrides_rules(tmp_path: Path) -> None:
    extra = write(tmp_path, """\
version: 1
rules:
  - id: loyalty-card
    category: user.unique_id
    names: ["loyalty card", "carte fidelite"]
  - id: card-number
    category: user.financial.credit_card.number
    names: ["kk nummer"]
""")
    rules = LabelRules.load([extra])
    assert rule_ids(rules, "carteFidélité") == ["loyalty-card"]
    assert rule_ids(rules, "kk_nummer") == ["card-number"]
    assert "card-number" not in rule_ids(rules, "card_number")  # replaced, not merged
    assert rules.get("card-number").source == f"{extra}:6"
    later = write(tmp_path, "version: 1\nrules:\n  - id: loyalty-card\n"
                  "    category: user.unique_id\n    names: [bonus card]\n", "later.yaml")
    rules = LabelRules.load([extra, later])
    assert rule_ids(rules, "bonus_card") == ["loyalty-card"]
    assert rule_ids(rules, "loyalty_card") == []


@pytest.mark.parametrize(("text", "expected"), [
    ("version: 1\nrules:\n  - id: x\n    category: user.financial.credit_crad.number\n"
     "    names: [x]\n",
     "rules.yaml:4: PLG-E007 unknown data category 'user.financial.credit_crad.number' in "
     "label rule (did you mean user.financial.credit_card.number?)"),
    ("version: 1\nrules:\n  - id: x\n    category: user.contact.email\n    names: [x]\n"
     "    unles: [y]\n",
     "rules.yaml:6: PLG-E004 unknown key 'unles' in a label rule (did you mean 'unless'?)"),
    ("version: 1\nrules:\n  - id: x\n    category: user.contact.email\n",
     "rules.yaml:3: PLG-E005 a label rule needs 'names'"),
    ("version: 1\nrules:\n  - id: x\n    category: user.contact.email\n    names: x\n",
     "rules.yaml:5: PLG-E006 'names' must be a list of text"),
    ("version: 1\nrules:\n  - {id: x, category: user.contact.email, names: [a]}\n"
     "  - {id: x, category: user.contact.email, names: [b]}\n",
     "rules.yaml:4: PLG-E009 label rule id 'x' repeats (first at line 3)"),
    ("version: 2\nrules: []\n", "rules.yaml:1: PLG-E006 label rules 'version' must be 1"),
    ("version: 1\nrulez: []\n", "rules.yaml:2: PLG-E004 unknown key 'rulez' in a label rules "
     "file (did you mean 'rules'?)"),
    ("- just a list\n", "rules.yaml:1: PLG-E017 a label rules file is a mapping"),
    ("version: 1\nrules: [\n", "rules.yaml:"),
])
def test_bad_files_are_located_one_line_errors(tmp_path: Path, text: str,
                                               expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputErrors) as caught:
        LabelRules.load([path])
    rendered = [e.render() for e in caught.value.errors]
    assert all("\n" not in line for line in rendered)
    assert any(line.startswith(f"{tmp_path}/{expected}") for line in rendered), rendered


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputErrors) as caught:
        LabelRules.load([tmp_path / "nope.yaml"])
    assert caught.value.errors[0].code == "PLG-E001"


def test_bundled_file_is_package_data() -> None:
    assert BUNDLED_RULES.name == "labels.yaml"
    assert BUNDLED_RULES.is_file()
