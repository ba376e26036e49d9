"""Running one task instance: context, templating, XCom access, the outcome of a try."""

from headwater.runtime.context import DagRunView, RunEnvironment
from headwater.runtime.runner import TaskOutcome, run_task
from headwater.runtime.xcom_access import RunXComs

__all__ = ["DagRunView", "RunEnvironment", "RunXComs", "TaskOutcome", "run_task"]
