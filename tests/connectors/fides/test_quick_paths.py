"""`pledge import fides` writes the same bytes through the quick YAML paths as the exact ones.

The import reads manifests with ``quick_yaml`` and writes with ``quick_dump``;
here every output file is compared with the one the exact reader
(``parse_yaml``, the located loader) and PyYAML's writer give, on the Fides
samples and on a generated manifest. Errors too: a manifest the import refuses
is refused with the same words either way.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from benchmarks.fides import generate
from pledge.connectors.fides import importer, manifests
from pledge.connectors.fides.importer import import_fides, rendered_outputs
from pledge.policy_model.errors import InputErrors
from pledge.policy_model.yaml_source import parse_yaml
from tests.conftest import ROOT, SHARED

DATA = ROOT / "tests" / "data" / "fides"
SAMPLES = [DATA / "cookie_house", DATA / "saas", DATA / "legacy",
           *sorted((DATA / "fides_tests_ctl_data").glob("*.yml")),
           *sorted((DATA / "fideslang_tests_data").glob("*.yml")),
           *sorted(p for p in (SHARED / "fides-samples").glob("*") if p.is_dir())]


def _outputs(paths: list[Path]) -> dict[Path, str] | str:
    try:
        return rendered_outputs(import_fides(paths))
    except InputErrors as exc:
        return "\n".join(err.render() for err in exc.errors)


def _exact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifests, "quick_yaml", parse_yaml)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    monkeypatch.setattr(importer, "quick_dump", lambda data, width: yaml.dump(
        data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=width))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_samples_import_byte_for_byte_as_before(sample: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    quick = _outputs([sample])
    with monkeypatch.context() as patch:
        _exact(patch)
        exact = _outputs([sample])
    assert quick == exact


def test_a_generated_manifest_imports_byte_for_byte_as_before(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path = tmp_path / "manifest.yml"
    path.write_text(yaml.dump(generate(400), Dumper=dumper, sort_keys=False, width=100),
                    encoding="utf-8")
    quick = _outputs([path])
    assert isinstance(quick, dict) and quick[importer.INVENTORY_FILE].count("\n") > 10_000
    with monkeypatch.context() as patch:
        _exact(patch)
        assert _outputs([path]) == quick
