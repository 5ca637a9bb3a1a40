"""What ``check``, ``diff`` and ``import terraform`` share to read a Terraform plan."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from pledge.cli.common import F

MAPPING_HELP = ("Terraform mapping file (default: terraform-mapping.yaml beside the plan, "
                "else in the inventory directory, if any).")


def mapping_option(func: F) -> F:
    """--terraform-mapping FILE."""
    return click.option("--terraform-mapping", "terraform_mapping",
                        type=click.Path(path_type=Path), default=None, help=MAPPING_HELP)(func)


def plan_option(text: str) -> Callable[[F], F]:
    """--terraform PLAN.json (with ``text`` as its help) and --terraform-mapping FILE."""
    def wrap(func: F) -> F:
        return click.option("--terraform", "terraform_plan", type=click.Path(path_type=Path),
                            default=None, metavar="PLAN.json", help=text)(mapping_option(func))
    return wrap
