"""`pledge export fides`: manifests fideslang's own models accept; import → export → import.

fideslang 3 pins pydantic below 2.13 and pledge runs on a newer one, so fideslang
cannot join the test extra: it is installed (once, then reused) into a virtual
environment of its own, and its models judge the exported files there.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, run_inprocess

DATA = ROOT / "tests" / "data" / "fides"
FIDESLANG = "fideslang==3.1.4"
ACCEPTS = Path(__file__).with_name("fideslang_accepts.py")


def _fideslang_python() -> Path:
    """The interpreter of a virtual environment with fideslang (built once per machine)."""
    version = f"py{sys.version_info[0]}{sys.version_info[1]}"
    home = Path(tempfile.gettempdir()) / f"pledge-{FIDESLANG.replace('==', '-')}-{version}"
    python = home / "bin" / "python"
    if python.exists():
        return python
    building = Path(tempfile.mkdtemp(prefix=home.name + ".", dir=home.parent))
    subprocess.run([sys.executable, "-m", "venv", building], check=True, capture_output=True)
    pip = subprocess.run([building / "bin" / "python", "-m", "pip", "install", "-q", FIDESLANG,
                          "PyYAML"], capture_output=True, text=True, check=False, timeout=600)
    if pip.returncode != 0:
        pytest.skip(f"cannot install {FIDESLANG} from PyPI: {pip.stderr.strip()[-300:]}")
    with contextlib.suppress(OSError):  # atomic: a concurrent run keeps one or the other
        building.rename(home)
    return python if python.exists() else building / "bin" / "python"


def _fideslang_counts(*folders: Path) -> list[dict[str, int]]:
    proc = subprocess.run([_fideslang_python(), ACCEPTS, *folders], capture_output=True,
                          text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return [json.loads(line)["counts"] for line in proc.stdout.splitlines()]


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("round")
    assert run_inprocess("import", "fides", DATA / "cookie_house", "-o", root / "a").code == 0
    run = run_inprocess("export", "fides", root / "b", "--inventory", root / "a" / "inventory")
    assert run.code == 0, run.err
    assert run_inprocess("import", "fides", root / "b", "-o", root / "c").code == 0
    assert run_inprocess("export", "fides", root / "m").code == 0  # the bundled MAROSOAP
    return root


def test_import_export_import_gives_the_same_inventory(round_trip: Path) -> None:
    first = (round_trip / "a" / "inventory" / "fides.yaml").read_text(encoding="utf-8")
    again = (round_trip / "c" / "inventory" / "fides.yaml").read_text(encoding="utf-8")
    assert again == first
    assert len(yaml.safe_load(first)["stores"]) == 22


def test_export_writes_declarations_flows_and_nested_datasets(round_trip: Path) -> None:
    systems = {s["fides_key"]: s for s in
               yaml.safe_load((round_trip / "b" / "systems.yml").read_text())["system"]}
    marketing = systems["cookie_house_marketing_system"]
    assert marketing["egress"] == [{"fides_key": "cookie_house_customer_database",
                                    "type": "system", "data_categories": ["user.device.cookie_id"]}]
    assert marketing["privacy_declarations"][0]["data_use"] == (
        "marketing.advertising.first_party.targeted")
    assert systems["cookie_house_customer_database"]["dataset_references"] == ["mongo_test"]
    datasets = {d["fides_key"]: d for d in
                yaml.safe_load((round_trip / "b" / "datasets.yml").read_text())["dataset"]}
    details = next(c for c in datasets["mongo_test"]["collections"]
                   if c["name"] == "customer_details")
    workplace = next(f for f in details["fields"] if f["name"] == "workplace_info")
    assert {f["name"] for f in workplace["fields"]} == {"position", "direct_reports"}


def test_what_fideslang_cannot_hold_is_reported(round_trip: Path) -> None:
    report = (round_trip / "m" / "export-report.txt").read_text(encoding="utf-8")
    for said in ("consent gates: fideslang has no such resource",
                 "transport has no place in fideslang", "country MA has no place"):
        assert said in report, said
    assert "postgres://" not in report and "password" not in report.lower().replace(
        "password_hash", "")


def test_fideslang_models_accept_the_exports(round_trip: Path) -> None:
    counts = _fideslang_counts(round_trip / "b", round_trip / "m")
    assert counts[0] == {"dataset": 4, "organization": 1, "system": 6}
    assert counts[1]["system"] == 15 and counts[1]["dataset"] >= 1


def test_fideslang_refuses_a_broken_manifest(round_trip: Path, tmp_path: Path) -> None:
    """The acceptance check can fail: a system without system_type is refused."""
    systems = yaml.safe_load((round_trip / "b" / "systems.yml").read_text())
    del systems["system"][0]["system_type"]
    (tmp_path / "systems.yml").write_text(yaml.safe_dump(systems))
    proc = subprocess.run([_fideslang_python(), ACCEPTS, tmp_path], capture_output=True,
                          text=True, check=False, timeout=120)
    assert proc.returncode != 0 and "system_type" in proc.stderr
