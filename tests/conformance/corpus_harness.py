"""Running one conformance file through `headwater dags test --json` and comparing what it prints with
what real Airflow 2.10.5 recorded (see ../shared/conformance/README.md for the contract).

Shared by the shared corpus (test_conformance.py) and headwater's own corpus (test_own_corpus.py).
A corpus is a folder holding ``scenarios/``, ``expected/`` and ``expected_dagtest/``.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

IGNORED_XCOM_KEYS = {"skipmixin_key"}
MODES = ("expected", "expected_dagtest")
"""``expected``: the run the scheduler (or a manual trigger) creates; ``expected_dagtest``: what
`airflow dags test` does, headwater's default when no --run-type is given."""


def oracle_run(path: Path) -> dict[str, Any]:
    """The file's ``ORACLE_RUN`` literal and its ``NAME.oracle.json`` sidecar, as the oracle reads them."""
    params: dict[str, Any] = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "ORACLE_RUN" for t in node.targets):
            params.update(ast.literal_eval(node.value))
    sidecar = path.with_suffix(".oracle.json")
    if sidecar.exists():
        params.update(json.loads(sidecar.read_text()))
    return params


def cases(corpus: Path) -> list[tuple[str, str]]:
    names = sorted(p.stem for p in (corpus / "scenarios").glob("*.py") if not p.name.startswith("_"))
    return [(name, mode) for name in names for mode in MODES]


def run_scenario(corpus: Path, name: str, mode: str, home: Path) -> tuple[int, dict[str, Any], str]:
    scenarios = corpus / "scenarios"
    scenario = scenarios / f"{name}.py"
    oracle = oracle_run(scenario)
    command = [
        sys.executable,
        "-m",
        "headwater",
        "dags",
        "test",
        str(scenario),
        "--json",
        "--logical-date",
        str(oracle.get("logical_date", "2024-01-01T00:00:00+00:00")),
        "--now",
        str(oracle.get("now", "2024-06-15T12:00:00+00:00")),
        "--conf",
        json.dumps(oracle.get("conf", {})),
    ]
    if oracle.get("dag_id"):
        command += ["--dag-id", str(oracle["dag_id"])]
    if mode == "expected":
        command += ["--run-type", str(oracle.get("run_type", "scheduled"))]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(scenarios), os.environ.get("PYTHONPATH")])),
        "HEADWATER_HOME": str(home),
        "ORACLE_XCOM_DIR": str(home / "xcom_files"),
    }
    env.pop("HEADWATER__CORE__XCOM_BACKEND", None)
    env.pop("AIRFLOW__CORE__XCOM_BACKEND", None)
    if oracle.get("xcom_backend"):
        env["HEADWATER__CORE__XCOM_BACKEND"] = str(oracle["xcom_backend"])
    env.update({k: str(v) for k, v in (oracle.get("env") or {}).items()})
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    try:
        document = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"stdout is not one JSON document (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.returncode, document, proc.stderr


def _mask_any(document: dict[str, Any], paths: list[str]) -> None:
    """Replace the values the oracle recorded as ``<any>`` (clock- or randomness-dependent)."""
    for path in paths:
        *parents, last = path.split(".")
        current: Any = document
        for part in parents:
            current = current.get(part, {}) if isinstance(current, dict) else {}
        if isinstance(current, dict) and last in current:
            current[last] = "<any>"


def comparable(document: dict[str, Any], any_paths: list[str] | None = None) -> dict[str, Any]:
    document = json.loads(json.dumps(document))
    _mask_any(document, any_paths or [])
    tasks = document["tasks"]
    xcoms = document["xcoms"]
    assert isinstance(tasks, dict) and isinstance(xcoms, dict)
    return {
        "dag_run_state": document["dag_run_state"],
        "tasks": {k: {"state": v["state"], "try_number": v["try_number"]} for k, v in tasks.items()},
        "xcoms": {
            task: {k: v for k, v in values.items() if k not in IGNORED_XCOM_KEYS}
            for task, values in xcoms.items()
            if any(k not in IGNORED_XCOM_KEYS for k in values)
        },
        "run": {k: document[k] for k in ("run_id", "run_type", "external_trigger", "data_interval", "logical_date")},
    }


def check_scenario(corpus: Path, name: str, mode: str, home: Path) -> None:
    """headwater reproduces the run state, task states, try numbers and XComs Airflow recorded."""
    expected = json.loads((corpus / mode / f"{name}.json").read_text())
    code, actual, stderr = run_scenario(corpus, name, mode, home)
    any_paths = list(oracle_run(corpus / "scenarios" / f"{name}.py").get("any") or [])
    assert comparable(actual, any_paths) == comparable(expected, any_paths), stderr
    assert code == (0 if expected["dag_run_state"] == "success" else 1)
