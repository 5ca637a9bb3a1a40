"""pledge check / diff / import with a Terraform plan, run as a user runs them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from pledge.policy_model.inventory import InventoryFragment
from tests.conftest import AS_OF, EXAMPLES, INVENTORY, ROOT, run_inprocess, run_pledge

PLAN = INVENTORY / "infra" / "plan.json"
PLANS = ROOT / "tests" / "data" / "tfplans"


def _plan_copy(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """The MAROSOAP infrastructure (with its .tf files) and a plan changed by ``edit``."""
    infra = tmp_path / "infra"
    shutil.copytree(INVENTORY / "infra", infra)
    plan = json.loads((infra / "plan.json").read_text(encoding="utf-8"))
    edit(plan)
    (infra / "plan.json").write_text(json.dumps(plan, indent=2), encoding="utf-8")
    return infra / "plan.json"


def _change(plan: dict[str, Any], address: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c["change"] for c in plan["resource_changes"]
                                 if c["address"] == address)
    return found


def _update(plan: dict[str, Any], address: str, **values: Any) -> None:
    change = _change(plan, address)
    change["after"] = {**change["after"], **values}
    change["actions"] = ["update"]


def _json_report(*args: str | Path) -> tuple[int, dict[str, Any], str]:
    run = run_inprocess("check", *args, "--as-of", AS_OF, "--format", "json")
    return run.code, json.loads(run.out) if run.out else {}, run.err


def test_marosoap_infrastructure_plan_passes() -> None:
    run = run_pledge("check", "--terraform", PLAN, "--as-of", AS_OF)  # a real process
    assert run.code == 0, run.out + run.err
    assert "PASS: 29 commitments" in run.out
    assert "2 resources of 2 types without fact rules ignored" in run.out
    assert "unverified: analytics_export (exposure, deletion_protection)" in run.out


def test_log_group_of_ip_addresses_kept_ten_years_fails_retention_at_the_resource() -> None:
    example = EXAMPLES / "RET-001-web-logs-kept-ten-years"
    code, report, _ = _json_report(example, "--terraform", example / "infra" / "plan.json")
    assert code == 1
    failing = [f for f in report["findings"] if f["status"] == "fail"]
    assert {f["commitment"] for f in failing} == {"RET-001"}
    ip = next(f for f in failing if f["subject"]["id"] == "web_logs.client_ip")
    assert "aws_cloudwatch_log_group.web_logs plans retention P3650D" in ip["message"]
    assert ip["evidence"]["terraform"]["resource"] == "aws_cloudwatch_log_group.web_logs"
    assert ip["location"]["file"].endswith("infra/main.tf")
    source = (example / "infra" / "main.tf").read_text(encoding="utf-8").splitlines()
    assert source[ip["location"]["line"] - 1] == (
        'resource "aws_cloudwatch_log_group" "web_logs" {')


def test_invoices_bucket_made_public_fails_access_control_in_sarif_at_the_tf_file() -> None:
    example = EXAMPLES / "SEC-003-invoices-bucket-public"
    run = run_inprocess("check", example, "--terraform", example / "infra" / "plan.json",
                     "--as-of", AS_OF, "--format", "sarif")
    assert run.code == 1, run.err
    results = json.loads(run.out)["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["SEC-003"]
    where = results[0]["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"].endswith("SEC-003-invoices-bucket-public/infra/"
                                                     "main.tf")
    source = (example / "infra" / "main.tf").read_text(encoding="utf-8").splitlines()
    assert source[where["region"]["startLine"] - 1] == 'resource "aws_s3_bucket_acl" "invoices" {'
    assert "aws_s3_bucket_acl.invoices plans exposure public" in results[0]["message"]["text"]


def test_a_new_unmapped_bucket_is_an_undeclared_store(tmp_path: Path) -> None:
    def add_bucket(plan: dict[str, Any]) -> None:
        values = {"bucket": "marosoap-exports", "acl": "private", "tags": {"team": "data"},
                  "region": "eu-west-3", "lifecycle_rule": [],
                  "server_side_encryption_configuration": []}
        plan["resource_changes"].append({
            "address": "aws_s3_bucket.exports", "mode": "managed", "type": "aws_s3_bucket",
            "name": "exports", "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": ["create"], "before": None, "after": values,
                       "after_unknown": {"arn": True, "id": True}}})

    plan = _plan_copy(tmp_path, add_bucket)
    code, report, _ = _json_report("--terraform", plan)
    assert code == 1
    failing = [f for f in report["findings"] if f["status"] == "fail"]
    assert [(f["commitment"], f["subject"]) for f in failing] == [
        ("inventory", {"type": "resource", "id": "aws_s3_bucket.exports"})]
    assert "maps to no inventory store" in failing[0]["message"]
    assert failing[0]["location"]["file"].endswith("plan.json")  # not in main.tf
    run = run_inprocess("diff", "--terraform", plan, "--as-of", AS_OF)
    assert run.code == 1
    assert "new data store: aws_s3_bucket.exports (no inventory store)" in run.out


def test_a_plan_changing_nothing_relevant_passes_and_diff_says_so() -> None:
    run = run_inprocess("diff", "--terraform", PLAN, "--as-of", AS_OF)
    assert run.code == 0, run.err
    assert "No change in the plan matters for personal data." in run.out
    assert "PASS: the plan breaks no commitment" in run.out


@pytest.mark.parametrize(("example", "change", "commitment"), [
    ("RET-001-web-logs-kept-ten-years",
     "retention lengthened: aws_cloudwatch_log_group.web_logs (store web_logs): P90D -> P3650D",
     "RET-001"),
    ("SEC-003-invoices-bucket-public",
     "made more exposed: aws_s3_bucket_acl.invoices (store invoices): private -> public",
     "SEC-003"),
    ("SEC-003-orders-db-unencrypted",
     "encryption at rest removed: module.order_db.aws_db_instance.this (store order_db)",
     "SEC-003"),
])
def test_diff_lists_the_change_and_the_commitment_it_breaks(example: str, change: str,
                                                           commitment: str) -> None:
    root = EXAMPLES / example
    run = run_inprocess("diff", "--terraform", root / "infra" / "plan.json", root, "--as-of", AS_OF)
    assert run.code == 1, run.err
    assert change in run.out
    assert f"FAIL: the plan newly breaks {commitment} " in run.out


def test_diff_reports_moved_region_and_lost_deletion_protection(tmp_path: Path) -> None:
    def move(plan: dict[str, Any]) -> None:
        _update(plan, "module.customer_db.aws_db_instance.this", availability_zone="us-east-1a",
                deletion_protection=False)
        plan["configuration"]["provider_config"]["aws"]["expressions"]["region"] = {
            "constant_value": "us-east-1"}

    plan = _plan_copy(tmp_path, move)
    run = run_inprocess("diff", "--terraform", plan, "--as-of", AS_OF, "--format", "json")
    assert run.code == 0, run.err  # no MAROSOAP commitment is about location or protection
    changes = {(c["change"], c["before"], c["after"])
               for c in json.loads(run.out)["changes"]}
    assert changes == {("moved-region", "eu-west-3", "us-east-1"),
                       ("deletion-protection-removed", True, False)}
    check = run_inprocess("check", "--terraform", plan, "--as-of", AS_OF)
    assert "plans country US for store 'customer_db', which the inventory declares FR" in (
        check.out)


def test_import_writes_the_derived_fragment(tmp_path: Path) -> None:
    example = EXAMPLES / "RET-001-web-logs-kept-ten-years"
    out = tmp_path / "fragment.yaml"
    run = run_inprocess("import", "terraform", example / "infra" / "plan.json", example,
                     "-o", out)
    assert run.code == 0, run.err
    text = out.read_text(encoding="utf-8")
    fragment = InventoryFragment.model_validate(yaml.safe_load(text))
    stores = {s.id: s for s in fragment.stores}
    assert sorted(stores) == ["analytics_export", "customer_db", "invoices", "order_db",
                              "web_logs"]
    assert stores["web_logs"].retention == "P3650D"
    assert {f.retention for f in stores["web_logs"].fields} == {None}
    assert (stores["order_db"].region, stores["order_db"].country,
            stores["order_db"].deletion_protection) == ("eu-west-3", "FR", True)
    assert "# web_logs: from aws_cloudwatch_log_group.web_logs" in text
    again = run_inprocess("import", "terraform", example / "infra" / "plan.json", example)
    assert again.out == text  # deterministic


@pytest.mark.parametrize(("content", "expected"), [
    ("{", "PLG-E002"),
    ('{"format_version": "2.0", "resource_changes": []}', "newer than pledge reads"),
    ('{"values": {}}', "not the JSON of `terraform show -json`"),
    ('{"format_version": "1.0", "values": {}}', "looks like state, not a plan"),
])
def test_what_is_not_a_plan_is_refused_in_one_line(tmp_path: Path, content: str,
                                                   expected: str) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(content, encoding="utf-8")
    run = run_inprocess("check", "--terraform", plan)
    assert run.code == 2
    assert expected in run.err and run.err.count("\n") == 1 and "Traceback" not in run.err


def test_a_tag_naming_an_unknown_store_suggests_the_nearest(tmp_path: Path) -> None:
    plan = _plan_copy(tmp_path, lambda p: _update(p, "aws_s3_bucket.invoices",
                                                  tags={"pledge-store": "invoice"}))
    run = run_inprocess("check", "--terraform", plan)
    assert run.code == 2
    assert "PLG-E008" in run.err and "did you mean invoices?" in run.err
    assert "main.tf:" in run.err  # the resource's block in the source


def test_the_mapping_file_validates_and_is_exported_as_a_schema(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    shutil.copytree(INVENTORY / "infra", infra)
    (infra / "terraform-mapping.yaml").write_text(
        "resources:\n  - adress: aws_sqs_queue.analytics_export\n    store: analytics_export\n",
        encoding="utf-8")
    run = run_inprocess("check", "--terraform", infra / "plan.json")
    assert run.code == 2 and "PLG-E004" in run.err and "terraform-mapping.yaml:2" in run.err
    (infra / "terraform-mapping.yaml").write_text(
        "ignore:\n  - address: aws_sqs_queue.*\n    reason: carries no personal data\n",
        encoding="utf-8")
    run = run_inprocess("check", "--terraform", infra / "plan.json", "--as-of", AS_OF)
    assert run.code == 0, run.out
    assert "aws_sqs_queue.analytics_export holds no personal data per the mapping file" in run.out
    schema = json.loads(run_inprocess("schema", "terraform-mapping").out)
    assert schema["$id"] == "urn:pledge:schema:terraform-mapping:1"
    assert set(schema["properties"]) == {"resources", "ignore"}


def test_real_plans_name_every_data_store_as_undeclared() -> None:
    code, report, _ = _json_report("--terraform", PLANS / "checkov-acme-aws.json")
    assert code == 1
    undeclared = sorted(f["subject"]["id"] for f in report["findings"]
                        if f["kind"] == "undeclared-store")
    assert undeclared == ["aws_db_instance.default",
                          "aws_elasticsearch_domain.monitoring-framework", "aws_s3_bucket.data",
                          "aws_s3_bucket.data_science", "aws_s3_bucket.financials",
                          "aws_s3_bucket.flowbucket", "aws_s3_bucket.logs",
                          "aws_s3_bucket.operations"]
    inputs = {i["role"] for i in report["inputs"]}
    assert "terraform-plan" in inputs


def test_undeclared_stores_fail_in_junit_too() -> None:
    run = run_inprocess("check", "--terraform", PLANS / "policyengine-s3-acl-update.json",
                        "--as-of", AS_OF, "-f", "junit")
    assert run.code == 1
    suite = run.out.split('<testsuite name="inventory (not a commitment)"')[1]
    assert 'failures="3"' in suite.split(">", 1)[0]
    assert suite.count("<failure") == 3 and "aws_s3_bucket.update_bucket" in suite
