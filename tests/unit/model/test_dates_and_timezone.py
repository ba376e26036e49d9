"""``airflow.utils.dates`` / ``airflow.utils.timezone`` / ``WeekDay`` / ``literal`` as Airflow 2.10
documents and tests them: pinned values, the clock fixed with time-machine."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
import time_machine
from dateutil.relativedelta import relativedelta

from headwater.model import dates, timezone
from headwater.model.literal import LiteralValue, literal
from headwater.model.weekday import WeekDay

pytestmark = pytest.mark.filterwarnings("ignore:.*is deprecated:DeprecationWarning")

UTC = timezone.utc
NOW = dt.datetime(2024, 3, 10, 15, 30, 45, 123456, tzinfo=UTC)


class TestDaysAgo:
    @time_machine.travel(NOW, tick=False)
    def test_midnight_utc_today_minus_n_days(self) -> None:
        """days_ago(n) is midnight UTC of today minus n days, an aware datetime."""
        assert dates.days_ago(0) == dt.datetime(2024, 3, 10, tzinfo=UTC)
        assert dates.days_ago(2) == dt.datetime(2024, 3, 8, tzinfo=UTC)
        assert dates.days_ago(100) == dt.datetime(2023, 12, 1, tzinfo=UTC)
        assert dates.days_ago(2).utcoffset() == dt.timedelta(0)

    def test_days_ago_and_date_range_warn_they_are_deprecated(self) -> None:
        """Like Airflow 2.10, both say Airflow 3 removes them, pointing at the DAG file's line."""
        with pytest.warns(DeprecationWarning, match="days_ago\\(\\) is deprecated") as caught:
            dates.days_ago(1)
        assert caught[0].filename == __file__
        with pytest.warns(DeprecationWarning, match="date_range\\(\\) is deprecated"):
            dates.date_range(timezone.datetime(2016, 1, 1), num=1, delta=dt.timedelta(1))

    @time_machine.travel(NOW, tick=False)
    def test_time_of_day_arguments(self) -> None:
        """hour/minute/second/microsecond replace the time of day before the days are subtracted."""
        assert dates.days_ago(1, hour=3, minute=4, second=5, microsecond=6) == dt.datetime(
            2024, 3, 9, 3, 4, 5, 6, tzinfo=UTC
        )

    @time_machine.travel(dt.datetime(2024, 3, 10, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-5))), tick=False)
    def test_today_is_the_utc_day(self) -> None:
        """Late evening west of UTC is already tomorrow in UTC; days_ago counts from the UTC day."""
        assert dates.days_ago(0) == dt.datetime(2024, 3, 11, tzinfo=UTC)


class TestDateRange:
    def test_timedelta_between_two_dates(self) -> None:
        """Both ends are included."""
        start = timezone.datetime(2016, 1, 1)
        assert dates.date_range(start, timezone.datetime(2016, 1, 3), delta=dt.timedelta(1)) == [
            timezone.datetime(2016, 1, 1),
            timezone.datetime(2016, 1, 2),
            timezone.datetime(2016, 1, 3),
        ]

    def test_cron_and_preset(self) -> None:
        """A cron expression or preset steps by the schedule."""
        start, end = timezone.datetime(2016, 1, 1), timezone.datetime(2016, 3, 3)
        monthly = [timezone.datetime(2016, m, 1) for m in (1, 2, 3)]
        assert dates.date_range(start, end, delta="0 0 1 * *") == monthly
        assert dates.date_range(start, end, delta="@monthly") == monthly

    def test_num_counts_forwards_or_backwards_and_makes_naive_dates_aware(self) -> None:
        """num=2 gives two dates from start; num=-2 two dates ending at start; naive starts come back in UTC."""
        forward = dates.date_range(dt.datetime(2016, 1, 1), num=2, delta=dt.timedelta(1))
        assert forward == [timezone.datetime(2016, 1, 1), timezone.datetime(2016, 1, 2)]
        assert all(d.tzinfo is not None for d in forward)
        backward = dates.date_range(dt.datetime(2016, 1, 1), num=-2, delta=dt.timedelta(1))
        assert backward == [timezone.datetime(2015, 12, 31), timezone.datetime(2016, 1, 1)]

    def test_no_delta_gives_nothing_and_bad_arguments_fail(self) -> None:
        """No delta: []; end before start, end with num, or a delta of another type: an error."""
        start = timezone.datetime(2016, 1, 1)
        assert dates.date_range(start, timezone.datetime(2016, 1, 3)) == []
        with pytest.raises(Exception, match="start_date needs to be before end_date"):
            dates.date_range(timezone.datetime(2016, 1, 3), start, delta=dt.timedelta(1))
        with pytest.raises(Exception, match="Either specify end_date OR num"):
            dates.date_range(start, timezone.datetime(2016, 1, 3), num=2, delta=dt.timedelta(1))
        with pytest.raises(Exception, match="delta must be either"):
            dates.date_range(start, timezone.datetime(2016, 1, 3), delta=1)  # type: ignore[arg-type]

    @time_machine.travel(NOW, tick=False)
    def test_without_end_or_num_it_runs_until_now(self) -> None:
        """With neither end_date nor num the range ends at the current time."""
        result = dates.date_range(timezone.datetime(2024, 3, 8), delta=dt.timedelta(days=1))
        assert result[-1] == timezone.datetime(2024, 3, 10)


