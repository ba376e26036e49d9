"""Tests for headwater.planning.dagruns (mirrors src/headwater/planning/dagruns.py): which runs the scheduler
and a backfill create, checked against what Airflow 2.10.5's timetables return for the same dates.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from typing import cast

import pendulum
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from headwater.model.timetables import (
    CronTimetable,
    DataInterval,
    DeltaTimetable,
    NullTimetable,
    OnceTimetable,
    Timetable,
)
from headwater.planning.dagruns import DagRunInfo, backfill_infos, next_dagrun_info, schedule_window


def utc(*args: int) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz="UTC")


DAILY = CronTimetable("@daily", None)
ZURICH = pendulum.timezone("Europe/Zurich")
JAN_1 = utc(2024, 1, 1)
FAR_FUTURE = utc(2030, 1, 1)


def span(start: pendulum.DateTime, end: pendulum.DateTime) -> DagRunInfo:
    return DagRunInfo(DataInterval(start, end), end)


def nxt(
    timetable: Timetable,
    *,
    last: DataInterval | None = None,
    start_date: datetime | None = JAN_1,
    end_date: datetime | None = None,
    catchup: bool = True,
    now: datetime = FAR_FUTURE,
) -> DagRunInfo | None:
    return next_dagrun_info(timetable, last=last, start_date=start_date, end_date=end_date, catchup=catchup, now=now)


class TestDagRunInfo:
    def test_the_logical_date_is_the_start_of_the_interval(self) -> None:
        """A run's logical date is where its data interval starts; it may run once the interval ends."""
        info = span(utc(2024, 1, 1), utc(2024, 1, 2))
        assert info.logical_date == utc(2024, 1, 1)
        assert info.run_after == info.data_interval.end


class TestFirstRun:
    def test_a_cron_schedule_starts_at_the_first_tick_at_or_after_the_start_date(self) -> None:
        """@daily from 06:00 on 1 January: the first interval is 2 Jan to 3 Jan, run after it ends."""
        assert nxt(DAILY, start_date=utc(2024, 1, 1, 6)) == span(utc(2024, 1, 2), utc(2024, 1, 3))

    def test_a_start_date_on_a_tick_is_the_first_logical_date(self) -> None:
        """A start date at midnight is itself the first logical date of a @daily DAG."""
        assert nxt(DAILY, start_date=utc(2024, 1, 1)) == span(utc(2024, 1, 1), utc(2024, 1, 2))

    def test_a_delta_schedule_starts_at_the_start_date_itself(self) -> None:
        """A timedelta has no grid: the first interval starts exactly at the start date."""
        every_6h = DeltaTimetable(timedelta(hours=6))
        assert nxt(every_6h, start_date=utc(2024, 1, 1, 6, 17)) == span(utc(2024, 1, 1, 6, 17), utc(2024, 1, 1, 12, 17))

    def test_the_run_is_returned_even_when_its_interval_has_not_ended(self) -> None:
        """The scheduler records the next run and sleeps until its run_after, so a future run is still given."""
        info = nxt(DAILY, start_date=utc(2024, 1, 1), now=utc(2023, 6, 1))
        assert info == span(utc(2024, 1, 1), utc(2024, 1, 2))

    def test_naive_dates_are_read_as_utc(self) -> None:
        """A start date without a timezone is UTC, as Airflow's default timezone."""
        assert nxt(DAILY, start_date=datetime(2024, 1, 1, 6)) == span(utc(2024, 1, 2), utc(2024, 1, 3))

    def test_a_scheduled_dag_without_a_start_date_never_runs(self) -> None:
        """Airflow refuses such a DAG; here no run is scheduled, whatever catchup says."""
        for catchup in (True, False):
            assert nxt(DAILY, start_date=None, catchup=catchup) is None
            assert nxt(DeltaTimetable(timedelta(hours=1)), start_date=None, catchup=catchup) is None


