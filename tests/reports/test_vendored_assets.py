"""The vendored map libraries: pinned by SHA-256, licensed, recorded, installed with pledge."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

from scripts import vendor_assets
from tests.conftest import ROOT


def test_the_committed_files_match_their_pins() -> None:
    done = subprocess.run([sys.executable, "scripts/vendor_assets.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every file matches its pin" in done.stdout


def test_a_changed_byte_or_a_stale_record_is_caught(tmp_path: Path) -> None:
    copy = tmp_path / "html_assets"
    shutil.copytree(vendor_assets.ASSETS, copy)
    assert vendor_assets.check(copy) == []
    lib = copy / "cytoscape-dagre.min.js"
    lib.write_bytes(lib.read_bytes().replace(b"dagre", b"dagrf", 1))
    (copy / "VENDORED.md").write_text("# stale\n", encoding="utf-8")
    problems = vendor_assets.check(copy)
    assert len(problems) == 2
    assert "cytoscape-dagre.min.js: SHA-256" in problems[0] and "out of date" in problems[1]


def test_every_package_is_recorded_with_an_apache_compatible_licence() -> None:
    record = (vendor_assets.ASSETS / "VENDORED.md").read_text(encoding="utf-8")
    for package in vendor_assets.PACKAGES:
        assert package.licence == "MIT"
        assert f"| `{package.name}` | {package.version} | MIT |" in record
        licences = [f for f in package.files if f.target.endswith(".LICENSE.txt")]
        assert licences, f"{package.name} ships its licence text"
        for item in licences:
            text = (vendor_assets.ASSETS / item.target).read_text(encoding="utf-8")
            assert "Permission is hereby granted, free of charge" in text


def test_the_assets_are_package_data() -> None:
    """Each vendored file matches a package-data pattern, so a wheel installs it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["pledge.reports"]
    names = [f.target for p in vendor_assets.PACKAGES for f in p.files]
    for name in [*names, "VENDORED.md", "map.js", "map.css"]:
        assert any(fnmatch(f"html_assets/{name}", pattern) for pattern in patterns), name
