"""Run inside a virtual environment with fideslang: do its models accept these manifests?

Usage: python fideslang_accepts.py DIR...  -- prints one JSON line per directory:
{"dir": ..., "counts": {"system": n, ...}} or exits 1 with fideslang's error.
"""

import json
import sys
from pathlib import Path

import yaml
from fideslang.models import Taxonomy

for folder in sys.argv[1:]:
    merged: dict = {}
    for path in sorted(Path(folder).glob("*.yml")):
        for kind, items in yaml.safe_load(path.read_text(encoding="utf-8")).items():
            merged.setdefault(kind, []).extend(items)
    taxonomy = Taxonomy.model_validate(merged)  # raises on anything fideslang refuses
    counts = {kind: len(getattr(taxonomy, kind) or []) for kind in sorted(merged)}
    print(json.dumps({"dir": folder, "counts": counts}))
