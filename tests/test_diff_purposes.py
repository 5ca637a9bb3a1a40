"""pledge diff finds the purposes a change adds or drops as comparing every use does.

The diff looks only at the purposes named by what one side holds apart from
the other (the head shares the base's unchanged models), and looks each one up
on the other side section by section: these tests hold it to the definition,
every purpose either side uses, with and without shared models, both ways.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pledge.checks.gating.diff import PurposeChange, purpose_changes, purpose_uses
from pledge.policy_model.inventory import Inventory
from pledge.policy_model.load_share import LoadShare
from pledge.policy_model.loading import load_inventory
from tests.reports.ci_support import copy_inventory, remove_flow, replace_once

NEW = "analytics.reporting.campaign_insights"  # no entity of the bundled inventory names it


def _a_store_gains_a_new_purpose(root: Path) -> None:
    replace_once(root / "stores.yaml", "purposes: [essential.service.security]",
                 f"purposes: [essential.service.security, {NEW}]")


def _only_user_of_a_purpose_drops_it(root: Path) -> None:
    replace_once(root / "systems.yaml",
                 "purposes: [essential.service.payment_processing, essential.fraud_detection]",
                 "purposes: [essential.service.payment_processing]")


def _a_field_takes_a_new_purpose(root: Path) -> None:
    replace_once(root / "stores.yaml",
                 "{name: amount, category: user.payment.transaction, retention: P18M}",
                 "{name: amount, category: user.payment.transaction, retention: P18M, "
                 f"purposes: [{NEW}]}}")


def _a_flow_removed(root: Path) -> None:
    remove_flow(root, "meta_pixel")


def _nothing(root: Path) -> None:
    return None


EDITS: list[Callable[[Path], None]] = [
    _a_store_gains_a_new_purpose, _only_user_of_a_purpose_drops_it, _a_field_takes_a_new_purpose,
    _a_flow_removed, _nothing]


def _by_definition(base: Inventory, head: Inventory) -> list[PurposeChange]:
    before, after = purpose_uses(base), purpose_uses(head)
    return ([PurposeChange(change="added", purpose=p, used_by=after[p])
             for p in sorted(set(after) - set(before))]
            + [PurposeChange(change="removed", purpose=p, used_by=before[p])
               for p in sorted(set(before) - set(after))])


@pytest.mark.parametrize("edit", EDITS, ids=lambda e: e.__name__.strip("_"))
def test_purpose_changes_are_those_of_every_use(tmp_path: Path,
                                                edit: Callable[[Path], None]) -> None:
    base_root, head_root = copy_inventory(tmp_path, "base"), copy_inventory(tmp_path, "head")
    edit(head_root)
    for first, second in ((base_root, head_root), (head_root, base_root)):
        share = LoadShare()
        base = load_inventory(first, share=share).inventory
        head = load_inventory(second, share=share).inventory
        expected = _by_definition(base, head)
        assert purpose_changes(base, head) == expected
        alone = load_inventory(first).inventory, load_inventory(second).inventory
        assert purpose_changes(*alone) == expected
    if edit is not _nothing and edit is not _a_flow_removed:
        assert expected  # the edit moves a purpose: the test sees a change
