"""automated-decisions: each activity deciding automatically is listed with what each of its
decisions shows."""

from __future__ import annotations

from pathlib import Path

from pledge.checks.findings import Status
from tests.helpers import only, run_judged


def test_each_activity_is_listed_with_each_decisions_safeguard(tmp_path: Path) -> None:
    def activity(activity_id: str, decisions: list[dict[str, object]]) -> dict[str, object]:
        return {"id": activity_id, "name": activity_id.title(), "purposes": ["essential.service"],
                "legal_basis": "contract", "data_subjects": ["buyers"],
                "categories": ["user.financial"], "systems": ["shop"],
                "automated_decisions": decisions}

    result, judged = run_judged(tmp_path, {"kind": "automated-decisions",
                                           "allow_significant": True,
                                           "require_human_review": False}, {
        "data_subjects": [{"id": "buyers", "name": "Buyers", "category": "customer"}],
        "systems": [{"id": "shop", "name": "Shop", "type": "internal", "role": "storefront",
                     "country": "MA"}],
        "processing_activities": [
            activity("scoring", [
                {"description": "credit score", "significant_effect": True,
                 "human_review": True},
                {"description": "fraud flag", "significant_effect": True},
                {"description": "product order", "significant_effect": False}]),
            activity("billing", [])]})
    assert only(result, Status.FAIL) == []
    assert [(j.subject_type, j.subject_id, j.verdict, j.reason) for j in judged] == [
        ("processing_activity", "scoring", "pass",
         "credit score: human review on request; fraud flag: significant effect; "
         "product order: no significant effect")]
    assert judged[0].line