class TestRoundTime:
    def test_closest_multiple_of_delta(self) -> None:
        """Airflow's pinned examples: the closest start + i * delta, ties rounding up."""
        assert dates.round_time(timezone.datetime(2015, 1, 1, 6), dt.timedelta(days=1)) == timezone.datetime(2015, 1, 1)
        assert dates.round_time(timezone.datetime(2015, 1, 1, 12), dt.timedelta(days=1)) == timezone.datetime(
            2015, 1, 2
        )
        assert dates.round_time(timezone.datetime(2015, 1, 2), relativedelta(months=1)) == timezone.datetime(2015, 1, 1)
        start = timezone.datetime(2015, 9, 14)
        for day, expected in ((16, 16), (15, 15), (14, 14), (13, 14)):
            got = dates.round_time(timezone.datetime(2015, 9, day), dt.timedelta(1), start)
            assert got == timezone.datetime(2015, 9, expected)

    def test_cron_rounds_start_date_down_to_the_schedule(self) -> None:
        """With a cron delta Airflow looks at start_date, not at the value (its documented quirk)."""
        start = timezone.datetime(2015, 9, 14, 13, 30)
        assert dates.round_time(timezone.datetime(2020, 1, 1), "0 0 * * *", start) == timezone.datetime(2015, 9, 14)


class TestTimeUnits:
    @pytest.mark.parametrize(
        ("durations", "unit"),
        [
            ([130, 5400, 10], "minutes"),
            ([110, 50, 10, 100], "seconds"),
            ([100000, 50000], "hours"),
            ([200000, 100000], "days"),
            ([], "hours"),
        ],
    )
    def test_infer_time_unit(self, durations: list[float], unit: str) -> None:
        """The unit follows the longest duration: up to 2 min seconds, 2 h minutes, 2 days hours."""
        assert dates.infer_time_unit(durations) == unit

    def test_scale_time_units(self) -> None:
        """Seconds divided by the unit's length; an unknown unit leaves seconds."""
        assert dates.scale_time_units([130, 5400, 10], "minutes") == pytest.approx([2.1667, 90.0, 0.1667], 1e-3)
        assert dates.scale_time_units([5400], "hours") == [1.5]
        assert dates.scale_time_units([5400], "days") == pytest.approx([0.0625])
        assert dates.scale_time_units([5400], "seconds") == [5400]

    def test_cron_presets_are_airflows_table(self) -> None:
        """The six presets of airflow.utils.dates.cron_presets."""
        assert dates.cron_presets == {
            "@hourly": "0 * * * *",
            "@daily": "0 0 * * *",
            "@weekly": "0 0 * * 0",
            "@monthly": "0 0 1 * *",
            "@quarterly": "0 0 1 */3 *",
            "@yearly": "0 0 1 1 *",
        }


