"""Tests for headwater.model.timetables: data intervals as Airflow 2 defines them, as pure functions.

A scheduled run covers the interval that starts at its logical date; a manual run covers the last
complete interval that ends at or before it.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
import pytest

from headwater import DAG
from headwater.model.timetables import (
    CronTimetable,
    DataInterval,
    DeltaTimetable,
    NullTimetable,
    OnceTimetable,
    timetable_for,
)


def utc(*args: int) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz="UTC")


def interval(start: pendulum.DateTime, end: pendulum.DateTime) -> DataInterval:
    return DataInterval(start, end)


class TestTimetableFor:
    @pytest.mark.parametrize(
        ("schedule", "kind", "summary"),
        [
            (None, NullTimetable, "None"),
            ("@once", OnceTimetable, "@once"),
            ("@daily", CronTimetable, "@daily"),
            ("0 6 * * 1-5", CronTimetable, "0 6 * * 1-5"),
            (timedelta(hours=6), DeltaTimetable, "6:00:00"),
        ],
    )
    def test_each_kind_of_schedule_gets_its_timetable(self, schedule: object, kind: type, summary: str) -> None:
        """Given what a DAG author writes as schedule, when it is read, then the matching timetable is built
        with the summary `dags list` shows."""
        timetable = timetable_for(schedule, tz=None, dag_id="d")
        assert type(timetable) is kind
        assert timetable.summary == summary

    def test_a_dag_without_a_schedule_runs_daily(self) -> None:
        """Given a DAG built without schedule, when its timetable is read, then it is one day apart (Airflow
        2's default)."""
        dag = DAG("default_schedule")
        assert isinstance(dag.timetable, DeltaTimetable)
        assert dag.timetable.delta == timedelta(days=1)

    def test_a_schedule_that_is_no_cron_names_the_dag_and_the_choices(self) -> None:
        """Given a string that is neither preset nor cron, when the DAG is built, then a ValueError names the DAG,
        the schedule and what would work."""
        with pytest.raises(ValueError) as caught:
            DAG("typo", schedule="@dialy")
        assert str(caught.value) == (
            "DAG 'typo': schedule '@dialy' is neither a cron expression nor a preset (@once, @hourly, @daily, "
            "@weekly, @monthly, @quarterly, @yearly, @annually), a timedelta or None."
        )

    def test_a_schedule_of_an_unknown_type_is_refused(self) -> None:
        """Given schedule=5, when the DAG is built, then a ValueError names the DAG and the value."""
        with pytest.raises(ValueError) as caught:
            DAG("number", schedule=5)
        assert str(caught.value) == "DAG 'number': unsupported schedule 5."

    def test_schedule_and_schedule_interval_together_are_refused(self) -> None:
        """Given both schedule and schedule_interval, when the DAG is built, then a ValueError says to give one."""
        with pytest.raises(ValueError) as caught:
            DAG("both", schedule="@daily", schedule_interval="@daily")
        assert str(caught.value) == "DAG 'both': give either schedule or schedule_interval, not both."

    def test_cron_runs_in_the_start_dates_timezone(self) -> None:
        """Given a DAG starting in Europe/Amsterdam with @daily, when its timetable is read, then it uses that zone."""
        dag = DAG("local", schedule="@daily", start_date=pendulum.datetime(2024, 1, 1, tz="Europe/Amsterdam"))
        assert isinstance(dag.timetable, CronTimetable)
        assert dag.timetable.scheduled_interval(utc(2024, 1, 1, 23)) == interval(
            utc(2024, 1, 1, 23), utc(2024, 1, 2, 23)
        )


class TestDailyCron:
    daily = timetable_for("@daily", tz=None, dag_id="d")

    def test_a_scheduled_run_covers_the_day_that_starts_at_its_logical_date(self) -> None:
        """Given @daily and logical date L (midnight), when a scheduled run is made, then it covers [L, L+1d)."""
        assert self.daily.scheduled_interval(utc(2024, 1, 2)) == interval(utc(2024, 1, 2), utc(2024, 1, 3))

    def test_a_manual_run_covers_the_day_that_ends_at_its_logical_date(self) -> None:
        """Given @daily and logical date L (midnight), when a manual run is made, then it covers [L-1d, L)."""
        assert self.daily.manual_interval(utc(2024, 1, 2)) == interval(utc(2024, 1, 1), utc(2024, 1, 2))

    def test_a_manual_run_between_ticks_covers_the_last_complete_day(self) -> None:
        """Given @daily and a manual run at 15:30, then it covers the day that ended at the previous midnight."""
        assert self.daily.manual_interval(utc(2024, 1, 2, 15, 30)) == interval(utc(2024, 1, 1), utc(2024, 1, 2))

    def test_the_next_interval_starts_where_the_last_ended(self) -> None:
        """Given the interval [Jan 2, Jan 3), when the next is asked for, then it is [Jan 3, Jan 4)."""
        last = interval(utc(2024, 1, 2), utc(2024, 1, 3))
        assert self.daily.next_interval(last) == interval(utc(2024, 1, 3), utc(2024, 1, 4))

    def test_intervals_are_utc_pendulum_datetimes(self) -> None:
        """Given any run, then both ends are pendulum DateTimes in UTC."""
        found = self.daily.scheduled_interval(utc(2024, 1, 2))
        for end in (found.start, found.end):
            assert isinstance(end, pendulum.DateTime)
            assert end.utcoffset() == timedelta(0)


class TestCronWithHours:
    twice = timetable_for("0 6,18 * * *", tz=None, dag_id="d")

    def test_a_scheduled_run_ends_at_the_next_tick(self) -> None:
        """Given '0 6,18 * * *' and logical date 06:00, when a scheduled run is made, then it covers [06:00, 18:00)."""
        assert self.twice.scheduled_interval(utc(2024, 1, 2, 6)) == interval(utc(2024, 1, 2, 6), utc(2024, 1, 2, 18))

    def test_an_evening_scheduled_run_crosses_midnight(self) -> None:
        """Given logical date 18:00, when a scheduled run is made, then it covers [18:00, 06:00 next day)."""
        assert self.twice.scheduled_interval(utc(2024, 1, 2, 18)) == interval(utc(2024, 1, 2, 18), utc(2024, 1, 3, 6))

    def test_a_manual_run_between_ticks_covers_the_last_complete_interval(self) -> None:
        """Given a manual run at 10:00, then it covers [18:00 the day before, 06:00)."""
        assert self.twice.manual_interval(utc(2024, 1, 2, 10)) == interval(utc(2024, 1, 1, 18), utc(2024, 1, 2, 6))

    def test_a_manual_run_on_a_tick_ends_at_that_tick(self) -> None:
        """Given a manual run at exactly 18:00, then it covers [06:00, 18:00)."""
        assert self.twice.manual_interval(utc(2024, 1, 2, 18)) == interval(utc(2024, 1, 2, 6), utc(2024, 1, 2, 18))

    def test_the_next_interval_follows_the_ticks(self) -> None:
        """Given the evening interval, when the next is asked for, then it is the next morning's."""
        last = interval(utc(2024, 1, 2, 18), utc(2024, 1, 3, 6))
        assert self.twice.next_interval(last) == interval(utc(2024, 1, 3, 6), utc(2024, 1, 3, 18))

    def test_ticks_follow_the_local_clock_across_a_dst_change(self) -> None:
        """Given @daily in Europe/Amsterdam, when the interval spans the spring DST change, then it is 23 hours
        long and both ends are local midnight."""
        local = timetable_for("@daily", tz=pendulum.timezone("Europe/Amsterdam"), dag_id="d")
        found = local.scheduled_interval(utc(2024, 3, 30, 23))
        assert found == interval(utc(2024, 3, 30, 23), utc(2024, 3, 31, 22))
        assert found.end - found.start == timedelta(hours=23)

    def test_a_time_in_the_spring_forward_gap_moves_an_hour_later(self) -> None:
        """Given '30 2 * * *' in Europe/Amsterdam, where 02:30 does not exist on 2024-03-31, when the run of
        the day before is made, then (as Airflow's _get_next) it ends at 03:30 local, 01:30 UTC, and the
        next day's run is back at 02:30 local."""
        local = timetable_for("30 2 * * *", tz=pendulum.timezone("Europe/Amsterdam"), dag_id="d")
        found = local.scheduled_interval(utc(2024, 3, 30, 1, 30))
        assert found == interval(utc(2024, 3, 30, 1, 30), utc(2024, 3, 31, 1, 30))
        assert local.next_interval(found) == interval(utc(2024, 3, 31, 1, 30), utc(2024, 4, 1, 0, 30))

    def test_a_scheduled_run_off_the_grid_starts_at_its_logical_date(self) -> None:
        """Airflow's infer_automated_data_interval does not align: a scheduled run at 10:00 of
        '0 6,18 * * *' covers [10:00, 18:00)."""
        assert self.twice.scheduled_interval(utc(2024, 1, 2, 10)) == interval(utc(2024, 1, 2, 10), utc(2024, 1, 2, 18))


class TestTimedelta:
    six_hours = timetable_for(timedelta(hours=6), tz=None, dag_id="d")

    def test_a_scheduled_run_covers_the_delta_after_its_logical_date(self) -> None:
        """Given a 6-hour timedelta and logical date L (not on any boundary), then a scheduled run covers [L, L+6h)."""
        logical = utc(2024, 1, 2, 15, 30)
        assert self.six_hours.scheduled_interval(logical) == interval(logical, utc(2024, 1, 2, 21, 30))

    def test_a_manual_run_covers_the_delta_before_its_logical_date(self) -> None:
        """Given a 6-hour timedelta and logical date L, then a manual run covers [L-6h, L)."""
        logical = utc(2024, 1, 2, 15, 30)
        assert self.six_hours.manual_interval(logical) == interval(utc(2024, 1, 2, 9, 30), logical)

    def test_the_next_interval_is_the_following_delta(self) -> None:
        """Given [15:30, 21:30), when the next is asked for, then it is [21:30, 03:30)."""
        last = interval(utc(2024, 1, 2, 15, 30), utc(2024, 1, 2, 21, 30))
        assert self.six_hours.next_interval(last) == interval(utc(2024, 1, 2, 21, 30), utc(2024, 1, 3, 3, 30))


class TestNoSchedule:
    @pytest.mark.parametrize("schedule", [None, "@once"])
    def test_every_run_covers_just_its_logical_date(self, schedule: str | None) -> None:
        """Given schedule None (or @once), when a run is made either way, then its interval is [L, L]."""
        timetable = timetable_for(schedule, tz=None, dag_id="d")
        logical = utc(2024, 1, 2, 15, 30)
        assert timetable.scheduled_interval(logical) == interval(logical, logical)
        assert timetable.manual_interval(logical) == interval(logical, logical)

    @pytest.mark.parametrize("schedule", [None, "@once"])
    def test_there_is_no_next_interval(self, schedule: str | None) -> None:
        """Given schedule None (or @once), when the next interval is asked for, then there is none."""
        timetable = timetable_for(schedule, tz=None, dag_id="d")
        logical = utc(2024, 1, 2)
        assert timetable.next_interval(interval(logical, logical)) is None