class TestFollowingRuns:
    def test_each_run_starts_where_the_last_interval_ended(self) -> None:
        """After 1-2 January, the next @daily interval is 2-3 January."""
        last = DataInterval(utc(2024, 1, 1), utc(2024, 1, 2))
        assert nxt(DAILY, last=last) == span(utc(2024, 1, 2), utc(2024, 1, 3))

    def test_a_delta_continues_from_the_last_end(self) -> None:
        """A delta schedule keeps its own phase: 06:17 + 6h, and so on."""
        last = DataInterval(utc(2024, 1, 1, 6, 17), utc(2024, 1, 1, 12, 17))
        every_6h = DeltaTimetable(timedelta(hours=6))
        assert nxt(every_6h, last=last) == span(utc(2024, 1, 1, 12, 17), utc(2024, 1, 1, 18, 17))

    def test_after_a_schedule_change_the_last_end_is_aligned_back_to_the_new_schedule(self) -> None:
        """The last run ended at 06:00 under an old schedule; @daily now continues from midnight before it
        (Airflow's ``_align_to_prev``), even though that overlaps the last interval."""
        last = DataInterval(utc(2024, 1, 1, 6), utc(2024, 1, 2, 6))
        assert nxt(DAILY, last=last) == span(utc(2024, 1, 2), utc(2024, 1, 3))

    def test_a_start_date_moved_later_wins_over_the_last_run(self) -> None:
        """When the start date now lies after the last run, scheduling resumes at the start date."""
        last = DataInterval(utc(2024, 1, 1), utc(2024, 1, 2))
        assert nxt(DAILY, last=last, start_date=utc(2024, 3, 1)) == span(utc(2024, 3, 1), utc(2024, 3, 2))


class TestEndDate:
    def test_a_run_whose_logical_date_is_the_end_date_is_still_created(self) -> None:
        """The end date bounds the logical date, not the interval's end: 3 Jan runs although it ends on 4 Jan."""
        last = DataInterval(utc(2024, 1, 2), utc(2024, 1, 3))
        assert nxt(DAILY, last=last, end_date=utc(2024, 1, 3)) == span(utc(2024, 1, 3), utc(2024, 1, 4))

    def test_no_run_starts_after_the_end_date(self) -> None:
        """Once the next logical date passes the end date, there is no next run."""
        last = DataInterval(utc(2024, 1, 3), utc(2024, 1, 4))
        assert nxt(DAILY, last=last, end_date=utc(2024, 1, 3, 23)) is None

    def test_an_end_date_before_the_first_tick_means_no_run(self) -> None:
        """Start 06:00 and end 23:00 on the same day: the first midnight is already past the end."""
        assert nxt(DAILY, start_date=utc(2024, 1, 1, 6), end_date=utc(2024, 1, 1, 23)) is None


