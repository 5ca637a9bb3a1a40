"""Write docs/error-catalogue.md from the errors catalogue, with real example messages.

Each code's example is produced, not typed: the input in :data:`EXAMPLES` is
written to a scratch directory and given to ``pledge`` (in this process), and
the first line naming the code is kept. So the page shows exactly what a user
sees, and the script fails if a code's example stops producing that code.

Usage::

    python scripts/gen_error_catalogue.py            # write the page
    python scripts/gen_error_catalogue.py --check    # exit 1 if the page is out of date
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pledge.policy_model.errors import CATALOGUE  # noqa: E402

DOC = ROOT / "docs" / "error-catalogue.md"
SOURCE = ROOT / "policy_model" / "source" / "marosoap-privacy-policy.txt"
AS_OF = "2026-11-29"
SYSTEM = ("systems:\n  - id: shop\n    name: Shop\n    type: internal\n    role: storefront\n"
          "    country: MA\n")
QUOTE = "All payment information is transmitted via encrypted channels"


def _policy(check: str = "kind: transport-encryption\n      categories: [user.payment]",
            sha256: str | None = None, extra: str = "") -> str:
    digest = sha256 or hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    return (f"id: example\ntitle: Example policy\nversion: '1'\norganisation: Example\n"
            f"source:\n  title: Privacy policy\n  path: privacy-policy.txt\n  sha256: '{digest}'\n"
            f"commitments:\n  - id: PAY-004\n    title: Payment data is encrypted in transit\n"
            f"    severity: high\n    clause:\n      section: Security\n      quote: {QUOTE}\n"
            f"    check:\n      {check}\n{extra}")


@dataclass
class Example:
    """Files to write (relative path -> text or bytes), then the pledge arguments to run."""

    argv: list[str]
    files: dict[str, str | bytes] = field(default_factory=dict)
    unreadable: str | None = None  # a file whose opening fails as if permission were denied


EXAMPLES: dict[str, Example] = {
    "PLG-E001": Example(["check", "inventory/", "--as-of", AS_OF]),
    "PLG-E002": Example(["validate", "systems.yaml"],
                        {"systems.yaml": SYSTEM + "  - id: [unclosed\n"}),
    "PLG-E003": Example(["validate", "systems.yaml"],
                        {"systems.yaml": SYSTEM + "    role: backend\n"}),
    "PLG-E004": Example(["validate", "systems.yaml"],
                        {"systems.yaml": SYSTEM + "    rol: backend\n"}),
    "PLG-E005": Example(["validate", "systems.yaml"],
                        {"systems.yaml": SYSTEM.replace("    name: Shop\n", "")}),
    "PLG-E006": Example(["validate", "systems.yaml"],
                        {"systems.yaml": SYSTEM.replace("role: storefront", "role: storefrnt")}),
    "PLG-E007": Example(["validate", "inventory.yaml"], {"inventory.yaml": SYSTEM + (
        "stores:\n  - id: db\n    name: DB\n    system: shop\n    fields:\n"
        "      - {name: card, category: user.financial.card_number}\n")}),
    "PLG-E008": Example(["validate", "inventory.yaml"], {"inventory.yaml": SYSTEM + (
        "stores:\n  - id: db\n    name: DB\n    system: shopp\n")}),
    "PLG-E009": Example(["validate", "systems.yaml"],
                        {"systems.yaml": SYSTEM + SYSTEM.replace("systems:\n", "")}),
    "PLG-E010": Example(["validate", "empty.yaml"], {"empty.yaml": ""}),
    "PLG-E011": Example(["validate", "systems.yaml", "--max-file-size", "64"],
                        {"systems.yaml": SYSTEM}),
    "PLG-E012": Example(["validate", "systems.yaml"],
                        {"systems.yaml": SYSTEM.replace("Shop", "Caf\xe9").encode("latin-1")}),
    "PLG-E013": Example(["validate", "bomb.yaml"], {"bomb.yaml": "a: &a [x, x, x, x, x, x, x, x]\n"
                        + "".join(f"{c}: &{c} [{', '.join([f'*{p}'] * 8)}]\n"
                                  for p, c in zip("abcdefg", "bcdefgh", strict=True))}),
    "PLG-E014": Example(["check", "--policy", "policies/", "--as-of", AS_OF],
                        {"policies/README": "a directory"}),
    "PLG-E015": Example(["explain", "PAY-999"]),
    "PLG-E016": Example(["validate", "policy.yaml"], {"policy.yaml": _policy(sha256="0" * 64),
                                                      "privacy-policy.txt": SOURCE.read_bytes()}),
    "PLG-E017": Example(["validate", "list.yaml"], {"list.yaml": "- systems\n- stores\n"}),
    "PLG-E018": Example(["validate", "systems.yaml"],
                        {"systems.yaml": SYSTEM + "    agreements: [dpa, scc, dpa]\n"}),
    "PLG-E019": Example(["check", "--as-of", "yesterday"]),
    "PLG-E020": Example(["validate", "systems.yaml"], {"systems.yaml": SYSTEM},
                        unreadable="systems.yaml"),
    "PLG-E021": Example(["validate", "systems.yaml"], {"systems.yaml": "systems:\n" + "".join(
        f"  - {{id: s{i}}}\n" for i in range(60))}),
    # Database discovery: E023 needs the PostgreSQL test server (trust auth, no such role).
    "PLG-E022": Example(["discover", "postgresql://shop@127.0.0.1:1/shop"]),
    "PLG-E023": Example(["discover", "postgresql://no_such_role@127.0.0.1:5432/test"]),
    "PLG-E024": Example(["discover", "postgresql+psycopg2://shop@127.0.0.1/shop"]),
    "PLG-E025": Example(["discover", "postgresql://shop@db.internal/shop",
                         "--allow-host", "127.0.0.1"]),
    "PLG-E026": Example(["import", "fides", "shop.yml"], {"shop.yml": (
        "system:\n  - fides_key: shop\n    system_type: Service\n    privacy_declarations:\n"
        "      - {data_categories: [user.contact], data_use: marketing}\n"
        "data_category:\n  - {fides_key: user.loyalty, parent_key: system}\n")}),
}


@contextlib.contextmanager
def _scratch(example: Example) -> Iterator[None]:
    """A scratch working directory holding the example's files; unreadable files patched."""
    previous = Path.cwd()
    real_open = Path.open

    def deny(self: Path, *args: object, **kwargs: object) -> object:
        if example.unreadable and self.name == Path(example.unreadable).name:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    with tempfile.TemporaryDirectory(prefix="pledge-catalogue-") as tmp:
        for name, content in example.files.items():
            path = Path(tmp) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        os.chdir(tmp)
        Path.open = deny  # type: ignore[assignment,method-assign]
        try:
            yield
        finally:
            Path.open = real_open  # type: ignore[method-assign]
            os.chdir(previous)


