"""The lint's rules, HW001 to HW007 (HW007 lives in ``shell``): each looks at one parsed DAG and returns its findings.

What a trigger rule does with skipped upstream tasks is asked of ``headwater.planning`` (the
functions a run uses), so a finding can never contradict what a run would do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from headwater.lint import source
from headwater.lint.findings import ERROR, WARNING, Finding, finding
from headwater.lint.shell import unquoted_run_input
from headwater.model.dag import DAG
from headwater.model.trigger_rule import DEPRECATED_ALIASES, TriggerRule
from headwater.operators.branch import BaseBranchOperator, BranchMixIn, LatestOnlyOperator
from headwater.operators.python import BranchPythonOperator, ShortCircuitOperator
from headwater.planning.rule_traits import propagates_skips, skipped_by_a_skipped_upstream
from headwater.planning.shape import DagShape, shape_of

NFMOS = TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS.value


def _is_branch(task: Any) -> bool:
    return isinstance(task, BranchMixIn) and not isinstance(task, LatestOnlyOperator)


def _skips_reaching(shape: DagShape, branch_id: str) -> Callable[[str], frozenset[str]]:
    """For a task: the tasks the branch chooses between whose skip reaches it, through rules that
    pass a skip on (a none_failed or all_done task stops it)."""
    children = set(shape.tasks[branch_id].downstream)
    reach: dict[str, frozenset[str]] = {}

    def reached(task_id: str) -> frozenset[str]:
        if task_id in reach:
            return reach[task_id]
        task = shape.tasks[task_id]
        found: set[str] = {task_id} if task_id in children else set()
        if skipped_by_a_skipped_upstream(task.rule, len(task.upstream)):
            for up in task.upstream:
                if up != branch_id:
                    found |= reached(up)
        reach[task_id] = frozenset(found)
        return reach[task_id]

    return reached


def joins_after_branch(dag: DAG, shape: DagShape) -> list[Finding]:
    """HW001: a join whose rule propagates skips, fed by paths from two or more different tasks a
    branch chooses between, with skip-propagating rules all along them: skipped whenever one path
    is not taken."""
    findings: list[Finding] = []
    flagged: set[str] = set()
    for branch_id, branch in dag.task_dict.items():
        if not _is_branch(branch):
            continue
        reached = _skips_reaching(shape, branch_id)
        for task_id in sorted(shape.descendants(branch_id)):
            task = shape.tasks[task_id]
            if task_id in flagged or not propagates_skips(task.rule, len(task.upstream)):
                continue
            entries = [frozenset({task_id}) if up == branch_id else reached(up) for up in task.upstream]
            feeding = [e for e in entries if e]
            sources = frozenset().union(*feeding) if feeding else frozenset()
            if len(feeding) >= 2 and len(sources) >= 2:
                flagged.add(task_id)
                starts = ", ".join(repr(s) for s in sorted(sources))
                findings.append(
                    finding(
                        "HW001",
                        ERROR,
                        dag,
                        dag.task_dict[task_id],
                        f"{task_id!r} joins the paths starting at {starts} after branch {branch_id!r}; with trigger "
                        f"rule {task.rule.value} it is skipped whenever the branch does not take all of them.",
                        f"Set trigger_rule={NFMOS!r} on {task_id!r} (or put a {NFMOS} join before it).",
                    )
                )
    return findings


def _pulled_by(task: Any) -> set[str]:
    ids: set[str] = set()
    func = getattr(task, "python_callable", None)
    if callable(func):
        ids.update(source.pulled_ids(func))
    for field in getattr(task, "template_fields", ()):
        ids.update(source.template_pulled_ids(getattr(task, field, None)))
    return ids


def pulls_from_elsewhere(dag: DAG, shape: DagShape) -> list[Finding]:
    """HW002: ``xcom_pull`` naming a task that does not exist, that is a group child named without
    its group, or that is not upstream of the puller (the pull can run first and get None)."""
    findings: list[Finding] = []
    for task_id, task in dag.task_dict.items():
        upstream: frozenset[str] | None = None
        for pulled in sorted(_pulled_by(task) - {task_id}):
            if pulled not in dag.task_dict:
                grouped = sorted(t for t in dag.task_dict if t.endswith("." + pulled))
                what = f"{task_id!r} pulls XComs from {pulled!r}, which is"
                if grouped:
                    message = f"{what} a task group child named without its group."
                    fix = f"Name it with its group prefix: {grouped[0]!r}."
                else:
                    message = f"{what} no task of this DAG: the pull returns None."
                    fix = "Pull from an existing task id (check the spelling)."
                findings.append(finding("HW002", ERROR, dag, task, message, fix))
                continue
            upstream = upstream if upstream is not None else shape.ancestors(task_id)
            if pulled not in upstream:
                findings.append(
                    finding(
                        "HW002",
                        ERROR,
                        dag,
                        task,
                        f"{task_id!r} pulls XComs from {pulled!r}, which is not upstream of it: the pull may run "
                        "first and return None.",
                        f"Make {pulled!r} upstream of {task_id!r} ({pulled} >> {task_id}).",
                    )
                )
    return findings


def short_circuits_over_gates(dag: DAG, shape: DagShape) -> list[Finding]:
    """HW003: a short-circuit left on ignore_downstream_trigger_rules=True skips every task below it,
    also those whose rule would have let them run after a skip (cleanups, gates)."""
    findings: list[Finding] = []
    for task_id, task in dag.task_dict.items():
        if not (isinstance(task, ShortCircuitOperator) and task.ignore_downstream_trigger_rules):
            continue
        gated = sorted(
            d
            for d in shape.descendants(task_id)
            if not skipped_by_a_skipped_upstream(shape.tasks[d].rule, max(2, len(shape.tasks[d].upstream)))
        )
        if gated:
            names = ", ".join(f"{d!r} ({shape.tasks[d].rule.value})" for d in gated)
            file, line = task.defined_at or (dag.fileloc, None)
            findings.append(
                Finding(
                    "HW003",
                    WARNING,
                    dag.dag_id,
                    (task_id, *gated),
                    file,
                    line,
                    f"Short-circuit {task_id!r} keeps ignore_downstream_trigger_rules=True, so when it returns a falsy "
                    f"value it skips every task below it, including {names}, whose trigger rules would have let "
                    "them run.",
                    f"Pass ignore_downstream_trigger_rules=False to {task_id!r} so the rules below it are honoured.",
                )
            )
    return findings


def _branch_returns(task: Any) -> list[str]:
    if isinstance(task, BranchPythonOperator):
        return source.returned_ids(task.python_callable)
    if isinstance(task, BaseBranchOperator) and not isinstance(task, LatestOnlyOperator):
        follows = [getattr(task, name, None) for name in ("follow_task_ids_if_true", "follow_task_ids_if_false")]
        if any(f is not None for f in follows):
            return [i for f in follows for i in ([f] if isinstance(f, str) else list(f or []))]
        choose = type(task).choose_branch
        if choose is not BaseBranchOperator.choose_branch:
            return source.returned_ids(choose)
    return []


def branches_to_nowhere(dag: DAG, shape: DagShape) -> list[Finding]:
    """HW004: a branch that returns (as a literal) an id that is no task of the DAG, or a task that
    is not directly downstream of it (the run fails, or the task is never followed)."""
    findings: list[Finding] = []
    for task_id, task in dag.task_dict.items():
        if not _is_branch(task):
            continue
        downstream = set(shape.tasks[task_id].downstream)
        for returned in dict.fromkeys(_branch_returns(task)):
            roots = shape.groups.get(returned)
            if returned not in dag.task_dict and roots is None:
                choices = ", ".join(repr(d) for d in sorted(downstream)) or "none"
                findings.append(
                    finding(
                        "HW004",
                        ERROR,
                        dag,
                        task,
                        f"Branch {task_id!r} can return {returned!r}, which is no task of this DAG: the branch task "
                        "fails when it does.",
                        f"Return one of its downstream tasks: {choices}.",
                    )
                )
            elif not set(roots or (returned,)) <= downstream:
                findings.append(
                    finding(
                        "HW004",
                        ERROR,
                        dag,
                        task,
                        f"Branch {task_id!r} can return {returned!r}, which is not directly downstream of it: a branch "
                        "only follows or skips its direct downstream tasks.",
                        f"Add {task_id} >> {returned}, or return a direct downstream task.",
                    )
                )
    return findings


def deprecated_rule_names(dag: DAG, shape: DagShape) -> list[Finding]:
    """HW006: a trigger rule written as a deprecated alias."""
    findings: list[Finding] = []
    for task in dag.task_dict.values():
        alias = getattr(task, "trigger_rule_alias", None)
        if alias is not None:
            new = DEPRECATED_ALIASES[alias].value
            findings.append(
                finding(
                    "HW006",
                    WARNING,
                    dag,
                    task,
                    f"{task.task_id!r} uses trigger rule {alias!r}, a deprecated alias of {new!r}.",
                    f"Write trigger_rule={new!r} (TriggerRule.{new.upper()}).",
                )
            )
    return findings


DAG_RULES = (
    joins_after_branch,
    pulls_from_elsewhere,
    short_circuits_over_gates,
    branches_to_nowhere,
    unquoted_run_input,
)
LAST_RULES = (deprecated_rule_names,)


def lint_dag(dag: DAG) -> list[Finding]:
    shape = shape_of(dag)
    return [f for rule in (*DAG_RULES, *LAST_RULES) for f in rule(dag, shape)]


def slow_imports(dags: Iterable[DAG], seconds: float, budget: float) -> list[Finding]:
    """HW005: a DAG file whose import (its top-level code) takes longer than the budget; every parse
    pays it, in the scheduler and in each worker."""
    return [
        Finding(
            "HW005",
            WARNING,
            dag.dag_id,
            (),
            dag.fileloc,
            None,
            f"Importing {dag.fileloc} took {seconds:.2f} s, more than the {budget:g} s budget: every parse of the "
            "file (the scheduler's, each worker's) pays it.",
            "Move slow work (queries, API calls, heavy imports) from the file's top level into the tasks.",
        )
        for dag in dags
    ]