class TestCatchupFalse:
    def test_cron_jumps_to_the_latest_interval_that_has_ended(self) -> None:
        """Started in January, now midday 1 March: the one run is 29 Feb to 1 March, not 1 Jan."""
        info = nxt(DAILY, catchup=False, now=utc(2024, 3, 1, 12))
        assert info == span(utc(2024, 2, 29), utc(2024, 3, 1))

    def test_cron_at_a_tick_takes_the_interval_ending_now(self) -> None:
        """Exactly at midnight 1 March, the interval that has just ended is the one to run."""
        info = nxt(DAILY, catchup=False, now=utc(2024, 3, 1))
        assert info == span(utc(2024, 2, 29), utc(2024, 3, 1))

    def test_catchup_false_never_goes_back_before_the_run_after_the_last(self) -> None:
        """With a run already past the latest complete interval, the next run simply follows it."""
        last = DataInterval(utc(2024, 3, 1), utc(2024, 3, 2))
        info = nxt(DAILY, last=last, catchup=False, now=utc(2024, 3, 1, 12))
        assert info == span(utc(2024, 3, 2), utc(2024, 3, 3))

    def test_catchup_false_skips_the_missed_intervals_after_the_last_run(self) -> None:
        """A paused DAG resumed in March: January's next interval is skipped for the latest complete one."""
        last = DataInterval(utc(2024, 1, 1), utc(2024, 1, 2))
        info = nxt(DAILY, last=last, catchup=False, now=utc(2024, 3, 1, 12))
        assert info == span(utc(2024, 2, 29), utc(2024, 3, 1))

    def test_catchup_false_never_goes_before_the_start_date(self) -> None:
        """A start date in the future still decides the first run, aligned to the schedule."""
        info = nxt(DAILY, start_date=utc(2024, 6, 1, 6), catchup=False, now=utc(2024, 3, 1, 12))
        assert info == span(utc(2024, 6, 2), utc(2024, 6, 3))

    def test_a_delta_floors_now_on_the_unix_epoch_not_on_the_start_date(self) -> None:
        """Daily delta started at 06:00: the catch-up run is midnight to midnight, out of phase with the start
        date, because Airflow rounds ``now`` to a multiple of the delta since 1970 (``_round``)."""
        daily = DeltaTimetable(timedelta(days=1))
        info = nxt(daily, start_date=utc(2024, 1, 1, 6), catchup=False, now=utc(2024, 3, 1, 12))
        assert info == span(utc(2024, 2, 29), utc(2024, 3, 1))

    def test_a_weekly_delta_lands_on_thursdays(self) -> None:
        """1 January 1970 was a Thursday, so a 7-day delta without catchup runs Thursday to Thursday."""
        weekly = DeltaTimetable(timedelta(days=7))
        info = nxt(weekly, start_date=utc(2024, 1, 1), catchup=False, now=utc(2024, 3, 4, 12))
        assert info == span(utc(2024, 2, 22), utc(2024, 2, 29))
        assert info.logical_date.day_of_week == pendulum.THURSDAY

    def test_a_delta_start_date_after_the_floor_wins(self) -> None:
        """The floored start never precedes the start date itself."""
        daily = DeltaTimetable(timedelta(days=1))
        info = nxt(daily, start_date=utc(2024, 2, 29, 18), catchup=False, now=utc(2024, 3, 1, 12))
        assert info == span(utc(2024, 2, 29, 18), utc(2024, 3, 1, 18))


class TestOnceAndNone:
    def test_once_runs_one_instant_at_the_start_date(self) -> None:
        """@once: a single run whose interval is the start date, with or without catchup."""
        for catchup in (True, False):
            info = nxt(OnceTimetable(), start_date=utc(2024, 1, 1, 6), catchup=catchup)
            assert info == span(utc(2024, 1, 1, 6), utc(2024, 1, 1, 6))

    def test_once_never_runs_twice(self) -> None:
        """After its run, @once schedules nothing more."""
        last = DataInterval(utc(2024, 1, 1), utc(2024, 1, 1))
        assert nxt(OnceTimetable(), last=last) is None

    def test_once_respects_the_end_date_and_needs_a_start_date(self) -> None:
        """A start date after the end date, or none at all: no run."""
        assert nxt(OnceTimetable(), start_date=utc(2024, 2, 1), end_date=utc(2024, 1, 1)) is None
        assert nxt(OnceTimetable(), start_date=None) is None

    def test_schedule_none_is_never_scheduled(self) -> None:
        """schedule=None: only manual runs."""
        assert nxt(NullTimetable()) is None
        assert nxt(NullTimetable(), catchup=False) is None

    def test_an_unknown_timetable_is_a_type_error_naming_it(self) -> None:
        """A timetable headwater cannot schedule is named in the error rather than silently never run."""

        class Custom:
            summary = "custom"

        with pytest.raises(TypeError, match="Custom"):
            nxt(cast(Timetable, Custom()))


