"""The Cookie House shop checked against the MAROSOAP policy: its mislabelled card column.

`payment_card.ccn` holds card numbers (its name says so) but Fides labels it
`user.financial.bank_account`. The label lint reads field names against the
shared label rules (policy_model/rules/labels.yaml), so the card-data
commitments flag it as a probable card number despite its label.
"""

from __future__ import annotations

import functools
import json

from tests.conftest import AS_OF, POLICY, ROOT, run_pledge

COOKIE_HOUSE = ROOT / "tests" / "data" / "fides" / "cookie_house"
CCN = "postgres_example_test_dataset.payment_card.ccn"


@functools.cache
def _check() -> dict:  # type: ignore[type-arg]
    run = run_pledge("check", "--from", "fides", COOKIE_HOUSE, "--policy", POLICY,
                     "--as-of", AS_OF, "-f", "json")
    assert run.code == 1, run.err  # the shop keeps few of MAROSOAP's promises
    return json.loads(run.out)  # type: ignore[no-any-return]


def test_the_imported_shop_runs_against_marosoap() -> None:
    report = _check()
    assert report["summary"]["commitments"] == 29
    assert not [f for f in report["findings"] if f["status"] == "error"]
    # the rows without a retention are found in the imported stores, located in the manifests
    retention = [f for f in report["findings"] if f["commitment"] == "RET-001"
                 and f["subject"]["id"] == CCN]
    assert retention and retention[0]["location"]["file"].endswith(
        "postgres_example_test_dataset.yml")


def test_the_card_number_labelled_a_bank_account_is_flagged() -> None:
    flagged = [f for f in _check()["findings"] if f["subject"]["id"] == CCN
               and f["status"] != "pass" and "card number" in f["message"].lower()]
    assert flagged, "payment_card.ccn is not flagged as a probable card number"
