"""Fuzzing: random and mutated policies and inventories never crash pledge.

The generators and the properties live in :mod:`fuzz.targets` (shared with the
long run, ``python fuzz/run.py --examples 20000``). Here each target runs a
few dozen examples, in this process: loading never raises anything but an
input error, each input error is one coded line, a valid inventory never
crashes a check or a renderer, no output holds a control character, and the
command line exits 0, 1 or 2 without a traceback. ``PLEDGE_FUZZ_SCALE=10``
multiplies the example counts. A few inputs also go through real processes.
"""

from __future__ import annotations

import json
import os
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fuzz import targets as t
from tests.conftest import AS_OF, INVENTORY, Run, run_pledge

settings.register_profile(
    "pledge-fuzz", deadline=None, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much])
PROFILE = settings.get_profile("pledge-fuzz")
SCALE = float(os.environ.get("PLEDGE_FUZZ_SCALE", "1"))


def examples(n: int) -> settings:
    """The fuzz profile with ``n`` examples (times ``PLEDGE_FUZZ_SCALE``)."""
    return settings(PROFILE, max_examples=max(1, int(n * SCALE)))


@examples(60)
@given(st.binary(max_size=2000), st.sampled_from([".yaml", ".json"]))
@example(b"\xef\xbb\xbf", ".yaml")
@example(b"\xff\xfe\x00\x00", ".json")
@example(b"systems: [" * 2000, ".yaml")
@example(b"[" * 3000, ".json")
def test_random_bytes_never_crash_the_loader(data: bytes, suffix: str) -> None:
    t.check_file_bytes(data, suffix)


@examples(60)
@given(t.yaml_text)
@example("a: !!python/object/apply:os.system [true]")
@example("a: &a [*a]")
@example("? - x\n: y")
@example("a: !!omap [b, c]")
@example("a: !!set [1]")
@example("a: !!timestamp x")
@example("0x" + "f" * 9000)
def test_random_yaml_never_crashes_the_loader(text: str) -> None:
    t.check_file_bytes(text.encode("utf-8", "surrogatepass"), ".yaml")


@examples(40)
@given(t.json_text)
@example('{"systems": [{"id": "\\ud800"}]}')
@example('{"a": 1e999999}')
def test_random_json_never_crashes_the_loader(text: str) -> None:
    t.check_file_bytes(text.encode("utf-8", "surrogatepass"), ".json")


@examples(8)
@given(t.mutated_inventory_file())
def test_mutated_bundled_inventory_never_crashes(case: tuple[str, str]) -> None:
    t.check_inventory_file(*case)


@examples(12)
@given(t.structured_inventory())
def test_generated_inventories_load_check_and_render_safely(inventory: dict) -> None:
    t.check_file_bytes(t.dump_yaml(inventory).encode("utf-8", "surrogatepass"), ".yaml")


@examples(15)
@given(t.structured_inventory())
def test_generated_json_inventories_load_the_same_by_either_json_path(inventory: dict) -> None:
    t.check_json_paths_agree(json.dumps(inventory, default=str, ensure_ascii=False).encode(
        "utf-8", "surrogatepass"))


@examples(15)
@given(t.mutated_policy())
def test_mutated_bundled_policy_never_crashes(text: str) -> None:
    t.check_policy_text(text)


@examples(12)
@given(t.generated_policy())
def test_generated_policies_load_check_and_render_safely(text: str) -> None:
    t.check_policy_text(text)


@examples(25)
@given(st.binary(max_size=400) | t.yaml_text.map(lambda s: s.encode("utf-8", "surrogatepass")),
       st.sampled_from([".yaml", ".json"]), st.sampled_from(["check", "validate", "policy"]))
def test_cli_exits_0_1_or_2_without_traceback(data: bytes, suffix: str, command: str) -> None:
    t.check_cli_on_file(data, suffix, command)


# --- a few real processes ----------------------------------------------------------------------
def _garbage(seed: int) -> bytes:
    rng = random.Random(seed)
    text = (INVENTORY / "flows.yaml").read_bytes()
    cuts = sorted(rng.sample(range(len(text)), 6))
    return b"".join(text[a:b] + bytes([rng.randrange(256)]) for a, b in
                    zip([0, *cuts], [*cuts, len(text)], strict=True))


@pytest.fixture(scope="module")
def real_runs(tmp_path_factory: pytest.TempPathFactory) -> list[Run]:
    """Mutated files through ``python -m pledge``, concurrently."""
    base = tmp_path_factory.mktemp("fuzz-subprocess")
    jobs: list[list[str]] = []
    for seed in range(1):
        root = base / f"inv{seed}"
        root.mkdir()
        for path in INVENTORY.iterdir():
            if path.is_file():  # infra/ holds Terraform, not inventory
                (root / path.name).write_bytes(path.read_bytes())
        (root / "flows.yaml").write_bytes(_garbage(seed))
        jobs.append(["check", str(root), "--as-of", AS_OF])
    noise = base / "noise.json"
    noise.write_bytes(bytes(random.Random(9).randrange(256) for _ in range(3000)))
    jobs.append(["validate", str(noise)])
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda argv: run_pledge(*argv, timeout=120), jobs))


def test_real_processes_exit_cleanly_on_mutated_input(real_runs: list[Run]) -> None:
    for run in real_runs:
        assert run.code in (0, 1, 2), run.err
        assert "Traceback" not in run.err and "internal error" not in run.err, run.err
        if run.code == 2:
            assert all(line.startswith("pledge: ") for line in run.err.splitlines()), run.err


def test_fuzz_script_runs(tmp_path: Path) -> None:
    """``fuzz/run.py`` itself works (a handful of inputs) and writes its report block."""
    from fuzz import run

    doc = tmp_path / "doc.md"
    doc.write_text(f"before\n{run.MARKER}\nold\n{run.MARKER}\nafter\n", encoding="utf-8")
    assert run.main(["--examples", "3", "--target", "bytes-yaml", "--report", str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert "old" not in text and "| bytes-yaml |" in text and text.endswith("after\n")