class TestDaylightSavingTime:
    """Expected values are what Airflow 2.10.5's CronDataIntervalTimetable returns for Europe/Zurich."""

    def test_a_time_that_does_not_exist_moves_forward(self) -> None:
        """02:30 on 26 March 2023 never happens in Zurich; that run is at 03:30 CEST (01:30 UTC)."""
        nightly = CronTimetable("30 2 * * *", ZURICH)
        first = nxt(nightly, start_date=utc(2023, 3, 25))
        assert first == span(utc(2023, 3, 25, 1, 30), utc(2023, 3, 26, 1, 30))
        assert first is not None
        second = nxt(nightly, last=first.data_interval, start_date=utc(2023, 3, 25))
        assert second == span(utc(2023, 3, 26, 1, 30), utc(2023, 3, 27, 0, 30))

    def test_a_time_that_happens_twice_takes_the_second(self) -> None:
        """02:30 on 29 October 2023 happens twice in Zurich; the run is at the second (CET, 01:30 UTC)."""
        nightly = CronTimetable("30 2 * * *", ZURICH)
        first = nxt(nightly, start_date=utc(2023, 10, 28))
        assert first == span(utc(2023, 10, 28, 0, 30), utc(2023, 10, 29, 1, 30))

    def test_an_hourly_schedule_runs_in_both_repeated_hours(self) -> None:
        """Every hour at :30 runs at 02:30 CEST and again at 02:30 CET, an hour apart in real time."""
        hourly = CronTimetable("30 * * * *", ZURICH)
        runs = backfill_infos(hourly, start=utc(2023, 10, 28, 23), end=utc(2023, 10, 29, 2, 30))
        assert [r.logical_date for r in runs] == [
            utc(2023, 10, 28, 23, 30),
            utc(2023, 10, 29, 0, 30),
            utc(2023, 10, 29, 1, 30),
            utc(2023, 10, 29, 2, 30),
        ]


class TestBackfill:
    def test_cron_backfill_takes_every_tick_within_the_range_inclusive(self) -> None:
        """-s 2024-01-01T06:00 -e 2024-01-04: midnights 2, 3 and 4 January (the end is inclusive)."""
        runs = backfill_infos(DAILY, start=utc(2024, 1, 1, 6), end=utc(2024, 1, 4))
        assert runs == [span(utc(2024, 1, d), utc(2024, 1, d + 1)) for d in (2, 3, 4)]

    def test_delta_backfill_counts_from_the_backfill_start(self) -> None:
        """A timedelta backfill starts at -s itself, whatever the DAG's start date's phase."""
        runs = backfill_infos(DeltaTimetable(timedelta(days=1)), start=utc(2024, 1, 1, 6), end=utc(2024, 1, 3, 6))
        assert [r.logical_date for r in runs] == [utc(2024, 1, 1, 6), utc(2024, 1, 2, 6), utc(2024, 1, 3, 6)]

    def test_once_backfills_one_run_at_the_start_and_none_backfills_nothing(self) -> None:
        """@once gives one run at -s; schedule=None gives none (Airflow: "No run dates were found")."""
        assert backfill_infos(OnceTimetable(), start=utc(2024, 1, 5), end=utc(2024, 1, 9)) == [
            span(utc(2024, 1, 5), utc(2024, 1, 5))
        ]
        assert backfill_infos(NullTimetable(), start=utc(2024, 1, 5), end=utc(2024, 1, 9)) == []

    def test_an_end_before_the_start_backfills_nothing(self) -> None:
        """A reversed range has no logical dates in it."""
        assert backfill_infos(DAILY, start=utc(2024, 1, 5), end=utc(2024, 1, 1)) == []
        assert backfill_infos(OnceTimetable(), start=utc(2024, 1, 5), end=utc(2024, 1, 1)) == []

    def test_a_single_date_on_a_tick_backfills_that_one_run(self) -> None:
        """-s and -e the same midnight: exactly that run."""
        assert backfill_infos(DAILY, start=utc(2024, 1, 5), end=utc(2024, 1, 5)) == [
            span(utc(2024, 1, 5), utc(2024, 1, 6))
        ]


class TestScheduleWindow:
    def test_a_task_cannot_start_before_its_dag(self) -> None:
        """DAG.add_task clamps a task's earlier start date to the DAG's, so the DAG's start wins."""
        window = schedule_window(
            dag_start_date=utc(2024, 1, 1),
            dag_end_date=None,
            task_start_dates=[utc(2020, 1, 1), None],
            task_end_dates=[None, None],
        )
        assert window == (utc(2024, 1, 1), None)

    def test_without_a_dag_start_date_the_earliest_task_start_opens_the_window(self) -> None:
        """Only tasks carry start dates: the earliest of them."""
        window = schedule_window(
            dag_start_date=None,
            dag_end_date=None,
            task_start_dates=[utc(2024, 2, 1), utc(2024, 1, 15)],
            task_end_dates=[None, None],
        )
        assert window == (utc(2024, 1, 15), None)

    def test_the_window_closes_at_the_latest_task_end_only_when_every_task_ends(self) -> None:
        """All tasks end: the latest end closes it; one open-ended task leaves it open."""
        ends = [utc(2024, 5, 1), utc(2024, 6, 1)]
        closed = schedule_window(dag_start_date=None, dag_end_date=None, task_start_dates=[], task_end_dates=ends)
        assert closed == (None, utc(2024, 6, 1))
        open_ended = schedule_window(
            dag_start_date=None, dag_end_date=None, task_start_dates=[], task_end_dates=[*ends, None]
        )
        assert open_ended == (None, None)

    def test_a_task_cannot_end_after_its_dag(self) -> None:
        """Task end dates are clamped to the DAG's, so the DAG's end date closes the window."""
        window = schedule_window(
            dag_start_date=utc(2024, 1, 1),
            dag_end_date=utc(2024, 3, 1),
            task_start_dates=[None],
            task_end_dates=[utc(2025, 1, 1)],
        )
        assert window == (utc(2024, 1, 1), utc(2024, 3, 1))


