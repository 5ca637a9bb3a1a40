"""``pledge init DIR``: a starter policy and inventory for a new organisation."""

from __future__ import annotations

import re
import unicodedata
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

import click

from pledge.cli.common import EXIT_OK
from pledge.policy_model.errors import InputError, InputErrors
from pledge.policy_model.pinning import pin_source
from pledge.reports.safe import plain

STARTER_PARTS = ("policy", "inventory")


def _starter_files() -> list[tuple[str, Traversable]]:
    root = resources.files("pledge.cli").joinpath("starter")
    found = []
    for part in STARTER_PARTS:
        for item in root.joinpath(part).iterdir():
            if item.is_file():
                found.append((f"{part}/{item.name}", item))
    return sorted(found, key=lambda pair: pair[0])


def _identifier(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ident = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    return ident or "organisation"


@click.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--organisation", default="Example Shop", show_default=True,
              help="The organisation's name, written into the policy and inventory.")
@click.option("--country", default="MA", show_default=True, metavar="CC",
              help="ISO 3166 country code of the organisation and the example systems.")
@click.option("--force", is_flag=True, help="Overwrite starter files that already exist.")
def init(directory: Path, organisation: str, country: str, force: bool) -> int:
    """Write a starter policy (DIR/policy) and inventory (DIR/inventory) that pass together.

    Then replace the starter text with your privacy policy, encode its promises,
    describe your systems, and run the check it prints.
    """
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise InputErrors([InputError("PLG-E019", f"--country '{country}' is not a two-letter "
                                      "ISO 3166 code", None, None, "e.g. --country MA")])
    values = {"organisation": " ".join(organisation.split()) or "Example Shop",
              "organisation_id": _identifier(organisation), "country": country}
    files = _starter_files()
    existing = [directory / rel for rel, _ in files if (directory / rel).exists()]
    if existing and not force:
        raise InputErrors([InputError("PLG-E019", f"{existing[0]} already exists", None, None,
                                      "choose an empty directory, or pass --force")])
    for rel, item in files:  # every file rendered before anything is written
        target = directory / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        text = Template(item.read_text(encoding="utf-8")).substitute(values)
        target.write_text(text, encoding="utf-8")
    policy_file = directory / "policy" / "policy.yaml"
    pin_source(policy_file)
    shown = plain(str(directory))
    click.echo(f"wrote a starter for {plain(values['organisation'])} in {shown}:\n"
               f"  {shown}/policy/privacy-policy.txt  the policy text: replace it with yours\n"
               f"  {shown}/policy/policy.yaml          its promises as commitments, pinned\n"
               f"  {shown}/inventory/                  systems, stores, flows, organisation\n"
               f"next: pledge check --policy {shown}/policy/policy.yaml {shown}/inventory\n"
               "guide: docs/writing-a-policy.md")
    return EXIT_OK
