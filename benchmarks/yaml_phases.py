"""Where the time of reading YAML goes: libyaml's events, PyYAML's nodes and objects, pydantic.

For a directory of YAML inventory files (``benchmarks/generate.py --format yaml``)
each stage is timed alone (CPU seconds, so that other work on the machine does not
count), with the garbage collector paused as the loader does:

- **events**: libyaml scanning and parsing, each event handed to Python as an
  object with its marks (``yaml.parse`` with the C loader);
- **nodes**: the same, composed into PyYAML's node tree (tags resolved in Python);
- **objects**: the loader's own construction over those nodes (located mappings
  and lists, duplicate keys, merges, tags guarded): ``parse_yaml`` less ``nodes``;
- **models**: pydantic validating the constructed tree into the inventory models;
- **JSON, same data**: pydantic-core reading the same data as JSON text and
  validating it (what the JSON path costs for the same content);
- **cache entry**: what a warm fragment cache costs instead: the entries' models
  validated from JSON (``InventoryFragment.model_validate_json``).

Usage::

    python benchmarks/yaml_phases.py benchmarks/out/inventory-10000-v1-s20261129-r0.05
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pledge.policy_model.inventory import InventoryFragment  # noqa: E402
from pledge.policy_model.yaml_source import _Loader, parse_yaml  # noqa: E402


def _plain(value: object) -> object:
    """A located tree as plain dicts and lists (for the JSON comparison)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def measure(directory: Path) -> dict[str, float]:
    """Seconds per stage over every YAML file of ``directory``."""
    texts = [(str(p), p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.yaml"))]
    found = {"MB": sum(len(t) for _, t in texts) / 1e6}
    gc.disable()
    mark = time.process_time()
    events = sum(1 for _, text in texts for _ in yaml.parse(text, Loader=yaml.CSafeLoader))
    found["events"] = time.process_time() - mark
    found["event count"] = events
    mark = time.process_time()
    for _, text in texts:
        loader = _Loader(text)
        loader.get_single_node()
        loader.dispose()
    found["nodes"] = time.process_time() - mark
    mark = time.process_time()
    trees = [parse_yaml(text, name) for name, text in texts]
    found["objects"] = time.process_time() - mark - found["nodes"]
    mark = time.process_time()
    fragments = [InventoryFragment.model_validate(tree) for tree in trees]
    found["models"] = time.process_time() - mark
    as_json = [json.dumps(_plain(tree)) for tree in trees]
    del trees
    mark = time.process_time()
    for text in as_json:
        InventoryFragment.model_validate_json(text)
    found["JSON, same data"] = time.process_time() - mark
    entries = [f.model_dump_json(exclude_unset=True) for f in fragments]
    del fragments
    mark = time.process_time()
    for text in entries:
        InventoryFragment.model_validate_json(text)
    found["cache entry"] = time.process_time() - mark
    gc.enable()
    return found


def main(argv: list[str] | None = None) -> int:
    """Print each stage's seconds for one YAML inventory directory."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    for stage, value in measure(args.directory).items():
        print(f"{stage:>16}: {value:,.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
