"""``headwater tasks why``: the decision that put a task instance in its state, as it was recorded
when it was made (the rule and the upstream states at the start of the deciding pass, or the operator
that skipped it, or how the try ended), and with ``--chain`` the causes upstream to the root."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import click

from headwater.cli.control import _settings, _store
from headwater.cli.errors import CliError

_WAITING_STATES = (None, "scheduled", "queued", "running", "up_for_retry", "deferred", "restarting")
_OPERATORS = {"branch": "branch", "short_circuit": "short-circuit", "latest_only": "latest-only"}


@dataclass
class Step:
    """One task instance in an explanation: its state and why."""

    task_id: str
    map_index: int
    state: str | None
    reason: str | None
    pass_number: int | None
    try_number: int
    decision: dict[str, Any] | None
    details: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.task_id if self.map_index < 0 else f"{self.task_id}[{self.map_index}]"

    def headline(self) -> str:
        state = self.state or "no state yet"
        decided_in = (self.decision or {}).get("pass")  # a rule's decision; an operator's skip is its try's
        when = f" (pass {decided_in})" if decided_in is not None else ""
        return f"{self.label} {state}: {self.reason or 'no decision recorded yet'}{when}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "map_index": self.map_index,
            "state": self.state,
            "reason": self.reason,
            "pass": (self.decision or {}).get("pass"),
            "try_number": self.try_number,
            "decision": self.decision,
            "details": self.details,
        }


def _label_key(label: str) -> tuple[str, int]:
    if label.endswith("]") and "[" in label:
        task_id, _, index = label[:-1].rpartition("[")
        return task_id, int(index)
    return label, -1


def _step(store: Any, dag_id: str, run_id: str, task_id: str, map_index: int) -> Step | None:
    ti = store.instance(dag_id, run_id, task_id, map_index)
    if ti is None:
        return None
    state = ti.state.value if ti.state is not None else None
    step = Step(task_id, map_index, state, ti.reason, ti.pass_number, ti.try_number, ti.decision)
    decision = ti.decision or {}
    if decision.get("kind") == "rule":
        fired = set(decision.get("fired_by", []))
        what = "setup constraint" if decision["rule"] == "setup" else f"trigger rule {decision['rule']}"
        looked_at = "setup tasks" if decision["rule"] == "setup" else "upstream"
        step.details.append(f"{what}; {looked_at} at the start of pass {decision.get('pass')}:")
        for up, up_state in sorted(decision.get("upstream", {}).items()):
            mark = "   <- fired the rule" if up in fired else ""
            step.details.append(f"  {up:<30} {up_state or 'no state'}{mark}")
    elif decision.get("kind") in _OPERATORS:
        step.details.append(f"decided by {_OPERATORS[decision['kind']]} {decision['by']!r}")
    elif state == "up_for_retry" and ti.next_retry_at is not None:
        step.details.append(f"next try ({ti.try_number + 1}) at {ti.next_retry_at.isoformat()}")
    elif state == "running":
        step.details.append(f"try {ti.try_number} running since {ti.start_date} on {ti.hostname} (pid {ti.pid})")
    elif state == "queued":
        step.details.append(f"try {ti.try_number + 1} queued at {ti.queued_at} for a free worker slot")
    return step


def _waiting_for(settings: Any, store: Any, step: Step, dag_id: str, run_id: str) -> None:
    """For an instance no pass has decided yet: what its rule is waiting for, asked of planning now."""
    from headwater import planning
    from headwater.errors import HeadwaterError
    from headwater.scheduler.control import find_dag

    try:
        dag = find_dag(settings, store, dag_id)
    except HeadwaterError as err:
        step.details.append(f"(the DAG cannot be loaded to say what it waits for: {err})")
        return
    shape = planning.shape_of(dag)
    states = {(i.task_id, i.map_index): i.state for i in store.task_instances(dag_id, run_id)}
    snapshot = planning.RunSnapshot(states, absent=set(shape.tasks) - {task_id for task_id, _ in states})
    key = (step.task_id, step.map_index)
    if key not in states or step.task_id not in shape.tasks:
        return
    verdict, _ = planning.verdict_for(shape, snapshot, key)
    step.details.append(f"now: {verdict.reason}")
    pending = {up: s for up, s in snapshot.upstream_states(shape, key).items() if s in _WAITING_STATES}
    if pending:
        step.details.append("waiting for: " + ", ".join(f"{up} ({s or 'no state yet'})" for up, s in pending.items()))


def _cause(store: Any, dag_id: str, run_id: str, step: Step) -> Step | None:
    """The instance whose state caused this one's: the first upstream that fired its rule, or the
    operator that skipped it. None at a root (a try's own outcome)."""
    decision = step.decision or {}
    if decision.get("kind") == "rule" and decision.get("fired_by"):
        task_id, map_index = _label_key(decision["fired_by"][0])
        return _step(store, dag_id, run_id, task_id, map_index)
    if decision.get("kind") in _OPERATORS:
        found = _step(store, dag_id, run_id, decision["by"], step.map_index)
        return found or _step(store, dag_id, run_id, decision["by"], -1)
    return None


def register_why(tasks: click.Group) -> None:
    @tasks.command("why")
    @click.argument("dag_id")
    @click.argument("run_id")
    @click.argument("task_id")
    @click.option("--map-index", type=int, default=-1)
    @click.option("--chain", is_flag=True, help="Follow the cause upstream to its root.")
    @click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
    def why(dag_id: str, run_id: str, task_id: str, map_index: int, chain: bool, as_json: bool) -> None:
        """Why a task instance is in its state: the decision recorded when it was made."""
        settings = _settings()
        with _store(settings) as store:
            if store.get_run(dag_id, run_id) is None:
                raise CliError(f"DAG {dag_id!r} has no run {run_id!r}; `headwater dags list-runs {dag_id}` lists them.")
            step = _step(store, dag_id, run_id, task_id, map_index)
            if step is None:
                mapped = sorted(i.map_index for i in store.task_instances(dag_id, run_id) if i.task_id == task_id)
                if mapped and map_index < 0:
                    raise CliError(
                        f"Task {task_id!r} of run {run_id!r} is mapped: pass --map-index N "
                        f"({mapped[0]} to {mapped[-1]})."
                    )
                raise CliError(
                    f"Run {run_id!r} of DAG {dag_id!r} has no task instance {task_id!r} (map index {map_index}); "
                    f"`headwater tasks states-for-dag-run {dag_id} {run_id}` lists them."
                )
            if step.state in (None, "scheduled"):
                _waiting_for(settings, store, step, dag_id, run_id)
            steps = [step]
            while chain:
                cause = _cause(store, dag_id, run_id, steps[-1])
                if cause is None or any(s.label == cause.label for s in steps):
                    break
                steps.append(cause)
        if as_json:
            document = {"dag_id": dag_id, "run_id": run_id, **step.as_dict()}
            if chain:
                document["chain"] = [s.as_dict() for s in steps]
            click.echo(json.dumps(document, indent=2, default=str))
            return
        click.echo(step.headline())
        for line in step.details:
            click.echo(f"  {line}")
        for cause in steps[1:]:
            click.echo(f"  <- {cause.headline()}")
