"""headwater's own conformance corpus (tests/conformance/own): DAG files written in idioms met in real
Airflow code, recorded with real Airflow 2.10.5 by ../shared/oracle/record.py, checked in both modes.

To add a case: write ``own/scenarios/<dag_id>.py`` (an ``ORACLE_RUN = {...}`` literal for the run's
parameters), record it with the oracle into ``own/expected`` and ``own/expected_dagtest`` (see the
README's "Conformance" section) and commit the file with both records.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus_harness import MODES, cases, check_scenario

OWN = Path(__file__).resolve().parent / "own"


def test_every_own_scenario_has_both_records() -> None:
    """A scenario without its records (or a record without its scenario) would silently check nothing."""
    names = {p.stem for p in (OWN / "scenarios").glob("*.py") if not p.name.startswith("_")}
    assert names, "the own corpus is empty"
    for mode in MODES:
        assert {p.stem for p in (OWN / mode).glob("*.json")} == names, mode


@pytest.mark.parametrize(("name", "mode"), cases(OWN))
def test_own_scenario_matches_airflow(name: str, mode: str, tmp_path: Path) -> None:
    """headwater reproduces the states, try numbers and XComs Airflow recorded for this file."""
    check_scenario(OWN, name, mode, tmp_path)
