"""``pledge diff``: what a change to an inventory does to personal data and the commitments.

Two directories (``pledge diff BASE HEAD``), or the head directory and a git
revision of the same repository to read the base from (``pledge diff
--git-base origin/main HEAD``; the inventory's directory at that revision is
extracted with ``git archive`` into a temporary directory). Exit 1 when the
change newly breaks a commitment, 0 otherwise, 2 on bad input.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
from contextlib import ExitStack
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path

import click

from pledge.base.memory import paused_gc
from pledge.base.timings import phase
from pledge.checks.engine import RunResult
from pledge.checks.gating.diff import InventoryDiff, Side, diff_inventories, inventory_changes
from pledge.checks.gating.selection import Selection, parse_selectors, severity_floor
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.checks.located_later import located
from pledge.cli.commands.diff_terraform import terraform_diff
from pledge.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    as_of_option,
    cache_option,
    fail_on_option,
    get_policy,
    limits_option,
    policy_option,
    resolve_as_of,
    selectors_option,
    timings_option,
    waivers_option,
    write_output,
)
from pledge.cli.confirming import Confirmations
from pledge.cli.output_pairing import (
    FormatChoice,
    OrderedOptionsCommand,
    link_base_option,
    pair_outputs,
)
from pledge.cli.process_end import outlive
from pledge.cli.run import evaluate_selected
from pledge.cli.terraform import plan_option
from pledge.policy_model.errors import InputError, InputErrors
from pledge.policy_model.inventory import Inventory, InventoryMeta
from pledge.policy_model.load_share import LoadShare
from pledge.policy_model.loading import (
    InputFile,
    LoadedInventory,
    LoadedPolicy,
    display_path,
    load_inventory,
)
from pledge.policy_model.sources import SourceIndex
from pledge.policy_model.vocabulary import default_vocabularies
from pledge.reports.diff import render_json, render_text
from pledge.reports.document import Gate, build_report
from pledge.reports.formats import RENDERERS
from pledge.reports.markdown import render_diff
from pledge.reports.safe import plain

DIFF_FORMATS = ("text", "json", "markdown", "sarif", "junit", "github")
"""text, json and markdown describe the whole diff; the others the newly failing findings."""


# --- reading the base from git --------------------------------------------------------------
def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, env=env,
                              timeout=120, check=False)
    except FileNotFoundError:
        raise InputErrors([InputError("PLG-E019", "--git-base needs git, which is not "
                                      "installed", None, None, "install git")]) from None


def _git_error(message: str, proc: subprocess.CompletedProcess[bytes]) -> InputErrors:
    detail = " ".join(proc.stderr.decode("utf-8", "replace").split())[:200]
    return InputErrors([InputError("PLG-E019", f"{message}: {detail}" if detail else message,
                                   None, None, "check the revision and the path")])


def extract_base(ref: str, head: Path, into: Path) -> tuple[Path | None, str]:
    """Extract ``head``'s path at git revision ``ref`` under ``into``.

    Returns the extracted path (None when the path did not exist at ``ref``)
    and how to show it (``REF:path``).
    """
    if not ref or ref.startswith("-"):
        raise InputErrors([InputError("PLG-E019", f"--git-base '{plain(ref)}' is not a "
                                      "revision", None, None, "e.g. --git-base origin/main")])
    if not head.exists():
        raise InputErrors([InputError("PLG-E001", "no such file or directory", str(head),
                                      None, "check the path")])
    where = head if head.is_dir() else head.parent
    top = _git(["rev-parse", "--show-toplevel"], where.resolve())
    if top.returncode != 0:
        raise _git_error(f"{head} is not inside a git repository", top)
    root = Path(top.stdout.decode("utf-8").strip()).resolve()
    rel = head.resolve().relative_to(root).as_posix()
    spec = rel if rel != "." else ""
    shown = f"{ref}:{spec}" if spec else f"{ref}:"
    commit = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
                  root)
    if commit.returncode != 0:
        raise _git_error(f"--git-base {plain(ref)} is not a commit of the repository", commit)
    sha = commit.stdout.decode("ascii").strip()
    listed = _git(["ls-tree", "--name-only", sha, "--", spec or "."], root)
    if listed.returncode != 0:
        raise _git_error(f"cannot list {shown}", listed)
    if not listed.stdout.strip():
        return None, shown
    archive = _git(["archive", "--format=tar", sha, "--", spec or "."], root)
    if archive.returncode != 0:
        raise _git_error(f"cannot read {shown}", archive)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        try:
            tar.extractall(into, filter="data")
        except tarfile.FilterError as exc:  # a link to /etc/... or ../..: never followed
            member = plain(exc.tarinfo.name)
            raise InputErrors([InputError(
                "PLG-E014", "symlink points outside the inventory directory (at --git-base "
                f"{plain(ref)})", f"{ref}:{member}", None,
                "replace the link with the file itself")]) from None
        except (tarfile.TarError, OSError) as exc:
            raise InputErrors([InputError("PLG-E020", f"cannot unpack {shown} "
                                          f"({type(exc).__name__})", None, None,
                                          "check the revision")]) from None
    return into / spec if spec else into, shown


def _empty(name: str) -> LoadedInventory:
    """The inventory of a revision that had none: nothing declared, nothing reached."""
    return LoadedInventory(Inventory.model_construct(inventory=InventoryMeta(name=name)),
                           SourceIndex(), [], None)


# --- the command ----------------------------------------------------------------------------
def _side(loaded: LoadedInventory, like: Side | None = None) -> Side:
    """One side on its graph, built once (its declared nodes lent by ``like``'s graph when
    it holds the same entities); its checks' result comes later (:func:`_checks`)."""
    graph = FlowGraph(loaded.inventory, default_vocabularies(),
                      like=like.graph if like is not None else None)
    return Side(loaded.inventory, loaded.sources, graph, RunResult())


