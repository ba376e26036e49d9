"""The operators DAG authors use directly."""

from headwater.operators.bash import BashOperator
from headwater.operators.branch import (
    BaseBranchOperator,
    BranchDateTimeOperator,
    BranchDayOfWeekOperator,
    LatestOnlyOperator,
)
from headwater.operators.email import EmailOperator
from headwater.operators.empty import DummyOperator, EmptyOperator
from headwater.operators.external_python import BranchExternalPythonOperator, ExternalPythonOperator
from headwater.operators.python import BranchPythonOperator, PythonOperator, ShortCircuitOperator
from headwater.operators.python_virtualenv import (
    BranchPythonVirtualenvOperator,
    PythonVirtualenvOperator,
    is_venv_installed,
)

__all__ = [
    "BaseBranchOperator",
    "BashOperator",
    "BranchDateTimeOperator",
    "BranchDayOfWeekOperator",
    "BranchExternalPythonOperator",
    "BranchPythonOperator",
    "BranchPythonVirtualenvOperator",
    "DummyOperator",
    "EmailOperator",
    "EmptyOperator",
    "ExternalPythonOperator",
    "LatestOnlyOperator",
    "PythonOperator",
    "PythonVirtualenvOperator",
    "ShortCircuitOperator",
    "is_venv_installed",
]