def example_message(code: str) -> str:
    """Run the example of ``code``; the first stderr line with that code, without 'pledge: '."""
    from pledge.cli import main

    err = io.StringIO()
    with _scratch(EXAMPLES[code]), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(err), contextlib.suppress(SystemExit):
        main(EXAMPLES[code].argv)
    for line in err.getvalue().splitlines():
        if f"{code} " in line:
            return line.removeprefix("pledge: ")
    raise SystemExit(f"the example for {code} did not produce it: {err.getvalue()!r}")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _code_span(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{_cell(text)}{pad}{fence}"


def render(message: Callable[[str], str] = example_message) -> str:
    """The whole page."""
    lines = [
        "# Error catalogue",
        "",
        "<!-- Generated by scripts/gen_error_catalogue.py from policy_model/errors.py; "
        "do not edit. -->",
        "",
        "Every problem with what a user gives pledge (files, options) is an input error: one "
        "line on standard error, `file:line: PLG-Ennn message (hint)`, and exit status 2. "
        "Several problems are all reported, sorted by file and line; nothing is written. "
        "A commitment pledge cannot check (an unknown kind, a check that crashes) is not an "
        "input error but an `error` finding in the report, and the run exits 1.",
        "",
        "| Code | Cause | Fix | Example message |",
        "|---|---|---|---|",
    ]
    for code, (cause, fix) in sorted(CATALOGUE.items()):
        lines.append(f"| {code} | {_cell(cause)} | {_cell(fix)} | {_code_span(message(code))} |")
    lines += ["", "Each example is the real output of `pledge` on a small input kept in the "
              "script, so the page changes when a message does.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write the page, or with --check report whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    args = parser.parse_args(argv)
    missing = sorted(set(CATALOGUE) - set(EXAMPLES))
    if missing:
        raise SystemExit(f"no example for {', '.join(missing)}")
    text = render()
    if args.check:
        current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
        if current != text:
            print(f"{DOC.relative_to(ROOT)} is out of date: run "
                  "python scripts/gen_error_catalogue.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC.relative_to(ROOT)} ({len(CATALOGUE)} codes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