CRONS = ["0 0 * * *", "30 * * * *", "15 3 * * 1-5", "0 0 1 * *", "*/20 * * * *", "0 1,13 * * *"]
TIMEZONES = ["UTC", "Europe/Zurich", "America/New_York", "Asia/Kolkata"]
DELTAS = [timedelta(hours=1), timedelta(days=1), timedelta(minutes=45), timedelta(hours=5, minutes=17)]


@st.composite
def timetables(draw: st.DrawFn) -> Timetable:
    if draw(st.booleans()):
        return CronTimetable(draw(st.sampled_from(CRONS)), pendulum.timezone(draw(st.sampled_from(TIMEZONES))))
    return DeltaTimetable(draw(st.sampled_from(DELTAS)))


moments = st.integers(min_value=0, max_value=2 * 365 * 24 * 60).map(lambda m: utc(2023, 1, 1).add(minutes=m))


class TestProperties:
    @settings(max_examples=100, deadline=None)
    @given(timetables(), moments, st.integers(min_value=0, max_value=3 * 24 * 60))
    def test_scheduling_with_catchup_creates_exactly_the_backfill_runs(
        self, timetable: Timetable, start: pendulum.DateTime, minutes: int
    ) -> None:
        """Catching up run after run from a start date yields the same runs as backfilling from that date."""
        end = start.add(minutes=minutes)
        chained: list[DagRunInfo] = []
        info = nxt(timetable, start_date=start, end_date=end)
        while info is not None:
            chained.append(info)
            info = nxt(timetable, last=info.data_interval, start_date=start, end_date=end)
        assert chained == backfill_infos(timetable, start=start, end=end)

    @settings(max_examples=100, deadline=None)
    @given(timetables(), moments, st.integers(min_value=1, max_value=3 * 24 * 60))
    def test_backfill_runs_tile_the_range_in_order(
        self, timetable: Timetable, start: pendulum.DateTime, minutes: int
    ) -> None:
        """Each run starts where the previous ended, runs after its interval ends, and lies within the range."""
        end = start.add(minutes=minutes)
        runs = backfill_infos(timetable, start=start, end=end)
        for run in runs:
            assert start <= run.logical_date <= end
            assert run.run_after == run.data_interval.end > run.data_interval.start
        for before, after in pairwise(runs):
            assert after.data_interval.start == before.data_interval.end

    @settings(max_examples=150, deadline=None)
    @given(timetables(), moments, st.integers(min_value=3 * 24 * 60, max_value=60 * 24 * 60))
    def test_without_catchup_the_first_run_is_the_latest_complete_interval(
        self, timetable: Timetable, start: pendulum.DateTime, minutes: int
    ) -> None:
        """Once two intervals have passed since the start date, the first run has ended by now and the run
        after it has not."""
        now = start.add(minutes=minutes)
        first = nxt(timetable, start_date=start)
        second = first and nxt(timetable, last=first.data_interval, start_date=start)
        assume(second is not None and second.run_after <= now)
        info = nxt(timetable, start_date=start, catchup=False, now=now)
        assert info is not None
        assert info.run_after <= now
        following = nxt(timetable, last=info.data_interval, start_date=start, catchup=False, now=now)
        assert following is not None
        assert following.run_after > now
