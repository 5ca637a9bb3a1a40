"""Where a resource is written: its block in the Terraform source, else its entry in the plan.

The plan's configuration names each module's source directory (``./modules/db``
relative to its caller, the plan file's directory for the root module). A
resource is found there as its ``resource "TYPE" "NAME"`` block; when the
configuration's files are not beside the plan, its address in the plan JSON is
the location.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pledge.connectors.terraform.plan import Plan, PlanResource, _config_module_key
from pledge.policy_model.loading import display_path
from pledge.policy_model.sources import Location

_BLOCK = re.compile(r'^[ \t]*resource[ \t]+"([^"]+)"\s+"([^"]+)"', re.MULTILINE)
_MAX_TF_BYTES = 10_000_000


@dataclass
class Locator:
    """Finds resources in a plan's Terraform files (each directory read once)."""

    plan: Plan
    _blocks: dict[Path, dict[tuple[str, str], Location]] = field(default_factory=dict)
    _plan_lines: dict[str, int] | None = None

    def _read_dir(self, folder: Path) -> dict[tuple[str, str], Location]:
        found = self._blocks.get(folder)
        if found is not None:
            return found
        found = {}
        try:
            names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".tf"))
        except OSError:
            names = []
        for name in names:
            path = folder / name
            try:
                if path.stat().st_size > _MAX_TF_BYTES:
                    continue
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            for match in _BLOCK.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.setdefault((match.group(1), match.group(2)),
                                 Location(file=display_path(path), line=line))
        self._blocks[folder] = found
        return found

    def _plan_line(self, address: str) -> int | None:
        if self._plan_lines is None:
            self._plan_lines = {}
            text, line, last = self.plan.text, 1, 0
            for match in re.finditer(r'"address"\s*:\s*"((?:[^"\\]|\\.)*)"', text):
                line += text.count("\n", last, match.start())
                last = match.start()
                self._plan_lines.setdefault(match.group(1).replace('\\"', '"'), line)
        return self._plan_lines.get(address)

    def locate(self, resource: PlanResource) -> Location:
        """The resource's block in a .tf file, else its address in the plan."""
        folder = self.plan.config_dirs.get(_config_module_key(resource.module))
        if folder is not None:
            found = self._read_dir(folder).get((resource.type, resource.name))
            if found is not None:
                return found
        return Location(file=self.plan.file.display, line=self._plan_line(resource.address))
