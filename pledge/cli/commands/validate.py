"""``pledge validate``: check policy and inventory files against the models, run nothing."""

from __future__ import annotations

from pathlib import Path

import click

from pledge.cli.common import EXIT_OK, get_inventory, get_policy, limits_option
from pledge.policy_model.errors import InputError, InputErrors
from pledge.policy_model.loading import load_inventory
from pledge.policy_model.yaml_source import load_file


def _is_policy(path: Path, max_size: int) -> bool:
    if path.is_dir() or path.suffix.lower() not in (".yaml", ".yml", ".json"):
        return False
    data, _ = load_file(path, max_size=max_size, display=str(path))
    return isinstance(data, dict) and "commitments" in data


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@limits_option
def validate(paths: tuple[Path, ...], max_file_size: int) -> int:
    """Validate PATHS: policy files and inventories (files or directories).

    With no PATHS, validates the bundled policy and inventory. Prints one line
    per problem with file and line, and exits 2 if there is any.
    """
    errors: list[InputError] = []
    if not paths:
        for load in (lambda: get_policy(None, max_file_size),
                     lambda: get_inventory(None, max_file_size)):
            try:
                load()
            except InputErrors as exc:
                errors.extend(exc.errors)
        if errors:
            raise InputErrors(errors)
        click.echo("ok: the bundled policy and inventory are valid")
        return EXIT_OK
    for path in paths:
        try:
            if not path.exists():
                raise InputErrors([InputError("PLG-E001", "no such file or directory",
                                              str(path), None, "check the path")])
            if _is_policy(path, max_file_size):
                get_policy(path, max_file_size)
                click.echo(f"ok: {path} (policy)")
            else:
                load_inventory(path, display=str(path), max_size=max_file_size)
                click.echo(f"ok: {path} (inventory)")
        except InputErrors as exc:
            errors.extend(exc.errors)
        except InputError as exc:
            errors.append(exc)
    if errors:
        raise InputErrors(errors)
    return EXIT_OK
