"""`headwater dags lint --format json` on every scenario of the conformance suite, compared with what the lint's
rules say about each DAG's shape (worked out by hand from the scenario files, not recorded from the tool).

The scenarios are real Airflow 2.10 DAG files; most are free of the traps the lint looks for, a few have them on
purpose (a default join after a branch, a short-circuit above all_done tasks, a pull from an unknown task).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = Path(os.environ.get("HEADWATER_CONFORMANCE_DIR", ROOT.parent / "shared" / "conformance"))
SCENARIOS = CONFORMANCE / "scenarios"

if not SCENARIOS.is_dir():
    raise RuntimeError(
        f"Conformance scenarios not found at {SCENARIOS}; set HEADWATER_CONFORMANCE_DIR to the folder that "
        "holds scenarios/, expected/ and expected_dagtest/."
    )

ERRORS = {"HW001", "HW002", "HW004"}

Expected = list[tuple[str, tuple[str, ...]]]

EXPECTED: dict[str, Expected] = {
    # choose picks among path_a/b/c (each then *_next); join_default (all_success) joins the three paths: HW001.
    # join_nfmos, join_one_success and join_all_done survive an untaken path. _choose returns direct children.
    "branch_pick_many": [("HW001", ("join_default",))],
    # Two branches, each over left/right with five joins: only the all_success ones propagate a skip (none_failed,
    # nfmos and all_done tolerate it; all_skipped never runs when both paths succeed, so it is no such join).
    # *_after_gate (all_success) sits behind a none_failed gate. The callables return None and [].
    "branch_pick_none": [
        ("HW001", ("pick_empty_join_all_success",)),
        ("HW001", ("pick_none_join_all_success",)),
    ],
    # join_default (all_success) joins clean_sales_old/new, started by fetch_sales_old/new: HW001.
    # join_none_failed, join_nfmos: fine; after_* have a single upstream; join_datasets is behind the none_failed
    # join_erp_branch ("none_failed" is a current name, not an alias). Pulls name non-literal ids.
    "branch_pick_one_joins": [("HW001", ("join_default",))],
    # No branch, short-circuit or pull.
    "dagrun_state_leaves": [],
    # sum_squares pulls classic_square, its upstream.
    "dynamic_mapping_reduce": [],
    # Rules react to failures only (enum names); no branch.
    "failure_propagation": [],
    # Every pull names the task right above the puller.
    "fan_out_fan_in": [],
    # deploy_model joins train_model and latest_only: after LatestOnly, not flagged; it pulls train_model, upstream.
    "latest_only_latest": [],
    "latest_only_past": [],
    "linear_chain": [],
    # after_flaky pulls flaky, its upstream.
    "retries": [],
    # is_weekend (ignore_downstream_trigger_rules=True, the default value) is above direct_all_done and
    # second_all_done (all_done) and second_none_failed (none_failed); has_data is above an all_success task only.
    "short_circuit_ignore_true": [
        ("HW003", ("is_weekend", "direct_all_done", "second_all_done", "second_none_failed")),
    ],
    # validate pulls extract and audit pulls validate: both upstream. No branch.
    "skip_mid_chain": [],
    # end pulls process.a and process.b (with the prefix): process.b is a leaf wired to end, process.a above it.
    "task_groups": [],
    "taskflow_basic": [],
    # route returns "big"/"small", both direct children; merge joins them with nfmos. enabled (@task.short_circuit,
    # default) is above after_guarded (all_done).
    "taskflow_branch_short_circuit": [("HW003", ("enabled", "after_guarded"))],
    # The templates pull produce, upstream of use_templates.
    "templates_ds_and_xcom": [],
    # Trigger rule matrices: rules written as TriggerRule members, no branch, no pull.
    "tr_all_done": [],
    "tr_all_failed": [],
    "tr_all_skipped": [],
    "tr_all_success": [],
    "tr_always": [],
    "tr_none_failed": [],
    "tr_none_failed_min_one_success": [],
    "tr_one_failed": [],
    "tr_one_success": [],
    # consume pulls produce and taskflow_producer (both wired above it), also in a template.
    "xcom_custom_backend_transform": [],
    # Both consumers pull quiet and loud, their upstream tasks.
    "xcom_do_push_false": [],
    # pull reads "no_such_task" on purpose (the recorded value is None): no task of the DAG.
    "xcom_explicit_keys": [("HW002", ("pull",))],
}


def _scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIOS.glob("*.py") if not p.name.startswith("_"))


def test_every_scenario_has_an_expectation() -> None:
    """Given the scenarios folder, when its DAG files are listed, then each has an entry in the table (a new
    scenario needs its expectation worked out)."""
    assert sorted(EXPECTED) == _scenarios()


@pytest.mark.parametrize("name", _scenarios())
def test_lint_of_a_scenario_matches_its_shape(name: str, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a conformance scenario, when `dags lint --format json` runs on it, then the findings (code and
    task ids) are those its shape calls for, each with the DAG id, file and level of its code, and the exit
    status is 1 exactly when an error is among them."""
    scenario = SCENARIOS / f"{name}.py"
    monkeypatch.syspath_prepend(str(SCENARIOS))  # as the conformance harness does: helpers are importable
    # No scenario does slow work at import; a generous budget keeps a loaded machine from reporting HW005.
    monkeypatch.setenv("HEADWATER__LINT__IMPORT_TIME_BUDGET", "30")

    run = cli("dags", "lint", scenario, "--format", "json")

    findings = run.json
    assert sorted((f["code"], tuple(f["task_ids"])) for f in findings) == sorted(EXPECTED.get(name, []))
    for finding in findings:
        assert finding["dag_id"] == name
        assert finding["file"] == str(scenario)
        assert finding["level"] == ("error" if finding["code"] in ERRORS else "warning")
        assert isinstance(finding["line"], int)
    assert run.exit_code == (1 if any(code in ERRORS for code, _ in EXPECTED.get(name, [])) else 0)
