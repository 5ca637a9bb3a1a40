"""Fetch the data map's JavaScript libraries from the npm registry and pin them by SHA-256.

The interactive data map (``pledge graph html``, the map in ``report.html``)
inlines Cytoscape.js and its dagre layout extension, so the page needs no
network. The files live in ``reports/html_assets/`` with their licences; this
script is how they got there and how anyone can check they are what the
registry serves:

- :data:`PACKAGES` pins each npm package by version and the SHA-256 of its
  tarball, and each file taken from it by SHA-256;
- ``python scripts/vendor_assets.py`` runs ``npm pack`` for each package,
  checks the tarball and every file against the pins, writes the files and
  ``VENDORED.md`` (fails, writing nothing, on any mismatch);
- ``python scripts/vendor_assets.py --check`` needs no network: it checks the
  committed files against the pins and that ``VENDORED.md`` is current.

To move to a new version, change the version and put the new digests the
script reports in place of the old ones, after reading the library's changes.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "reports" / "html_assets"
RECORD = ASSETS / "VENDORED.md"


@dataclass(frozen=True)
class Vendored:
    """One file taken from a package tarball: its path there, its name here, its digest."""

    source: str
    target: str
    sha256: str


@dataclass(frozen=True)
class Package:
    """One npm package at an exact version, and what is taken from it."""

    name: str
    version: str
    licence: str
    tarball_sha256: str
    files: tuple[Vendored, ...]
    note: str


PACKAGES: tuple[Package, ...] = (
    Package("cytoscape", "3.35.0", "MIT",
            "058a81a7534777ea68dc737e9b77bd5b701e00acd9bee246245a576eeeac32e6",
            (Vendored("package/dist/cytoscape.min.js", "cytoscape.min.js",
                      "71fa9ebec21a7ca2c40cff6aacc30d1f6464e363662ad4b2c197e1adc770cd94"),
             Vendored("package/LICENSE", "cytoscape.LICENSE.txt",
                      "eb319c6e6f233607f71e8e2f450391751883cfc0eeb3ca7ef574c13d1d9c2203")),
            "Graph drawing, interaction (zoom, pan, selection) and the layout framework."),
    Package("cytoscape-dagre", "4.0.1", "MIT",
            "830f9ad4860db701cb6f899ef3590f5c1bfb4d53d8108894f00b56131907e514",
            (Vendored("package/dist/cytoscape-dagre.min.js", "cytoscape-dagre.min.js",
                      "ec671a41d2bfcac580352e2997797793949e3489cecaf347fc48670d4bd456b0"),
             Vendored("package/LICENSE", "cytoscape-dagre.LICENSE.txt",
                      "c8f8d9008103872d6686927c1646c9267726c1f1c44a8f625399325b6d190837")),
            "The layered (Sugiyama) layout; its minified file bundles @dagrejs/dagre 3.0.0 "
            "and @dagrejs/graphlib 4.0.1."),
    Package("@dagrejs/dagre", "3.0.0", "MIT",
            "7d4e67fb70304a2e8b389a1200884ea1b4e2e761bf9f70f07eb77d3d28f1fb3f",
            (Vendored("package/LICENSE", "dagre.LICENSE.txt",
                      "6a349742a6cb219d5a2fc8d0844f6d89a6efc62e20c664450d884fc7ff2d6015"),),
            "Only its licence: the code is bundled in cytoscape-dagre.min.js."),
    Package("@dagrejs/graphlib", "4.0.1", "MIT",
            "80b514972e3b102e15c6b42fa0e2f98703256692306a9e23708313c55d6b3605",
            (Vendored("package/LICENSE", "graphlib.LICENSE.txt",
                      "6a349742a6cb219d5a2fc8d0844f6d89a6efc62e20c664450d884fc7ff2d6015"),),
            "Only its licence: dagre's graph library, bundled in cytoscape-dagre.min.js."),
)


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def record() -> str:
    """``VENDORED.md``: what is vendored, from where, under which licence, with digests."""
    lines = [
        "# Vendored JavaScript",
        "",
        "The interactive data map inlines these files so that the page loads nothing from the",
        "network. They come unchanged from the npm registry; `python scripts/vendor_assets.py`",
        "fetches them again (`npm pack`) and checks every digest below, and",
        "`python scripts/vendor_assets.py --check` checks the files here without the network.",
        "This file is written by that script.",
        "",
        "Every licence is MIT, compatible with pledge's Apache-2.0; each licence text is kept",
        "beside the code as `<name>.LICENSE.txt` and installed with the package.",
        "",
        "| package | version | licence | tarball SHA-256 | why |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| `{p.name}` | {p.version} | {p.licence} | `{p.tarball_sha256}` | {p.note} |"
              for p in PACKAGES]
    lines += ["", "| file | from | SHA-256 |", "|---|---|---|"]
    lines += [f"| `{f.target}` | `{p.name}@{p.version}` `{f.source.removeprefix('package/')}` "
              f"| `{f.sha256}` |" for p in PACKAGES for f in p.files]
    return "\n".join(lines) + "\n"


def check(assets: Path = ASSETS) -> list[str]:
    """Every way the committed files differ from the pins (empty when they match)."""
    problems = []
    for package in PACKAGES:
        for item in package.files:
            path = assets / item.target
            if not path.is_file():
                problems.append(f"{path}: missing; run python scripts/vendor_assets.py")
            elif (got := sha256(path.read_bytes())) != item.sha256:
                problems.append(f"{path}: SHA-256 {got}, pinned {item.sha256}")
    current = (assets / RECORD.name).read_text(encoding="utf-8") if (
        assets / RECORD.name).is_file() else ""
    if current != record():
        problems.append(f"{assets / RECORD.name}: out of date; run python "
                        "scripts/vendor_assets.py")
    return problems


def fetch(package: Package, scratch: Path) -> dict[str, bytes]:
    """The pinned files of ``package``, from ``npm pack``; raises on any digest mismatch."""
    done = subprocess.run(["npm", "pack", f"{package.name}@{package.version}",
                           "--pack-destination", str(scratch), "--silent"],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"npm pack {package.name}@{package.version} failed: "
                         f"{done.stderr.strip()}")
    tarball = scratch / done.stdout.strip().splitlines()[-1]
    data = tarball.read_bytes()
    problems = []
    if sha256(data) != package.tarball_sha256:
        problems.append(f"{package.name}@{package.version} tarball: SHA-256 {sha256(data)}, "
                        f"pinned {package.tarball_sha256}")
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for item in package.files:
            member = archive.extractfile(item.source)
            if member is None:
                raise SystemExit(f"{package.name}@{package.version}: no {item.source}")
            content = member.read()
            if sha256(content) != item.sha256:
                problems.append(f"{package.name}@{package.version} {item.source}: SHA-256 "
                                f"{sha256(content)}, pinned {item.sha256}")
            out[item.target] = content
    if problems:
        raise SystemExit("\n".join(problems))
    return out


def main(argv: list[str] | None = None) -> int:
    """Fetch and write (default), or ``--check`` the committed files offline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="check the committed files against the pins (no network)")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        print("\n".join(problems) or f"{RECORD.relative_to(ROOT)}: every file matches its pin")
        return 1 if problems else 0
    with tempfile.TemporaryDirectory() as scratch:
        fetched = {}
        for package in PACKAGES:
            fetched.update(fetch(package, Path(scratch)))
    for name, content in sorted(fetched.items()):
        (ASSETS / name).write_bytes(content)
    RECORD.write_text(record(), encoding="utf-8")
    print(f"wrote {len(fetched)} files and {RECORD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
