"""What a ``DAG`` answers about its schedule, as Airflow 2.10's ``DAG`` does, deprecated methods included.

The arithmetic is the scheduler's own (``headwater.planning.dagruns`` over ``headwater.model.timetables``);
these methods only adapt Airflow's signatures to it, so a DAG file asking its DAG about its schedule sees
the runs the scheduler would create. ``planning`` is imported where it is used: it sits above ``model``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

import pendulum

from headwater.errors import RemovedInAirflow3Warning
from headwater.model.timetables import CronTimetable, DataInterval, DeltaTimetable, Timetable, to_utc

if TYPE_CHECKING:
    from headwater.model.baseoperator import BaseOperator
    from headwater.planning.dagruns import DagRunInfo


class DagScheduleQueries:
    """Mixed into ``DAG``: the schedule questions Airflow's ``DAG`` answers."""

    dag_id: str
    timetable: Timetable
    start_date: datetime | None
    end_date: datetime | None
    catchup: bool | None
    task_dict: dict[str, BaseOperator]

    def _time_window(self) -> tuple[pendulum.DateTime | None, pendulum.DateTime | None]:
        """The DAG's scheduling window: its own and its tasks' start and end dates (``_time_restriction``)."""
        from headwater.planning.dagruns import schedule_window

        tasks = list(self.task_dict.values())
        return schedule_window(
            dag_start_date=self.start_date,
            dag_end_date=self.end_date,
            task_start_dates=[t.start_date for t in tasks],
            task_end_dates=[t.end_date for t in tasks],
        )

    def infer_automated_data_interval(self, logical_date: datetime) -> DataInterval:
        """The data interval a scheduled run at ``logical_date`` covers."""
        start = to_utc(logical_date)
        if isinstance(self.timetable, CronTimetable | DeltaTimetable):
            return DataInterval(start, self.timetable.tick_after(start))
        return DataInterval(start, start)

    def next_dagrun_info(
        self, last_automated_dagrun: DataInterval | datetime | None, *, restricted: bool = True
    ) -> DagRunInfo | None:
        """The run the scheduler creates after the one covering ``last_automated_dagrun`` (``None``: the
        first run), or ``None``. ``restricted=False`` ignores the start and end dates and ``catchup``."""
        from headwater.planning.dagruns import next_dagrun_info

        last: DataInterval | None
        if isinstance(last_automated_dagrun, datetime):
            warnings.warn(
                "Passing a datetime to DAG.next_dagrun_info is deprecated. Use a DataInterval instead.",
                RemovedInAirflow3Warning,
                stacklevel=2,
            )
            last = self.infer_automated_data_interval(last_automated_dagrun)
        else:
            last = last_automated_dagrun
        if not restricted:
            return next_dagrun_info(
                self.timetable, last=last, start_date=None, end_date=None, catchup=True, now=pendulum.now("UTC")
            )
        start, end = self._time_window()
        return next_dagrun_info(
            self.timetable,
            last=last,
            start_date=start,
            end_date=end,
            catchup=self.catchup is not False,  # Airflow's catchup_by_default is True
            now=pendulum.now("UTC"),
        )

    def iter_dagrun_infos_between(
        self, earliest: datetime | None, latest: datetime, *, align: bool = True
    ) -> Iterator[DagRunInfo]:
        """The runs whose logical dates fall within ``[earliest, latest]``, oldest first. With
        ``align=False`` a first run starts at ``earliest`` itself even off the schedule."""
        from headwater.planning.dagruns import DagRunInfo, backfill_infos

        if earliest is None:
            earliest = self._time_window()[0]
        if earliest is None:
            raise ValueError(
                f"DAG {self.dag_id!r}: iter_dagrun_infos_between needs `earliest` when the DAG has no start_date."
            )
        first, last = to_utc(earliest), to_utc(latest)
        infos = backfill_infos(self.timetable, start=first, end=last)
        if not align and (not infos or infos[0].logical_date != first):
            end = infos[0].data_interval.start if infos else last
            yield DagRunInfo(DataInterval(first, end), end)
        yield from infos

    def get_run_dates(self, start_date: datetime, end_date: datetime | None = None) -> list[pendulum.DateTime]:
        """Deprecated in Airflow 2: the logical dates of the runs between the two dates (to now by default)."""
        warnings.warn(
            "`DAG.get_run_dates()` is deprecated. Please use `DAG.iter_dagrun_infos_between()` instead.",
            RemovedInAirflow3Warning,
            stacklevel=2,
        )
        latest = pendulum.now("UTC") if end_date is None else end_date
        return [info.logical_date for info in self.iter_dagrun_infos_between(start_date, latest)]

    def following_schedule(self, dttm: datetime) -> pendulum.DateTime | None:
        """Deprecated in Airflow 2: the logical date of the scheduled run after the one at ``dttm``."""
        warnings.warn(
            "`DAG.following_schedule()` is deprecated. Use `DAG.next_dagrun_info(restricted=False)` instead.",
            RemovedInAirflow3Warning,
            stacklevel=2,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RemovedInAirflow3Warning)
            info = self.next_dagrun_info(self.infer_automated_data_interval(dttm), restricted=False)
        return info.data_interval.start if info is not None else None

    def previous_schedule(self, dttm: datetime) -> pendulum.DateTime | None:
        """Deprecated in Airflow 2: the schedule point before ``dttm`` (``None`` without a cron or delta)."""
        warnings.warn("`DAG.previous_schedule()` is deprecated.", RemovedInAirflow3Warning, stacklevel=2)
        if isinstance(self.timetable, CronTimetable | DeltaTimetable):
            return self.timetable.tick_before(dttm)
        return None