class TestTimezone:
    @time_machine.travel(NOW, tick=False)
    def test_utcnow_is_aware_utc(self) -> None:
        """utcnow() is the current time with a UTC offset of zero."""
        assert timezone.utcnow() == NOW
        assert timezone.utcnow().utcoffset() == dt.timedelta(0)

    def test_datetime_defaults_to_utc(self) -> None:
        """timezone.datetime(...) is aware in UTC unless tzinfo is given."""
        assert timezone.datetime(2024, 1, 1).utcoffset() == dt.timedelta(0)
        paris = timezone.parse_timezone("Europe/Paris")
        assert timezone.datetime(2024, 1, 1, tzinfo=paris).utcoffset() == dt.timedelta(hours=1)

    def test_make_aware_and_make_naive(self) -> None:
        """Naive wall time read in a zone and back; the wrong kind of datetime is a ValueError."""
        paris = timezone.parse_timezone("Europe/Paris")
        aware = timezone.make_aware(dt.datetime(2024, 7, 1, 12), paris)
        assert aware.utcoffset() == dt.timedelta(hours=2)
        assert timezone.make_aware(dt.datetime(2024, 7, 1, 12)).utcoffset() == dt.timedelta(0)
        assert timezone.make_naive(aware, UTC) == dt.datetime(2024, 7, 1, 10)
        with pytest.raises(ValueError, match="make_aware expects a naive datetime"):
            timezone.make_aware(aware)
        with pytest.raises(ValueError, match="cannot be applied to a naive datetime"):
            timezone.make_naive(dt.datetime(2024, 1, 1))

    def test_make_aware_takes_the_second_of_two_ambiguous_times(self) -> None:
        """02:30 on the night clocks go back happens twice; Airflow reads it as the later one (fold=1)."""
        amsterdam = timezone.parse_timezone("Europe/Amsterdam")
        aware = timezone.make_aware(dt.datetime(2018, 10, 28, 2, 30), amsterdam)
        assert aware.utcoffset() == dt.timedelta(hours=1)

    def test_convert_to_utc_and_parse(self) -> None:
        """convert_to_utc gives a pendulum DateTime in UTC; parse reads text in UTC unless it names a zone."""
        paris = timezone.parse_timezone("Europe/Paris")
        converted = timezone.convert_to_utc(dt.datetime(2024, 1, 1, 1, tzinfo=paris))
        assert isinstance(converted, pendulum.DateTime)
        assert converted == timezone.datetime(2024, 1, 1, 0)
        assert timezone.convert_to_utc(dt.datetime(2024, 1, 1)) == timezone.datetime(2024, 1, 1)
        assert timezone.convert_to_utc(None) is None
        assert timezone.parse("2024-01-02T03:04:05") == timezone.datetime(2024, 1, 2, 3, 4, 5)
        assert timezone.parse("2024-01-02T03:04:05+02:00") == timezone.datetime(2024, 1, 2, 1, 4, 5)
        assert dates.parse_execution_date("2024-01-02") == timezone.datetime(2024, 1, 2)

    def test_td_format_and_epoch(self) -> None:
        """Durations print as Airflow's UI prints them; the epoch is aware UTC."""
        assert timezone.td_format(dt.timedelta(seconds=3752)) == "1h:2M:32s"
        assert timezone.td_format(86400 * 400) == "1y:1m:10d"
        assert timezone.td_format(0.5) == "<1s"
        assert timezone.td_format(None) is None
        assert timezone.utc_epoch() == dt.datetime(1970, 1, 1, tzinfo=UTC)
        assert timezone.make_aware(None) is None

    def test_is_localized_and_is_naive(self) -> None:
        """The two questions about an offset."""
        assert timezone.is_localized(timezone.datetime(2024, 1, 1))
        assert timezone.is_naive(dt.datetime(2024, 1, 1))


class TestWeekDayAndLiteral:
    def test_week_day_numbers(self) -> None:
        """ISO numbering, names in any case, sets of days; a wrong name says which."""
        assert WeekDay.MONDAY == 1 and WeekDay.SUNDAY == 7
        assert WeekDay.get_weekday_number("Wednesday") == 3
        assert WeekDay.convert(WeekDay.SUNDAY) == 7
        assert WeekDay.validate_week_day({"monday", WeekDay.FRIDAY}) == {1, 5}
        assert WeekDay.validate_week_day("saturday") == {6}
        with pytest.raises(AttributeError, match='Invalid Week Day passed: "funday"'):
            WeekDay.get_weekday_number("funday")

    def test_literal_resolves_to_its_value(self) -> None:
        """literal() wraps a value; resolving it ignores the context."""
        wrapped = literal("{{ ds }}")
        assert isinstance(wrapped, LiteralValue)
        assert wrapped.resolve({"ds": "2024-01-01"}) == "{{ ds }}"