Checked = tuple[RunResult, list[str], list[InputFile]]
"""One side's result, its waiver warnings and its waiver file."""


def _checks(loaded_policy: LoadedPolicy, loaded: LoadedInventory, side: Side, *, when: date,
            selection: Selection, waivers: Path | None, max_size: int) -> Checked:
    """Check one side: the base with its own waiver file, the head with ``waivers`` (or its own).

    The diff reads the findings and the outcomes without their judged subjects
    (the report's are emptied: its subjects are the newly failing findings), and
    never the inventory's notices: neither is made or kept, and what runs in a
    forked child sends back only this. It shows only the findings that changed:
    the others are never located (:func:`_located`).
    """
    with phase(f"checks of {loaded.shown or 'the inventory'}"):
        result, warnings, extra = evaluate_selected(
            loaded_policy, loaded, as_of=when, selection=selection, waivers=waivers,
            max_size=max_size, graph=side.graph, notices=False, defer_locations=True)
    return (RunResult(outcomes=[replace(o, scopes=()) for o in result.outcomes],
                      findings=result.findings, unlocated=result.unlocated), warnings, extra)


def _located(diffed: InventoryDiff, base: Side, head: Side,
             loaded_policy: LoadedPolicy) -> InventoryDiff:
    """The diff with its findings located: the newly failing in the head, the newly fixed
    in the base, where their checks would have put them."""
    places = loaded_policy.locations
    return diffed.model_copy(update={
        "newly_failing": located(diffed.newly_failing, head.result.unlocated, head.sources,
                                 places),
        "newly_fixed": located(diffed.newly_fixed, base.result.unlocated, base.sources,
                               places)})


@click.command(cls=OrderedOptionsCommand)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--git-base", "git_base", metavar="REF", default=None,
              help="Read the base from this git revision of HEAD's repository "
                   "(then give only HEAD).")
@policy_option
@click.option("-f", "--format", "formats", multiple=True, type=FormatChoice(DIFF_FORMATS),
              help="Output format; repeat for several. sarif, junit and github hold the "
                   "newly failing findings.")
@click.option("-o", "--output", "outputs", multiple=True, type=click.Path(path_type=Path),
              help="File for the --format before it (default: standard output); or "
                   "-f FORMAT:PATH.")
@link_base_option
@as_of_option
@fail_on_option
@selectors_option("--select", "Compare only these")
@selectors_option("--ignore", "Leave out these")
@waivers_option
@limits_option
@cache_option
@plan_option("Compare INVENTORY before and after this Terraform plan (terraform show -json) "
             "instead: pledge diff --terraform PLAN.json [INVENTORY].")
