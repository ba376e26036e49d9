"""Tests for headwater.planning.admission (mirrors src/headwater/planning/admission.py): priority weights and
which ready task instances start now, as Airflow 2.10.5's scheduler decides.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from datetime import datetime
from itertools import pairwise

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import dag_shapes

from headwater.planning.admission import (
    DB_SAFE_MAXIMUM,
    UNLIMITED,
    WEIGHT_RULES,
    Admission,
    Candidate,
    WeightInput,
    admission_order,
    admit,
    priority_weights,
)
from headwater.planning.shape import DagShape

JAN_1 = pendulum.datetime(2024, 1, 1, tz="UTC")


def weights_from_edges(
    edges: list[tuple[str, str]], *, rule: str = "downstream", weights: Mapping[str, int] | None = None
) -> dict[str, WeightInput]:
    ids = sorted({t for edge in edges for t in edge} | set(weights or {}))
    up = {t: tuple(sorted(a for a, b in edges if b == t)) for t in ids}
    down = {t: tuple(sorted(b for a, b in edges if a == t)) for t in ids}
    return {t: WeightInput((weights or {}).get(t, 1), rule, up[t], down[t]) for t in ids}


def airflow_reference(tasks: Mapping[str, WeightInput]) -> dict[str, int]:
    """Airflow's ``priority_weight_total``: own weight plus that of each task ``get_flat_relative_ids`` finds."""
    totals = {}
    for task_id, task in tasks.items():
        if task.weight_rule == "absolute":
            totals[task_id] = task.priority_weight
            continue
        upstream = task.weight_rule == "upstream"
        relatives: set[str] = set()
        trace = set(task.upstream if upstream else task.downstream)
        while trace:
            following: set[str] = set()
            for other in trace:
                if other not in relatives:
                    relatives.add(other)
                    following.update(tasks[other].upstream if upstream else tasks[other].downstream)
            trace = following
        totals[task_id] = task.priority_weight + sum(tasks[r].priority_weight for r in relatives)
    return totals


