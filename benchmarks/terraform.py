"""How long pledge takes to read a large Terraform plan and map it to an inventory's stores.

A plan of ``--resources`` managed resources is generated from a seed in the
shape of ``terraform show -json`` (format 1.2): planned values, resource changes
with before and after values, prior state and configuration, half the
resources in nested modules, a provider region. A fifth are data stores of the
types the fact rules know (RDS, S3, CloudWatch log groups, SQS, Kinesis, Google
Cloud Storage, Azure storage accounts), most tagged ``pledge-store`` with a
store of the bundled MAROSOAP inventory; the rest are resource types pledge
has no rules for (security groups, IAM roles, ...), counted and ignored.

Timed apart, median of ``--repeat`` runs: ``read`` (the file read, parsed with
its guards and walked into resources), ``map`` (fact rules applied before and
after, resources tied to stores, undeclared stores found) and ``future`` (the
inventory as the plan leaves it), each as wall time and as this process's CPU
time (what to compare on a shared machine). The target: read and map a
10,000-resource plan in under 2 s. A measurement, not a test: it asserts nothing.

Usage::

    .venv/bin/python benchmarks/terraform.py                     # 10,000 resources
    .venv/bin/python benchmarks/terraform.py --resources 1000 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

STORES = ["customer_db", "order_db", "seller_db", "web_logs", "legal_archive", "invoices",
          "analytics_export"]
PROVIDER = "registry.terraform.io/hashicorp/aws"


def _data_store(rng: random.Random, index: int, store: str | None) -> tuple[str, dict[str, Any]]:
    tags = {"pledge-store": store, "team": "platform"} if store else {"team": "platform"}
    kind = rng.choice(["aws_db_instance", "aws_s3_bucket", "aws_cloudwatch_log_group",
                       "aws_sqs_queue", "aws_kinesis_stream", "google_storage_bucket",
                       "azurerm_storage_account"])
    values: dict[str, Any] = {
        "aws_db_instance": {"identifier": f"db-{index}", "engine": "postgres",
                            "storage_encrypted": True, "publicly_accessible": False,
                            "backup_retention_period": 7, "deletion_protection": True,
                            "availability_zone": "eu-west-3a", "kms_key_id": "arn:aws:kms:x"},
        "aws_s3_bucket": {"bucket": f"bucket-{index}", "acl": "private", "grant": [],
                          "lifecycle_rule": [{"enabled": True,
                                              "expiration": [{"days": 365}]}],
                          "server_side_encryption_configuration": [{"rule": [{
                              "apply_server_side_encryption_by_default": [
                                  {"sse_algorithm": "aws:kms", "kms_master_key_id": "k"}]}]}],
                          "region": "eu-west-3"},
        "aws_cloudwatch_log_group": {"name": f"/logs/{index}", "retention_in_days": 90,
                                     "kms_key_id": ""},
        "aws_sqs_queue": {"name": f"queue-{index}", "message_retention_seconds": 345600,
                          "sqs_managed_sse_enabled": True},
        "aws_kinesis_stream": {"name": f"stream-{index}", "retention_period": 24,
                               "encryption_type": "KMS", "kms_key_id": "alias/aws/kinesis"},
        "google_storage_bucket": {"name": f"gcs-{index}", "location": "EUROPE-WEST1",
                                  "lifecycle_rule": [], "encryption": []},
        "azurerm_storage_account": {"name": f"sa{index}", "location": "francecentral",
                                    "allow_nested_items_to_be_public": False,
                                    "public_network_access_enabled": False},
    }[kind]
    labels = "labels" if kind.startswith("google") else "tags"
    values[labels] = tags
    return kind, values


def _other(rng: random.Random, index: int) -> tuple[str, dict[str, Any]]:
    kind = rng.choice(["aws_security_group", "aws_iam_role", "aws_iam_role_policy",
                       "aws_route53_record", "aws_lambda_function", "aws_instance"])
    return kind, {"name": f"{kind}-{index}", "description": "generated", "tags": {}}


def generate(resources: int, seed: int = 7) -> dict[str, Any]:
    """A plan of ``resources`` managed resources (a fifth data stores, most mapped)."""
    rng = random.Random(seed)
    root: list[dict[str, Any]] = []
    children: dict[str, list[dict[str, Any]]] = {}
    changes: list[dict[str, Any]] = []
    config_root: list[dict[str, Any]] = []
    config_modules: dict[str, list[dict[str, Any]]] = {}
    for index in range(resources):
        if index % 5 == 0:
            store = rng.choice(STORES) if rng.random() < 0.9 else None
            kind, after = _data_store(rng, index, store)
        else:
            kind, after = _other(rng, index)
        name = f"r{index}"
        module = f"module.m{index % 50}" if index % 2 else ""
        address = f"{module}.{kind}.{name}" if module else f"{kind}.{name}"
        before = dict(after)
        actions = ["no-op"]
        if index % 7 == 0:
            actions, before = ["create"], None
        elif index % 11 == 0:
            actions = ["update"]
            before["description"] = "old"
        entry = {"address": address, "mode": "managed", "type": kind, "name": name,
                 "provider_name": PROVIDER, "schema_version": 0, "values": after,
                 "sensitive_values": {}}
        (children.setdefault(module, []) if module else root).append(entry)
        change = {"address": address, "mode": "managed", "type": kind, "name": name,
                  "provider_name": PROVIDER,
                  "change": {"actions": actions, "before": before, "after": after,
                             "after_unknown": {"id": True} if before is None else {},
                             "before_sensitive": {}, "after_sensitive": {}}}
        if module:
            change["module_address"] = module
        changes.append(change)
        config = {"address": f"{kind}.{name}", "mode": "managed", "type": kind, "name": name,
                  "provider_config_key": "aws",
                  "expressions": {"name": {"constant_value": f"{kind}-{index}"}},
                  "schema_version": 0}
        (config_modules.setdefault(module, []) if module else config_root).append(config)
    return {
        "format_version": "1.2", "terraform_version": "1.9.8",
        "planned_values": {"root_module": {
            "resources": root,
            "child_modules": [{"resources": r, "address": m} for m, r in children.items()]}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": {"aws": {"name": "aws", "full_name": PROVIDER, "expressions": {
                "region": {"constant_value": "eu-west-3"}}}},
            "root_module": {"resources": config_root, "module_calls": {
                m.removeprefix("module."): {"source": "./modules/generic",
                                            "module": {"resources": r}}
                for m, r in config_modules.items()}}},
        "timestamp": "2026-11-28T09:41:07Z", "applyable": True, "complete": True,
        "errored": False,
    }


def main() -> None:
    """Generate a plan, then time reading, mapping and the future inventory."""
    from pledge.connectors.terraform.future import future_inventory
    from pledge.connectors.terraform.mapping import Mapping, TerraformMapping
    from pledge.connectors.terraform.plan import read_plan
    from pledge.connectors.terraform.reading import read_against
    from pledge.policy_model import BUNDLED_INVENTORY
    from pledge.policy_model.loading import load_inventory

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    loaded = load_inventory(BUNDLED_INVENTORY)
    times: dict[str, list[float]] = {k: [] for k in ("read", "map", "future", "read cpu",
                                                     "map cpu", "future cpu")}
    with tempfile.TemporaryDirectory(prefix="pledge-tfbench-") as tmp:
        path = Path(tmp) / "plan.json"
        path.write_text(json.dumps(generate(args.resources), indent=2), encoding="utf-8")
        size = path.stat().st_size
        for _ in range(args.repeat):
            marks = [(time.perf_counter(), time.process_time())]
            plan = read_plan(path, max_size=2_000_000_000)
            marks.append((time.perf_counter(), time.process_time()))
            reading = read_against(plan, loaded.inventory, Mapping(TerraformMapping()))
            marks.append((time.perf_counter(), time.process_time()))
            future = future_inventory(loaded, reading)
            marks.append((time.perf_counter(), time.process_time()))
            for index, phase in enumerate(("read", "map", "future")):
                times[phase].append(marks[index + 1][0] - marks[index][0])
                times[f"{phase} cpu"].append(marks[index + 1][1] - marks[index][1])
    med = {k: statistics.median(v) for k, v in times.items()}
    mapped_count = sum(1 for r in reading.resources if r.store)
    print(f"resources {args.resources:,}  plan {size / 1e6:.1f} MB  with rules "
          f"{len(reading.resources):,}  mapped {mapped_count:,}  undeclared "
          f"{len(reading.undeclared):,}  ignored {sum(reading.unknown_types.values()):,}  "
          f"stores planned {len(future.plans)}")
    print("| resources | plan MB | read s | map s | read + map s | read + map CPU s | "
          "future inventory s |")
    print(f"| {args.resources:,} | {size / 1e6:.1f} | {med['read']:.2f} | {med['map']:.2f} | "
          f"{med['read'] + med['map']:.2f} | {med['read cpu'] + med['map cpu']:.2f} | "
          f"{med['future']:.3f} |")


if __name__ == "__main__":
    main()
