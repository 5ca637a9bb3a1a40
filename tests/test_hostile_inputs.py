"""Hostile and broken input: exit 2, one located line per problem, no traceback, no output.

Every file under ``tests/hostile/`` is a policy (``pol-*``) or a one-file
inventory (``inv-*``) that pledge must refuse. ``CORPUS`` says which error
code each must give and on which line. Most run in this process (fast); a
representative few run as real subprocesses, concurrently. Inputs that cannot
live in git (symlinks, FIFOs, oversize files, unreadable files) are made here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pledge.cli import cli
from tests.conftest import AS_OF, INVENTORY, ROOT, Run, run_inprocess, run_pledge

HOSTILE = ROOT / "tests" / "hostile"

# file name -> (error code, line of the first message or None when it has none)
CORPUS: dict[str, tuple[str, int | None]] = {
    # syntax and encoding
    "inv-syntax-error.yaml": ("PLG-E002", 7),
    "inv-tabs.yaml": ("PLG-E002", 2),
    "inv-multi-document.yaml": ("PLG-E002", 7),
    "inv-python-object.yaml": ("PLG-E002", 1),
    "inv-python-name.yaml": ("PLG-E002", 7),
    "inv-python-module.yaml": ("PLG-E002", 1),
    "inv-control-character.yaml": ("PLG-E002", None),
    "inv-json-syntax.json": ("PLG-E002", 1),
    "inv-empty.yaml": ("PLG-E010", None),
    "inv-comments-only.yaml": ("PLG-E010", None),
    "inv-utf16.yaml": ("PLG-E012", None),
    "inv-latin1.yaml": ("PLG-E012", 3),
    "inv-binary.yaml": ("PLG-E012", None),
    "inv-bom-unknown-key.yaml": ("PLG-E004", 7),
    # structure
    "inv-duplicate-key.yaml": ("PLG-E003", 7),
    "inv-json-duplicate-key.json": ("PLG-E003", 1),
    "inv-unknown-key.yaml": ("PLG-E004", 7),
    "inv-unknown-section.yaml": ("PLG-E004", 1),
    "inv-missing-field.yaml": ("PLG-E005", 2),
    "inv-wrong-type.yaml": ("PLG-E006", 6),
    "inv-bad-literal.yaml": ("PLG-E006", 5),
    "inv-top-level-list.yaml": ("PLG-E017", 1),
    "inv-top-level-scalar.yaml": ("PLG-E017", 1),
    "inv-complex-key.yaml": ("PLG-E006", 7),
    "inv-null-key.yaml": ("PLG-E006", 7),
    "inv-no-systems.yaml": ("PLG-E010", None),
    "inv-ansi-in-key.json": ("PLG-E004", None),
    "inv-secret-in-value.yaml": ("PLG-E006", 5),
    # vocabulary and references
    "inv-unknown-category.yaml": ("PLG-E007", 13),
    "inv-unknown-purpose.yaml": ("PLG-E007", 7),
    "inv-broken-reference.yaml": ("PLG-E008", 10),
    "inv-flow-to-nowhere.yaml": ("PLG-E008", 10),
    "inv-duplicate-id.yaml": ("PLG-E009", 2),
    "inv-repeated-value.yaml": ("PLG-E018", 7),
    # values
    "inv-huge-int.yaml": ("PLG-E006", 11),
    "inv-huge-hex-int.yaml": ("PLG-E006", 11),
    "inv-huge-int.json": ("PLG-E006", 1),
    "inv-nan.yaml": ("PLG-E006", 11),
    "inv-infinity.json": ("PLG-E006", None),
    "inv-bad-date.yaml": ("PLG-E006", 11),
    "inv-date-wrong-format.yaml": ("PLG-E006", 11),
    "inv-bad-duration.yaml": ("PLG-E006", 11),
    "inv-bad-int-tag.yaml": ("PLG-E006", 11),
    "inv-bad-bool-tag.yaml": ("PLG-E006", 11),
    "inv-bad-float-tag.yaml": ("PLG-E006", 11),
    "inv-bad-binary-tag.yaml": ("PLG-E002", 11),
    # YAML 1.1 numbers that read as something else than written
    "inv-octal-int.yaml": ("PLG-E006", 11),
    "inv-octal-o-int.yaml": ("PLG-E006", 11),
    "inv-underscore-int.yaml": ("PLG-E006", 11),
    "inv-sexagesimal-int.yaml": ("PLG-E006", 11),
    "inv-binary-int.yaml": ("PLG-E006", 11),
    "inv-hex-int.yaml": ("PLG-E006", 11),
    "inv-sexagesimal-float.yaml": ("PLG-E006", 11),
    "inv-underscore-float.yaml": ("PLG-E006", 11),
    # resource exhaustion
    "inv-alias-bomb.yaml": ("PLG-E013", 7),
    "inv-quadratic-blowup.yaml": ("PLG-E013", 9),
    "inv-recursive-alias.yaml": ("PLG-E013", 1),
    "inv-deep-flow-nesting.yaml": ("PLG-E013", 1),
    "inv-deep-block-nesting.yaml": ("PLG-E013", 101),
    "inv-deep-nesting.json": ("PLG-E013", None),
    "inv-moderately-deep.json": ("PLG-E013", None),
    # policies (--policy)
    "pol-empty.yaml": ("PLG-E017", 1),
    "pol-syntax-error.yaml": ("PLG-E002", 19),
    "pol-python-tag.yaml": ("PLG-E002", 2),
    "pol-unknown-key.yaml": ("PLG-E004", 13),
    "pol-unknown-kind-field.yaml": ("PLG-E004", 18),
    "pol-bad-severity.yaml": ("PLG-E006", 12),
    "pol-missing-commitments.yaml": ("PLG-E005", 1),
    "pol-check-without-kind.yaml": ("PLG-E005", 17),
    "pol-bad-commitment-id.yaml": ("PLG-E006", 10),
    "pol-unknown-category.yaml": ("PLG-E007", 18),
    "pol-repeated-value.yaml": ("PLG-E018", 18),
    "pol-duplicate-commitment.yaml": ("PLG-E009", 20),
    "pol-source-missing.yaml": ("PLG-E016", 5),
    "pol-source-nul-path.yaml": ("PLG-E016", 5),
    "pol-source-binary.yaml": ("PLG-E012", None),
    "pol-hash-mismatch.yaml": ("PLG-E016", None),
    "pol-quote-not-verbatim.yaml": ("PLG-E016", 10),
    "pol-alias-bomb.yaml": ("PLG-E013", 25),
    "pol-latin1.yaml": ("PLG-E012", 2),
    "pol-deep-nesting.yaml": ("PLG-E013", 20),
}
# The file a message names, when it is not the input itself.
NAMED = {"pol-source-binary.yaml": "inv-binary.yaml"}
# Never printed, whatever the input holds.
SECRETS = ("s3cret",)
# A representative few also run as a real process, as a user or CI would.
SUBPROCESS = ("inv-alias-bomb.yaml", "pol-python-tag.yaml")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def argv_for(name: str, output: Path) -> list[str]:
    """The ``pledge check`` arguments that feed corpus file ``name`` where it belongs."""
    path = HOSTILE / name
    where = ["--policy", str(path)] if name.startswith("pol-") else [str(path)]
    return ["check", *where, "--as-of", AS_OF, "-f", "json", "-o", str(output)]


def assert_refused(run: Run, name: str, code: str | None, line: int | None) -> None:
    """Exit 2; every stderr line a ``pledge: ... PLG-Ennn`` message; the first names the file."""
    assert run.code == 2, (run.code, run.out, run.err)
    assert run.out == "", run.out
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err
    lines = run.err.splitlines()
    assert lines, "no message at all"
    for text in lines:
        assert text.startswith("pledge: ") and re.search(r"PLG-E\d{3} ", text), text
        assert not _CONTROL.search(text), f"control character printed: {text!r}"
    first = lines[0]
    shown = NAMED.get(name, name)
    assert shown in first, first
    assert code is None or code in run.err, run.err
    if line is not None:
        assert f"{shown}:{line}: {code}" in first, first
    for secret in SECRETS:
        assert secret not in run.err


def test_corpus_is_complete() -> None:
    """Every file in the corpus has an expectation, every expectation a file; 30 at least."""
    on_disk = {p.name for p in HOSTILE.iterdir() if p.is_file()}
    assert on_disk == set(CORPUS)
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_hostile_file_is_refused_in_process(name: str, tmp_path: Path) -> None:
    """Each corpus file: exit 2, a located line with its code, and no report written."""
    output = tmp_path / "report.json"
    run = run_inprocess(*argv_for(name, output))
    assert_refused(run, name, *CORPUS[name])
    assert not output.exists()


@pytest.fixture(scope="module")
def subprocess_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Run, Path]]:
    """The representative subset, and a FIFO in an inventory, run concurrently as processes.

    The FIFO runs in a real process so that a regression (opening it blocks for
    ever) fails on the timeout instead of hanging the test session.
    """
    base = tmp_path_factory.mktemp("hostile-subprocess")
    fifo_root = _bundled_copy(base)
    os.mkfifo(fifo_root / "pipe.yaml")
    jobs = {name: argv_for(name, base / f"{name}.json") for name in SUBPROCESS}
    jobs["fifo"] = ["check", str(fifo_root), "--as-of", AS_OF, "-f", "json", "-o",
                    str(base / "fifo.json")]

    def one(name: str) -> tuple[str, tuple[Run, Path]]:
        return name, (run_pledge(*jobs[name], timeout=60), Path(jobs[name][-1]))

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(pool.map(one, sorted(jobs)))


@pytest.mark.parametrize("name", SUBPROCESS)
def test_hostile_file_is_refused_by_the_real_cli(
        name: str, subprocess_runs: dict[str, tuple[Run, Path]]) -> None:
    """The same contract holds for a real ``python -m pledge`` process."""
    run, output = subprocess_runs[name]
    assert_refused(run, name, *CORPUS[name])
    assert not output.exists()


def test_validate_reports_every_hostile_file_sorted() -> None:
    """``pledge validate`` on many broken files reports each one, in file order."""
    names = sorted(n for n in CORPUS if n.startswith("inv-"))[:12]
    run = run_inprocess("validate", *(HOSTILE / n for n in names))
    assert run.code == 2 and "Traceback" not in run.err
    named = [next(n for n in names if n in text) for text in run.err.splitlines()]
    assert sorted(set(named)) == names
    assert named == sorted(named)


WAIVER_CASES = ("inv-alias-bomb.yaml", "inv-binary.yaml", "inv-latin1.yaml",
                "inv-python-object.yaml", "inv-deep-flow-nesting.yaml", "inv-huge-int.json",
                "inv-duplicate-key.yaml", "inv-top-level-list.yaml")


@pytest.mark.parametrize("name", WAIVER_CASES)
def test_hostile_waiver_file_is_refused(name: str, tmp_path: Path) -> None:
    """``--waivers`` goes through the same guarded loader."""
    output = tmp_path / "report.json"
    run = run_inprocess("check", "--as-of", AS_OF, "--waivers", HOSTILE / name, "-f", "json",
                        "-o", output)
    code = "PLG-E017" if name == "inv-top-level-list.yaml" else CORPUS[name][0]
    assert_refused(run, name, code, None)
    assert not output.exists()


REPORT_CASES = ("inv-deep-nesting.json", "inv-moderately-deep.json", "inv-huge-int.json",
                "inv-json-syntax.json", "inv-binary.yaml", "inv-latin1.yaml",
                "inv-alias-bomb.yaml", "inv-empty.yaml")


@pytest.mark.parametrize("name", REPORT_CASES)
@pytest.mark.parametrize("how", ["verify", "baseline"])
def test_hostile_report_given_back_is_refused(how: str, name: str) -> None:
    """Reports read back (``verify REPORT``, ``check --baseline REPORT``) are input too."""
    if how == "verify" and "verify" not in cli.commands:
        pytest.skip("no `pledge verify` command")
    argv = (["verify", HOSTILE / name] if how == "verify"
            else ["check", "--as-of", AS_OF, "--baseline", HOSTILE / name])
    assert_refused(run_inprocess(*argv), name, None, None)


# --- inputs made at test time ------------------------------------------------------------------
def _bundled_copy(tmp_path: Path) -> Path:
    root = tmp_path / "inv"
    root.mkdir()
    for path in sorted(INVENTORY.iterdir()):
        if path.is_file():  # infra/ holds Terraform, not inventory
            (root / path.name).write_bytes(path.read_bytes())
    return root


def test_symlink_escaping_the_inventory_is_refused(tmp_path: Path) -> None:
    root = _bundled_copy(tmp_path)
    secret = tmp_path / "outside.yaml"
    secret.write_text("systems: []\n", encoding="utf-8")
    (root / "escape.yaml").symlink_to(secret)
    run = run_inprocess("check", root, "--as-of", AS_OF)
    assert_refused(run, "escape.yaml", "PLG-E014", None)
    assert "outside the inventory" in run.err


def test_symlinked_directory_escaping_the_inventory_is_refused(tmp_path: Path) -> None:
    root = _bundled_copy(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "more.yaml").write_text("systems: []\n", encoding="utf-8")
    (root / "linked").symlink_to(outside, target_is_directory=True)
    run = run_inprocess("check", root, "--as-of", AS_OF)
    assert_refused(run, "linked", "PLG-E014", None)


def test_symlink_inside_the_inventory_is_followed(tmp_path: Path) -> None:
    root = _bundled_copy(tmp_path)
    (root / "systems.yaml").rename(root / "systems.real")
    (root / "systems.yaml").symlink_to(root / "systems.real")
    assert run_inprocess("check", root, "--as-of", AS_OF).code == 0


def test_symlink_loop_is_refused(tmp_path: Path) -> None:
    root = _bundled_copy(tmp_path)
    (root / "a.yaml").symlink_to(root / "b.yaml")
    (root / "b.yaml").symlink_to(root / "a.yaml")
    run = run_inprocess("check", root, "--as-of", AS_OF)
    assert run.code == 2 and "Traceback" not in run.err and "internal error" not in run.err
    assert "a.yaml" in run.err and "b.yaml" in run.err


def test_broken_symlink_is_refused(tmp_path: Path) -> None:
    root = _bundled_copy(tmp_path)
    (root / "gone.yaml").symlink_to(root / "never-there.yaml")
    run = run_inprocess("check", root, "--as-of", AS_OF)
    assert_refused(run, "gone.yaml", "PLG-E001", None)


def test_directory_given_as_policy_is_refused(tmp_path: Path) -> None:
    run = run_inprocess("check", "--policy", tmp_path, "--as-of", AS_OF)
    assert_refused(run, tmp_path.name, "PLG-E014", None)


def test_fifo_in_the_inventory_is_refused_without_hanging(
        subprocess_runs: dict[str, tuple[Run, Path]]) -> None:
    run, output = subprocess_runs["fifo"]
    assert_refused(run, "pipe.yaml", "PLG-E014", None)
    assert not output.exists()


@pytest.mark.parametrize("role", ["inventory", "policy"])
def test_file_over_the_size_limit_is_refused(role: str, tmp_path: Path) -> None:
    limit = 100_000  # above the bundled policy's size, below the padded files'
    big = tmp_path / "big.yaml"
    padding = "# padding\n" * (limit // 10)
    if role == "policy":
        source = ROOT / "policy_model" / "policies" / "marosoap.yaml"
        big.write_text(source.read_text(encoding="utf-8") + padding, encoding="utf-8")
        target = ["--policy", str(big)]
    else:
        big.write_text((INVENTORY / "stores.yaml").read_text(encoding="utf-8") + padding,
                       encoding="utf-8")
        target = [str(big)]
    run = run_inprocess("check", *target, "--as-of", AS_OF, "--max-file-size", str(limit))
    assert_refused(run, "big.yaml", "PLG-E011", None)
    assert f"over the limit of {limit:,}" in run.err


def test_missing_paths_are_refused(tmp_path: Path) -> None:
    assert_refused(run_inprocess("check", tmp_path / "nope", "--as-of", AS_OF),
                   "nope", "PLG-E001", None)
    assert_refused(run_inprocess("check", "--policy", tmp_path / "nope.yaml", "--as-of", AS_OF),
                   "nope.yaml", "PLG-E001", None)


def test_unreadable_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A permission error (simulated: tests may run as root) is a located one-line error."""
    root = _bundled_copy(tmp_path)
    real_open = Path.open

    def deny(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self.name == "flows.yaml":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", deny)
    run = run_inprocess("check", root, "--as-of", AS_OF)
    assert_refused(run, "flows.yaml", "PLG-E020", None)
    assert "Permission denied" in run.err


def test_output_path_that_is_a_directory_is_an_error(tmp_path: Path) -> None:
    run = run_inprocess("check", "--as-of", AS_OF, "-f", "json", "-o", tmp_path)
    assert run.code == 2 and "Traceback" not in run.err and "internal error" not in run.err
    assert "PLG-E020" in run.err or "PLG-E019" in run.err, run.err


def test_one_broken_file_among_many_reports_all_errors_sorted(tmp_path: Path) -> None:
    """Two broken files in a multi-file inventory: every error, sorted, nothing written."""
    root = _bundled_copy(tmp_path)
    (root / "zz-broken.yaml").write_bytes((HOSTILE / "inv-latin1.yaml").read_bytes())
    (root / "aa-broken.yaml").write_text("systems:\n  - id: extra\n    rol: x\n",
                                         encoding="utf-8")
    flows = root / "flows.yaml"
    flows.write_text(flows.read_text(encoding="utf-8").replace("transport:", "transprt:", 1),
                     encoding="utf-8")
    output = tmp_path / "out" / "report.json"
    run = run_inprocess("check", root, "--as-of", AS_OF, "-f", "json", "-o", output)
    assert run.code == 2 and run.out == "" and "Traceback" not in run.err
    lines = run.err.splitlines()
    files = [re.match(r"pledge: (\S+?)(?::\d+)?: PLG", text).group(1)  # type: ignore[union-attr]
             for text in lines]
    assert {Path(f).name for f in files} == {"aa-broken.yaml", "flows.yaml", "zz-broken.yaml"}
    keys = [(f, int(m.group(1)) if (m := re.search(r":(\d+): PLG", t)) else 0)
            for f, t in zip(files, lines, strict=True)]
    assert keys == sorted(keys)
    assert not output.exists() and not output.parent.exists()


# --- the alias bomb: fast and small --------------------------------------------------------------
_MEASURE = """
import json, resource, sys, time
from pathlib import Path
from pledge.policy_model.errors import InputError
from pledge.policy_model.yaml_source import load_file
start = time.perf_counter()
try:
    load_file(Path(sys.argv[1]))
    outcome = "accepted"
except InputError as exc:
    outcome = exc.code
elapsed = time.perf_counter() - start
# VmHWM is this program's own peak; ru_maxrss would carry the forking parent's over exec
status = Path("/proc/self/status")
lines = status.read_text().splitlines() if status.exists() else []
hwm = [int(x.split()[1]) for x in lines if x.startswith("VmHWM:")]
peak_kb = hwm[0] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
peak_mb = peak_kb / 1024
print(json.dumps({"outcome": outcome, "seconds": elapsed, "peak_mb": peak_mb}))
"""


@pytest.mark.parametrize("name", ["inv-alias-bomb.yaml", "inv-quadratic-blowup.yaml",
                                  "pol-alias-bomb.yaml"])
def test_alias_bomb_is_refused_fast_with_little_memory(name: str) -> None:
    """Billion laughs: refused in well under a second; the whole process stays under 200 MB."""
    proc = subprocess.run([sys.executable, "-c", _MEASURE, str(HOSTILE / name)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=True)
    result = json.loads(proc.stdout)
    assert result["outcome"] == "PLG-E013"
    assert result["seconds"] < 1.0, result
    assert result["peak_mb"] < 200, result

