"""The wheel a user installs: built with ``python -m build``, installed in a fresh venv.

Everything runs outside the checkout, as after ``pip install pledge``: the bundled
MAROSOAP inventory ships as package data, ``pledge init`` works from the wheel,
and nothing lands in site-packages but the ``pledge`` namespace.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import AS_OF, EXAMPLES, ROOT

pytestmark = pytest.mark.skipif(os.environ.get("PLEDGE_SKIP_WHEEL") == "1",
                                reason="PLEDGE_SKIP_WHEEL=1")


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=600, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv, outside the checkout, with the built wheel installed."""
    work = tmp_path_factory.mktemp("wheel")
    built = _run(sys.executable, "-m", "build", "--wheel", "--outdir", work / "dist", ROOT,
                 cwd=work)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    wheels = sorted((work / "dist").glob("pledge-*.whl"))
    assert len(wheels) == 1
    venv.create(work / "venv", with_pip=True)
    pip = work / "venv" / "bin" / "pip"
    done = _run(pip, "install", "-q", wheels[0], cwd=work)
    assert done.returncode == 0, done.stderr[-2000:]
    return work


def test_pledge_check_with_no_argument_checks_the_bundled_inventory(installed: Path) -> None:
    run = _run(installed / "venv" / "bin" / "pledge", "check", "--as-of", AS_OF, cwd=installed)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr
    assert "MAROSOAP" in run.stdout and "PASS: 29 commitments" in run.stdout


def test_init_then_check_works_from_the_wheel(installed: Path) -> None:
    pledge = installed / "venv" / "bin" / "pledge"
    assert _run(pledge, "init", "starter", cwd=installed).returncode == 0
    run = _run(pledge, "check", "--as-of", AS_OF, "--policy", "starter/policy/policy.yaml",
               "starter/inventory", cwd=installed)
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_broken_example_fails_from_the_wheel(installed: Path) -> None:
    example = next(EXAMPLES.glob("PAY-001-*"))
    run = _run(installed / "venv" / "bin" / "pledge", "check", "--as-of", AS_OF, example,
               cwd=installed)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "FAIL    PAY-001" in run.stdout


def test_only_the_pledge_namespace_is_installed(installed: Path) -> None:
    shown = _run(installed / "venv" / "bin" / "pip", "show", "-f", "pledge", cwd=installed)
    assert shown.returncode == 0
    files = [line.strip() for line in shown.stdout.split("Files:", 1)[1].splitlines()
             if line.strip()]
    tops = {f.split("/", 1)[0] for f in files if not f.startswith("..")}
    assert tops <= {"pledge", "pledge-0.1.0.dist-info"} | {
        t for t in tops if t.endswith(".dist-info")}, tops
    for generic in ("checks", "reports", "policy_model", "inventories", "connectors"):
        assert generic not in tops
    assert "pledge/inventories/marosoap/stores.yaml" in files
    assert "pledge/policy_model/source/marosoap-privacy-policy.txt" in files
    assert "pledge/cli/starter/policy/policy.yaml" in files
