"""Pure decisions over task-instance states: the one place headwater's semantics live.

No database, no clock, no I/O: plain data in, decisions with reasons out. The same functions serve
``dags test``, the scheduler and the explanation of why a task is in its state.
"""

from headwater.planning.admission import (
    WEIGHT_RULES,
    Admission,
    Candidate,
    CandidateKey,
    WeightInput,
    admission_order,
    admit,
    dag_priority_weights,
    priority_weights,
)
from headwater.planning.counts import UpstreamCounts, count_states
from headwater.planning.dagruns import (
    REPROCESS_CHOICES,
    DagRunInfo,
    backfill_action,
    backfill_infos,
    next_dagrun_info,
    schedule_window,
)
from headwater.planning.effects import (
    Skip,
    branch_skips,
    branch_targets,
    resolve_branch,
    short_circuit_skips,
    skipped_instances,
)
from headwater.planning.outcomes import (
    EMPTY_EXPANSION_REASON,
    deadlock_reason,
    expansion_keys,
    expansion_outcome,
    retry_delay,
    run_outcome,
    state_after_failure,
    timed_out_run,
)
from headwater.planning.passes import Decision, PassPlan, RunSnapshot, plan_pass, verdict_for
from headwater.planning.past import past_verdict, previous_run_includes_manual
from headwater.planning.shape import DagShape, TaskShape, TIKey, shape_of
from headwater.planning.task_dates import absence_reason, takes_part, task_window, tasks_in_run
from headwater.planning.trigger_rules import RULES, Action, Verdict, evaluate

__all__ = [
    "EMPTY_EXPANSION_REASON",
    "REPROCESS_CHOICES",
    "RULES",
    "WEIGHT_RULES",
    "Action",
    "Admission",
    "Candidate",
    "CandidateKey",
    "DagRunInfo",
    "DagShape",
    "Decision",
    "PassPlan",
    "RunSnapshot",
    "Skip",
    "TIKey",
    "TaskShape",
    "UpstreamCounts",
    "Verdict",
    "WeightInput",
    "absence_reason",
    "admission_order",
    "admit",
    "backfill_action",
    "backfill_infos",
    "branch_skips",
    "branch_targets",
    "count_states",
    "dag_priority_weights",
    "deadlock_reason",
    "evaluate",
    "expansion_keys",
    "expansion_outcome",
    "next_dagrun_info",
    "past_verdict",
    "plan_pass",
    "previous_run_includes_manual",
    "priority_weights",
    "resolve_branch",
    "retry_delay",
    "run_outcome",
    "schedule_window",
    "shape_of",
    "short_circuit_skips",
    "skipped_instances",
    "state_after_failure",
    "takes_part",
    "task_window",
    "tasks_in_run",
    "timed_out_run",
    "verdict_for",
]