class TestPriorityWeights:
    def test_absolute_is_the_task_s_own_weight(self) -> None:
        """weight_rule='absolute' ignores the rest of the DAG."""
        tasks = weights_from_edges([("a", "b")], rule="absolute", weights={"a": 5, "b": 3})
        assert priority_weights(tasks) == {"a": 5, "b": 3}

    def test_downstream_adds_every_task_below_once(self) -> None:
        """a >> [b, c] >> d: a counts itself, b, c and d once each, though d is reached by two paths."""
        tasks = weights_from_edges([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")])
        assert priority_weights(tasks) == {"a": 4, "b": 2, "c": 2, "d": 1}

    def test_upstream_adds_every_task_above_once(self) -> None:
        """The same diamond weighted upstream: d counts everything above it once."""
        tasks = weights_from_edges([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")], rule="upstream")
        assert priority_weights(tasks) == {"a": 1, "b": 2, "c": 2, "d": 4}

    def test_each_task_uses_its_own_rule_and_the_others_own_weights(self) -> None:
        """A downstream-weighted root sums the raw weights below it, whatever rules those tasks have."""
        tasks = {
            "root": WeightInput(1, "downstream", (), ("mid",)),
            "mid": WeightInput(10, "absolute", ("root",), ("leaf",)),
            "leaf": WeightInput(100, "upstream", ("mid",), ()),
        }
        assert priority_weights(tasks) == {"root": 111, "mid": 10, "leaf": 111}

    def test_an_unknown_rule_names_itself_and_the_valid_rules(self) -> None:
        """A misspelt weight_rule is refused with the task, the value and the choices."""
        tasks = {"a": WeightInput(1, "downstrem")}
        with pytest.raises(ValueError, match=r"'a'.*'downstrem'.*'absolute', 'downstream', 'upstream'"):
            priority_weights(tasks)

    def test_totals_are_clamped_to_a_32_bit_integer(self) -> None:
        """Airflow stores priority in a 32-bit column and clamps the total (``db_safe_priority``)."""
        tasks = weights_from_edges([("a", "b")], weights={"a": DB_SAFE_MAXIMUM, "b": 5})
        assert priority_weights(tasks)["a"] == DB_SAFE_MAXIMUM

    def test_negative_weights_are_summed_like_any_other(self) -> None:
        """A negative priority_weight lowers the totals above it."""
        tasks = weights_from_edges([("a", "b")], weights={"a": 1, "b": -5})
        assert priority_weights(tasks) == {"a": -4, "b": -5}

    def test_a_relative_that_is_not_a_task_is_named(self) -> None:
        """An edge to an unknown task id is an error naming both ends."""
        with pytest.raises(ValueError, match=r"'a'.*'ghost'"):
            priority_weights({"a": WeightInput(1, "downstream", (), ("ghost",))})

    def test_a_cycle_is_refused(self) -> None:
        """Weights need an acyclic graph; the tasks on the cycle are named."""
        tasks = weights_from_edges([("a", "b"), ("b", "a")])
        with pytest.raises(ValueError, match="cycle"):
            priority_weights(tasks)

    def test_long_chains_and_wide_fans_stay_fast(self) -> None:
        """A 1000-task chain and a 1000-task fan, each weighted both ways, in well under a second each."""
        chain_ids = [f"t{i}" for i in range(1000)]
        chain = weights_from_edges(list(pairwise(chain_ids)))
        fan = weights_from_edges([("root", f"leaf{i}") for i in range(1000)])
        for tasks, root, expected in ((chain, "t0", 1000), (fan, "root", 1001)):
            started = time.perf_counter()
            assert priority_weights(tasks)[root] == expected
            upward = {t: WeightInput(w.priority_weight, "upstream", w.upstream, w.downstream) for t, w in tasks.items()}
            priority_weights(upward)
            assert time.perf_counter() - started < 5

    def test_a_chain_with_distinct_weights_sums_each_once(self) -> None:
        """Weights 1..1000 down a chain: the head's total is their sum."""
        ids = [f"t{i}" for i in range(1000)]
        tasks = weights_from_edges(list(pairwise(ids)), weights={t: i + 1 for i, t in enumerate(ids)})
        assert priority_weights(tasks)["t0"] == sum(range(1, 1001))

    @settings(max_examples=200, deadline=None)
    @given(dag_shapes(max_tasks=14), st.data())
    def test_matches_airflow_s_relative_walk_on_random_dags(self, shape: DagShape, data: st.DataObject) -> None:
        """On random DAGs with random rules and weights, the totals equal Airflow's set-based walk."""
        tasks = {
            tid: WeightInput(
                data.draw(st.integers(-50, 50)), data.draw(st.sampled_from(WEIGHT_RULES)), t.upstream, t.downstream
            )
            for tid, t in shape.tasks.items()
        }
        assert priority_weights(tasks) == airflow_reference(tasks)


def cand(
    task_id: str,
    *,
    priority: int = 1,
    pool: str = "default_pool",
    slots: int = 1,
    dag_id: str = "etl",
    run_id: str = "r1",
    map_index: int = -1,
    logical_date: datetime = JAN_1,
) -> Candidate:
    return Candidate((dag_id, run_id, task_id, map_index), pool, slots, priority, logical_date)


def run(
    candidates: list[Candidate],
    *,
    pools: Mapping[str, tuple[int, int]] | None = None,
    dags: Mapping[str, int] | None = None,
    open_slots: int = 32,
) -> Admission:
    """``pools`` maps a pool to (open, size); by default one default_pool with 128 slots free."""
    pools = pools if pools is not None else {"default_pool": (128, 128)}
    return admit(
        candidates,
        pool_open={name: free for name, (free, _) in pools.items()},
        pool_size={name: size for name, (_, size) in pools.items()},
        dag_open=dags if dags is not None else {"etl": 16, "other": 16},
        open_slots=open_slots,
    )


def ids(candidates: list[Candidate]) -> list[str]:
    return [c.key[2] if c.key[3] < 0 else f"{c.key[2]}[{c.key[3]}]" for c in candidates]


def waiting(admission: Admission) -> dict[str, str]:
    return {c.key[2]: reason for c, reason in admission.waiting}


class TestOrder:
    def test_higher_priority_then_older_logical_date_then_lower_map_index(self) -> None:
        """Airflow orders by -priority_weight, the run's logical date, then map_index."""
        later = JAN_1.add(days=1)
        candidates = [
            cand("low", priority=1),
            cand("new", priority=5, logical_date=later),
            cand("m", priority=5, map_index=1),
            cand("m", priority=5, map_index=0),
            cand("high", priority=9),
        ]
        assert ids(run(candidates).admitted) == ["high", "m[0]", "m[1]", "new", "low"]

    def test_the_order_does_not_depend_on_how_the_candidates_are_listed(self) -> None:
        """Equal keys fall back on dag, run and task ids, so a shuffled input admits the same list."""
        candidates = [cand(f"t{i}", priority=i % 3, run_id=f"r{i % 2}") for i in range(12)]
        shuffled = list(candidates)
        random.Random(7).shuffle(shuffled)
        assert run(shuffled, open_slots=5) == run(candidates, open_slots=5)

    def test_admission_order_is_the_sort_key(self) -> None:
        """The key sorts by priority descending first."""
        assert admission_order(cand("a", priority=3)) < admission_order(cand("b", priority=2))


class TestPools:
    def test_a_full_pool_holds_its_tasks_but_not_other_pools(self) -> None:
        """The top task's pool is full; a lower-priority task in another pool still starts."""
        admission = run(
            [cand("big", priority=9, pool="db"), cand("small", priority=1)],
            pools={"db": (0, 4), "default_pool": (8, 8)},
        )
        assert ids(admission.admitted) == ["small"]
        assert waiting(admission) == {"big": "pool 'db' is full: all 4 of its slots are in use"}

    def test_a_task_needing_more_slots_than_are_free_lets_smaller_ones_of_the_same_pool_pass(self) -> None:
        """Airflow continues past a task whose pool_slots exceed the free slots, so a lower-priority task of
        the same pool that fits starts first ("we can execute tasks with lower priority if there's room")."""
        admission = run(
            [cand("wide", priority=9, pool="db", slots=3), cand("narrow", priority=1, pool="db", slots=1)],
            pools={"db": (2, 4)},
        )
        assert ids(admission.admitted) == ["narrow"]
        assert waiting(admission) == {"wide": "needs 3 slots of pool 'db' but only 2 of its 4 are free"}

    def test_admitted_tasks_use_up_the_pool(self) -> None:
        """Three free slots: the first 2-slot task takes two, the second no longer fits, a 1-slot one does."""
        admission = run(
            [cand("a", priority=3, slots=2), cand("b", priority=2, slots=2), cand("c", priority=1)],
            pools={"default_pool": (3, 5)},
        )
        assert ids(admission.admitted) == ["a", "c"]
        assert waiting(admission) == {"b": "needs 2 slots of pool 'default_pool' but only 1 of its 5 are free"}

    def test_a_missing_pool_says_how_to_create_it(self) -> None:
        """A task in a pool nobody created waits, and the reason gives the command that creates it."""
        admission = run([cand("a", pool="gpu")])
        assert waiting(admission) == {"a": "pool 'gpu' does not exist: create it with `headwater pools set gpu SLOTS`"}

    def test_a_task_larger_than_its_whole_pool_will_never_run(self) -> None:
        """pool_slots above the pool's size can never be met, and the reason says so and how to fix it."""
        admission = run([cand("a", pool="db", slots=5)], pools={"db": (4, 4)})
        assert admission.admitted == []
        reason = waiting(admission)["a"]
        assert "will never run" in reason
        assert "needs 5 slots but pool 'db' has only 4 in total" in reason
        assert "headwater pools set db 5" in reason

    def test_an_unlimited_pool_never_fills(self) -> None:
        """A pool of size -1 admits any number of tasks of any width."""
        admission = run([cand(f"t{i}", slots=50) for i in range(10)], pools={"default_pool": (0, UNLIMITED)})
        assert len(admission.admitted) == 10

    def test_an_overfull_pool_is_simply_full(self) -> None:
        """A pool with more slots in use than it has (it was shrunk) admits nothing."""
        admission = run([cand("a")], pools={"default_pool": (-2, 4)})
        assert waiting(admission) == {"a": "pool 'default_pool' is full: all 4 of its slots are in use"}


class TestDagAndParallelism:
    def test_max_active_tasks_holds_one_dag_but_not_another(self) -> None:
        """etl has one slot left: its top task starts, its next waits, and the other DAG is unaffected."""
        admission = run(
            [cand("a", priority=3), cand("b", priority=2), cand("c", priority=1, dag_id="other")],
            dags={"etl": 1, "other": 4},
        )
        assert ids(admission.admitted) == ["a", "c"]
        assert "max_active_tasks" in waiting(admission)["b"]
        assert "'etl'" in waiting(admission)["b"]

    def test_parallelism_stops_admission_after_the_free_executor_slots(self) -> None:
        """Two executor slots free: the top two start, the rest wait for parallelism."""
        admission = run([cand(f"t{i}", priority=10 - i) for i in range(4)], open_slots=2)
        assert ids(admission.admitted) == ["t0", "t1"]
        assert set(waiting(admission).values()) == {
            "parallelism reached: every executor slot is taken until a running task finishes"
        }

    def test_the_pool_is_checked_before_the_dag_and_the_dag_before_parallelism(self) -> None:
        """Each waiting task is told the first limit Airflow checks that holds it back."""
        admission = run(
            [cand("pooled", pool="db"), cand("dagged", dag_id="full"), cand("last")],
            pools={"db": (0, 2), "default_pool": (5, 5)},
            dags={"etl": 5, "full": 0},
            open_slots=0,
        )
        reasons = waiting(admission)
        assert reasons["pooled"].startswith("pool 'db' is full")
        assert reasons["dagged"].startswith("DAG 'full' has reached its max_active_tasks")
        assert reasons["last"].startswith("parallelism reached")

    def test_a_dag_without_a_count_is_a_caller_error(self) -> None:
        """Every candidate's DAG needs a max_active_tasks count."""
        with pytest.raises(ValueError, match="'nowhere'"):
            run([cand("a", dag_id="nowhere")])

    def test_the_inputs_are_not_changed(self) -> None:
        """admit works on copies of the counts it is given."""
        pool_open, dag_open = {"default_pool": 3}, {"etl": 3}
        admit([cand("a")], pool_open=pool_open, pool_size={"default_pool": 3}, dag_open=dag_open, open_slots=3)
        assert pool_open == {"default_pool": 3}
        assert dag_open == {"etl": 3}


def airflow_loop(
    candidates: list[Candidate],
    pools: Mapping[str, tuple[int, int]],
    dags: Mapping[str, int],
    open_slots: int,
) -> list[Candidate]:
    """A transcription of the checks in ``_executable_task_instances_to_queued`` over one query batch."""
    free = {p: (float("inf") if size == -1 else free) for p, (free, size) in pools.items()}
    total = {p: (float("inf") if size == -1 else size) for p, (free, size) in pools.items()}
    active = dict(dags)
    chosen = []
    for c in sorted(candidates, key=lambda c: (-c.priority, c.logical_date, c.key[3], c.key[0], c.key[1], c.key[2])):
        if c.pool not in free or free[c.pool] <= 0 or c.pool_slots > total[c.pool] or c.pool_slots > free[c.pool]:
            continue
        if active[c.key[0]] <= 0 or open_slots <= 0:
            continue
        chosen.append(c)
        free[c.pool] -= c.pool_slots
        active[c.key[0]] -= 1
        open_slots -= 1
    return chosen


@st.composite
def admission_cases(
    draw: st.DrawFn,
) -> tuple[list[Candidate], dict[str, tuple[int, int]], dict[str, int], int]:
    pools = {}
    for name in draw(st.sets(st.sampled_from(["default_pool", "db", "gpu"]), min_size=1)):
        size = draw(st.sampled_from([-1, 1, 2, 4, 8]))
        pools[name] = (draw(st.integers(-1, max(size, 0))), size)
    dags = {d: draw(st.integers(0, 4)) for d in ("etl", "other")}
    candidates = [
        cand(
            f"t{i}",
            priority=draw(st.integers(0, 3)),
            pool=draw(st.sampled_from(["default_pool", "db", "gpu"])),
            slots=draw(st.integers(1, 5)),
            dag_id=draw(st.sampled_from(["etl", "other"])),
            map_index=draw(st.integers(-1, 2)),
            logical_date=JAN_1.add(days=draw(st.integers(0, 3))),
        )
        for i in range(draw(st.integers(0, 15)))
    ]
    return candidates, pools, dags, draw(st.integers(0, 10))


class TestAdmissionProperties:
    @settings(max_examples=300, deadline=None)
    @given(admission_cases())
    def test_admits_exactly_what_airflow_s_scheduler_loop_admits(
        self, case: tuple[list[Candidate], dict[str, tuple[int, int]], dict[str, int], int]
    ) -> None:
        """Against a transcription of Airflow's checks, the admitted list is the same, in the same order."""
        candidates, pools, dags, slots = case
        assert run(candidates, pools=pools, dags=dags, open_slots=slots).admitted == airflow_loop(
            candidates, pools, dags, slots
        )

    @settings(max_examples=300, deadline=None)
    @given(admission_cases())
    def test_no_limit_is_exceeded_and_every_candidate_is_accounted_for(
        self, case: tuple[list[Candidate], dict[str, tuple[int, int]], dict[str, int], int]
    ) -> None:
        """Admitted slots fit each pool, DAG and the executors; each candidate is admitted or waits, once."""
        candidates, pools, dags, slots = case
        admission = run(candidates, pools=pools, dags=dags, open_slots=slots)
        assert len(admission.admitted) <= max(slots, 0)
        for name, (free, size) in pools.items():
            used = sum(c.pool_slots for c in admission.admitted if c.pool == name)
            assert size == UNLIMITED or used <= max(free, 0)
        for dag_id, free in dags.items():
            assert sum(1 for c in admission.admitted if c.key[0] == dag_id) <= free
        accounted = admission.admitted + [c for c, _ in admission.waiting]
        assert sorted(accounted, key=admission_order) == sorted(candidates, key=admission_order)
        assert admission.admitted == sorted(admission.admitted, key=admission_order)
        assert all(reason for _, reason in admission.waiting)


class TestTaskLimits:
    def test_max_active_tis_per_dagrun_admits_that_many_mapped_instances_of_one_run(self) -> None:
        """Four mapped instances of one task, limit 2 per run: indexes 0 and 1 start, the others wait saying
        which limit holds them; another task of the run is not held."""
        candidates = [cand("m", map_index=i) for i in range(4)] + [cand("other")]
        admission = admit(
            candidates,
            pool_open={"default_pool": 128},
            pool_size={"default_pool": 128},
            dag_open={"etl": 16},
            open_slots=32,
            run_task_open={("etl", "r1", "m"): 2},
        )
        assert ids(admission.admitted) == ["other", "m[0]", "m[1]"]
        assert [reason for _, reason in admission.waiting] == [
            "task 'm' has reached its max_active_tis_per_dagrun limit: it waits until one of its running or "
            "queued instances in this run finishes"
        ] * 2

    def test_max_active_tis_per_dag_counts_every_run(self) -> None:
        """The task already runs once somewhere (limit 2, one open): of three runs' instances, the oldest
        starts; per-run limits of other runs do not open more."""
        candidates = [cand("load", run_id=f"r{i}", logical_date=JAN_1.add(days=i)) for i in range(3)]
        admission = admit(
            candidates,
            pool_open={"default_pool": 128},
            pool_size={"default_pool": 128},
            dag_open={"etl": 16},
            open_slots=32,
            task_open={("etl", "load"): 1},
            run_task_open={("etl", "r1", "load"): 5},
        )
        assert [c.key[1] for c in admission.admitted] == ["r0"]
        assert all("max_active_tis_per_dag limit" in reason for _, reason in admission.waiting)

    def test_the_dag_limit_is_named_before_the_task_limit(self) -> None:
        """Airflow checks max_active_tasks before the task's own limits."""
        admission = admit(
            [cand("load")],
            pool_open={"default_pool": 128},
            pool_size={"default_pool": 128},
            dag_open={"etl": 0},
            open_slots=32,
            task_open={("etl", "load"): 0},
        )
        assert "max_active_tasks" in waiting(admission)["load"]