@timings_option
def diff(paths: tuple[Path, ...], git_base: str | None, policy_path: Path | None,
         formats: tuple[str, ...], outputs: tuple[Path, ...], as_of: str | None,
         fail_on: str | None, select: tuple[str, ...], ignore: tuple[str, ...],
         waivers: Path | None, max_file_size: int, cache: Path | None,
         terraform_plan: Path | None, terraform_mapping: Path | None) -> int:
    """Compare inventory BASE with HEAD: pledge diff BASE HEAD, or --git-base REF HEAD.

    Prints new and removed recipients of each data category, purposes,
    retention changes, newly stored sensitive data, and the commitments the
    change newly breaks or newly keeps. Exit 1 when it newly breaks one.
    With --terraform, the inventory before and after a Terraform plan.
    """
    if terraform_plan is not None:
        return terraform_diff(paths, terraform_plan, terraform_mapping, git_base=git_base,
                              policy_path=policy_path,
                              formats=formats, outputs=outputs, as_of=resolve_as_of(as_of),
                              fail_on=fail_on, select=select, ignore=ignore, waivers=waivers,
                              max_file_size=max_file_size)
    wanted = 1 if git_base else 2
    if len(paths) != wanted:
        usage = "--git-base REF HEAD" if git_base else "BASE HEAD (or --git-base REF HEAD)"
        raise InputErrors([InputError("PLG-E019", f"pledge diff takes {usage}; got "
                                      f"{len(paths)} path{'s' if len(paths) != 1 else ''}",
                                      None, None, "e.g. pledge diff --git-base origin/main "
                                      "inventories/marosoap")])
    plan = pair_outputs(formats, outputs)
    when = resolve_as_of(as_of)
    floor = severity_floor(fail_on)
    selection = Selection(tuple(parse_selectors(select)), tuple(parse_selectors(ignore)))
    loaded_policy = get_policy(policy_path, max_file_size)
    with ExitStack() as stack:
        stack.enter_context(paused_gc())  # two inventories, graphs and runs, kept to the end
        beside = stack.enter_context(Confirmations())  # each load's last checks, beside
        share = LoadShare()  # the head takes the base's models where its bytes are the same
        if git_base:
            head_path = paths[0]
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pledge-base-")))
            base_path, base_label = extract_base(git_base, head_path, tmp)
            shown = base_label + "." if base_label.endswith(":") else base_label
            base_loaded = (beside.started(load_inventory(
                base_path, display=shown, max_size=max_file_size, cache=cache, share=share,
                confirm_later=True)) if base_path is not None else _empty(base_label))
        else:
            base_path, head_path = paths
            base_label = display_path(base_path)
            base_loaded = beside.load(base_path, max_file_size, cache, share)
        check = partial(_checks, loaded_policy, when=when, selection=selection,
                        max_size=max_file_size)
        # the second core: the base's last load checks (started above) while this process
        # builds its graph; each side's checks in a forked child as soon as its graph is
        # built, the base's while this process loads the head, the head's (after the
        # head's references) while it compares the two; only findings and outcomes come
        # back. The head's own file checks cover only what it did not take from the base's
        # slices, here, once the base's are confirmed
        base = _side(base_loaded)
        base_checks = beside.joined(base_loaded, partial(check, base_loaded, base,
                                                         waivers=None))
        head_loaded = beside.load(head_path, max_file_size, cache, share, start=False)
        head = _side(head_loaded, like=base)
        head_checks = beside.joined(head_loaded, partial(check, head_loaded, head,
                                                         waivers=waivers),
                                    references_only=True)
        with phase("compare the inventories"):
            changes = inventory_changes(base, head)
        beside.confirm()  # both inventories vouched for before the checks' results are read
        base_result = base_checks.result()[0]
        head_result, warnings, extra = head_checks.result()
        base, head = replace(base, result=base_result), replace(head, result=head_result)
        if base_path is None:
            warnings = [*warnings, f"{base_label} has no inventory; every entry is new"]
        with phase("compare the findings"):
            result = _located(diff_inventories(base, head, base_label=base_label,
                                               head_label=display_path(head_path), as_of=when,
                                               fail_on=floor, warnings=warnings,
                                               changes=changes),
                              base, head, loaded_policy)
    # the report of what the change newly breaks: its subjects are the newly failing
    # ones (a subject failing before and after must not be listed as passing)
    newly = RunResult(outcomes=[replace(o, scopes=()) for o in head.result.outcomes],
                      findings=result.newly_failing)
    gate = Gate(fail_on=floor, select=list(selection.select), ignore=list(selection.ignore))
    report = build_report(loaded_policy, head_loaded, newly, as_of=when, extra_inputs=extra,
                          warnings=warnings, gate=gate)
    rendered: list[tuple[str, Path | None]] = []
    for fmt, output in plan:
        with phase(f"render {fmt}"):
            if fmt == "text":
                rendered.append((render_text(result), output))
            elif fmt == "json":
                rendered.append((render_json(result), output))
            elif fmt == "markdown":
                rendered.append((render_diff(result), output))
            else:
                rendered.append((RENDERERS[fmt](report), output))
    with phase("write the outputs"):
        for text, output in rendered:  # everything rendered before anything is written
            write_output(text, output)
    outlive(base, head, base_loaded, head_loaded, report, rendered)  # freed by the exit
    return EXIT_FAIL if result.result == "fail" else EXIT_OK
