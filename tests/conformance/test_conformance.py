"""Every scenario of ../shared/conformance, run through `headwater dags test --json`, compared with what
real Airflow 2.10.5 recorded: the run's state, every task's state and try number, and every XCom.

Both modes: `expected/` with the run type of the file's ORACLE_RUN (the scheduler's run), and
`expected_dagtest/` without --run-type (what `airflow dags test` does).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from corpus_harness import cases, check_scenario

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = Path(os.environ.get("HEADWATER_CONFORMANCE_DIR", ROOT.parent / "shared" / "conformance"))

if not (CONFORMANCE / "scenarios").is_dir():
    raise RuntimeError(
        f"Conformance scenarios not found at {CONFORMANCE / 'scenarios'}; set HEADWATER_CONFORMANCE_DIR to the "
        "folder that holds scenarios/, expected/ and expected_dagtest/."
    )


@pytest.mark.parametrize(("name", "mode"), cases(CONFORMANCE))
def test_scenario_matches_airflow(name: str, mode: str, tmp_path: Path) -> None:
    """headwater reproduces the states, try numbers and XComs Airflow recorded for this scenario."""
    check_scenario(CONFORMANCE, name, mode, tmp_path)
