"""The queries and commands every surface shares (the CLI today, the REST API next).

Plain functions over the store that take keyword arguments and return plain dataclass records; no
formatting, no exit codes, no HTTP. A surface opens a :class:`~headwater.services.context.ServiceContext`
(settings and store), calls these functions, renders their records and maps their errors
(:mod:`headwater.services.errors`) to its own statuses.

    context        opening the store from Settings; nudging a local scheduler after a change
    errors         NotFound, Conflict, InvalidRequest, Unavailable
    dags           DAGs of the DAGs folder with lint counts and import errors; lint; pause/unpause
    runs           list, get, trigger; backfill plan, start and wait
    task_instances list of a run, get one; clear plan and clear
    logs           which file holds a try's log; its lines, streamed
    xcoms          what a task instance pushed: value, type, size, where it lives
    why            why a task instance is in its state, as recorded by planning
    pools          set (validated), list, delete
    maintenance    db clean: old runs, their XComs and log folders
    health         is a scheduler (or another job) alive

Submodules are imported by whoever needs them, so importing this package costs nothing.
"""
