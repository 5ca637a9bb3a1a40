"""Store facts derived from real Terraform plans (tests/data/tfplans, provenance there)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pledge.connectors.terraform.facts import country_of, derive, rules
from pledge.connectors.terraform.mapping import Mapping, TerraformMapping
from pledge.connectors.terraform.plan import read_plan
from pledge.connectors.terraform.reading import PlanReading, read_against
from pledge.policy_model.loading import load_inventory
from tests.conftest import INVENTORY, ROOT

PLANS = ROOT / "tests" / "data" / "tfplans"
BUNDLED = load_inventory(INVENTORY).inventory


def _read(name: str) -> PlanReading:
    return read_against(read_plan(PLANS / name), BUNDLED, Mapping(TerraformMapping()))


def _facts(name: str) -> dict[str, dict[str, Any]]:
    return {r.address: r.after if r.resource.after is not None else r.before
            for r in _read(name).resources}


EXPECTED: dict[str, dict[str, dict[str, Any]]] = {
    "checkov-acme-aws.json": {
        # the privacy red flag: unencrypted, public, no backups, no deletion protection
        "aws_db_instance.default": {"encryption_at_rest": False, "exposure": "internet",
                                    "backup_retention": "P0D", "deletion_protection": False,
                                    "region": "us-west-2"},
        "aws_s3_bucket.data": {"exposure": "public", "region": "us-west-2"},
        "aws_s3_bucket.logs": {"encryption_at_rest": True, "exposure": "private",
                               "region": "us-west-2"},
        "aws_s3_bucket.financials": {"exposure": "private", "region": "us-west-2"},
    },
    "checkov-loggroups-retention0.json": {
        "aws_cloudwatch_log_group.audit": {"retention": "indefinite", "encryption_at_rest": True,
                                           "encryption_key": "aws-managed",
                                           "region": "eu-central-1"},
        "aws_cloudwatch_log_group.es_application": {"retention": "indefinite"},
    },
    "tfcompliance-rds-cluster.json": {
        # storage_encrypted is known only after apply: no encryption fact at all
        "aws_rds_cluster.db_cluster": {"backup_retention": "P1D", "deletion_protection": False,
                                       "region": "us-east-1"},
    },
    "tfcompliance-sqs.json": {
        "aws_sqs_queue.success": {"encryption_at_rest": True, "encryption_key": "key",
                                  "retention": "P4D"},
        "aws_sqs_queue.failure": {"retention": "P4D"},  # its key is known only after apply
    },
    "tfcompliance-azure-postgres.json": {
        "azurerm_postgresql_server.example": {"exposure": "internet", "backup_retention": "P7D",
                                              "region": "northeurope",
                                              "encryption_at_rest": True},
    },
    "tfcompliance-azure-storage.json": {
        "azurerm_storage_account.example": {"exposure": "public", "region": "eastus"},
        "azurerm_storage_account.private": {"exposure": "internet", "region": "eastus"},
    },
    "regula-gcs-bucket.json": {
        "google_storage_bucket.example": {"encryption_at_rest": True, "region": "US",
                                          "encryption_key": "google-managed"},
        "aws_s3_bucket.example": {"region": "us-west-2"},
    },
    "policyengine-s3-acl-update.json": {
        "aws_s3_bucket.update_bucket": {"exposure": "public", "region": "us-east-1"},
        "aws_s3_bucket.delete_bucket": {"exposure": "private", "region": "us-east-1"},
    },
}


@pytest.mark.parametrize("plan", sorted(EXPECTED), ids=str)
def test_facts_derived_per_resource(plan: str) -> None:
    found = _facts(plan)
    for address, facts in EXPECTED[plan].items():
        assert {k: found[address].get(k) for k in facts} == facts, address


def test_facts_a_plan_cannot_tell_are_left_out() -> None:
    found = _facts("tfcompliance-rds-cluster.json")["aws_rds_cluster.db_cluster"]
    assert "encryption_at_rest" not in found  # null in the plan, unknown after apply
    assert "retention" not in found  # a database has no expiry, only backups
    assert "exposure" not in _facts("checkov-acme-aws.json")["aws_elasticsearch_domain"
                                                              ".monitoring-framework"]


def test_resource_types_without_rules_are_counted_not_refused() -> None:
    reading = _read("tfcompliance-azure-postgres.json")
    assert reading.unknown_types == {"azurerm_postgresql_configuration": 6,
                                     "azurerm_resource_group": 1}
    assert "7 resources of 2 types without fact rules ignored" in reading.warnings()[0]
    assert sum(_read("checkov-acme-aws.json").unknown_types.values()) == 47


def test_data_stores_mapped_to_no_store_are_undeclared() -> None:
    reading = _read("policyengine-s3-acl-update.json")
    undeclared = {r.address: r.resource.actions for r in reading.undeclared}
    assert undeclared == {"aws_s3_bucket.create_bucket": ("create",),
                          "aws_s3_bucket.delete_bucket": ("delete",),
                          "aws_s3_bucket.noop_bucket": ("no-op",),
                          "aws_s3_bucket.update_bucket": ("update",)}


def test_regions_map_to_countries_across_clouds() -> None:
    assert [country_of(r) for r in ("eu-west-3", "europe-west1", "westeurope", "North Europe",
                                    "US", "EU", None)] == ["FR", "BE", "NL", "IE", "US", None,
                                                           None]


def test_every_rule_names_known_facts_and_a_store_kind() -> None:
    table = rules()
    clouds = {k.split("_", 1)[0] for k in table}
    assert clouds == {"aws", "google", "azurerm"}
    for kind, rule in table.items():
        assert (rule.holds is None) != (rule.acts_on is None), kind
        assert rule.facts, kind


def test_location_is_the_plan_line_when_no_terraform_source_is_beside_it() -> None:
    reading = _read("checkov-loggroups-retention0.json")
    audit = next(r for r in reading.resources if r.address == "aws_cloudwatch_log_group.audit")
    text = (PLANS / "checkov-loggroups-retention0.json").read_text(encoding="utf-8")
    assert audit.location.file.endswith("checkov-loggroups-retention0.json")
    assert audit.location.line is not None
    assert '"aws_cloudwatch_log_group.audit"' in text.splitlines()[audit.location.line - 1]


def test_nested_modules_and_their_source_files(tmp_path: Path) -> None:
    plan = read_plan(INVENTORY / "infra" / "plan.json")
    orders = next(r for r in plan.resources
                  if r.address == "module.order_db.aws_db_instance.this")
    assert orders.module == "module.order_db"
    assert orders.region == "eu-west-3"
    assert plan.config_dirs["module.order_db"] == INVENTORY / "infra" / "modules" / "postgres"
    reading = read_against(plan, BUNDLED, Mapping(TerraformMapping()))
    item = next(r for r in reading.resources if r.address == orders.address)
    assert item.store == "order_db" and item.how == "tag"
    assert item.location.file.endswith("modules/postgres/main.tf")
    tf = (INVENTORY / "infra" / "modules" / "postgres" / "main.tf").read_text(encoding="utf-8")
    assert tf.splitlines()[item.location.line - 1].startswith('resource "aws_db_instance"')
    # helper resources take their bucket's store through the configuration's references
    acl = next(r for r in reading.resources if r.address == "aws_s3_bucket_acl.invoices")
    assert (acl.store, acl.how, acl.after) == ("invoices", "parent", {"exposure": "private"})


# --- types no real plan was found for: values written from the providers' documentation ------
HAND_WRITTEN: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("aws_kinesis_stream", {"name": "clicks", "retention_period": 168, "encryption_type": "KMS",
                            "kms_key_id": "alias/aws/kinesis"},
     {"retention": "P7D", "encryption_at_rest": True, "encryption_key": "alias/aws/kinesis",
      "region": "eu-west-3"}),
    ("aws_kinesis_stream", {"name": "raw", "retention_period": 24, "encryption_type": "NONE"},
     {"retention": "P1D", "encryption_at_rest": False}),
    ("aws_dynamodb_table", {"name": "carts", "deletion_protection_enabled": True,
                            "server_side_encryption": []},
     {"encryption_at_rest": True, "encryption_key": "aws-owned", "deletion_protection": True}),
    ("google_sql_database_instance", {
        "name": "orders", "region": "europe-west9", "deletion_protection": False,
        "settings": [{"ip_configuration": [{"ipv4_enabled": True, "authorized_networks": [
            {"name": "anyone", "value": "0.0.0.0/0"}]}], "backup_configuration": [{
                "enabled": True, "transaction_log_retention_days": 7}]}]},
     {"exposure": "internet", "region": "europe-west9", "deletion_protection": False,
      "backup_retention": "P7D", "encryption_at_rest": True}),
    ("google_bigquery_dataset", {"dataset_id": "events", "location": "EU",
                                 "default_table_expiration_ms": 5_184_000_000, "access": []},
     {"retention": "P60D", "region": "EU", "encryption_key": "google-managed"}),
    ("google_pubsub_topic", {"name": "orders", "message_retention_duration": "604800s"},
     {"retention": "P7D", "encryption_at_rest": True}),
    ("google_logging_project_bucket_config", {"bucket_id": "audit", "location": "global",
                                              "retention_days": 400},
     {"retention": "P400D", "region": "global"}),
    ("azurerm_cosmosdb_account", {"name": "profiles", "public_network_access_enabled": False,
                                  "geo_location": [{"location": "francecentral",
                                                    "failover_priority": 0}]},
     {"exposure": "private", "region": "francecentral", "encryption_at_rest": True}),
    ("azurerm_log_analytics_workspace", {"name": "logs", "location": "westeurope",
                                         "retention_in_days": 730},
     {"retention": "P730D", "region": "westeurope"}),
    ("azurerm_mssql_database", {"name": "crm", "transparent_data_encryption_enabled": False,
                                "short_term_retention_policy": [{"retention_days": 35}]},
     {"encryption_at_rest": False, "backup_retention": "P35D"}),
]


@pytest.mark.parametrize(("kind", "values", "expected"), HAND_WRITTEN,
                         ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(HAND_WRITTEN)])
def test_facts_of_the_other_main_resources(kind: str, values: dict[str, Any],
                                           expected: dict[str, Any]) -> None:
    rule = rules()[kind]
    facts = derive(rule, values, {}, "eu-west-3" if kind.startswith("aws") else None)
    assert {k: facts.get(k) for k in expected} == expected
    if "region" in expected:
        assert country_of(facts["region"]) == {"eu-west-3": "FR", "europe-west9": "FR",
                                               "francecentral": "FR", "westeurope": "NL"}.get(
            facts["region"])


def test_a_value_known_only_after_apply_tells_nothing() -> None:
    rule = rules()["aws_db_instance"]
    facts = derive(rule, {"storage_encrypted": None, "publicly_accessible": False},
                   {"storage_encrypted": True}, "eu-west-3")
    assert "encryption_at_rest" not in facts  # not the provider default (false), not true
    assert facts["exposure"] == "private"
