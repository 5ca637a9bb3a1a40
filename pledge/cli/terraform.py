"""What ``check``, ``diff`` and ``import terraform`` share to read a Terraform plan."""

from __future__ import annotations

from pathlib import Path

import click

MAPPING_HELP = ("Terraform mapping file (default: terraform-mapping.yaml in the inventory "
                "directory, if any).")


def mapping_option(func):  # type: ignore[no-untyped-def]
    """--terraform-mapping FILE."""
    return click.option("--terraform-mapping", "terraform_mapping",
                        type=click.Path(path_type=Path), default=None, help=MAPPING_HELP)(func)


def plan_option(text: str):  # type: ignore[no-untyped-def]
    """--terraform PLAN.json, with ``text`` as its help."""
    def wrap(func):  # type: ignore[no-untyped-def]
        return click.option("--terraform", "terraform_plan", type=click.Path(path_type=Path),
                            default=None, metavar="PLAN.json", help=text)(mapping_option(func))
    return wrap
