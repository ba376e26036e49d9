"""Tests for headwater.store.xcom.codec (mirrors src/headwater/store/xcom/codec.py): what an XCom value reads
back as, how it is stored, the types users register, the values refused, opt-in pickling, and how listings
name and show stored values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import io
import json
import pathlib
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pendulum
import pyarrow as pa
import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headwater import serialization
from headwater.store.xcom import codec, registry
from headwater.store.xcom import settings as xcom_settings
from headwater.store.xcom.codec import UndecodableValue, UnserializableValue, dumps, load_stream, loads
from headwater.store.xcom.settings import XComPicklingWarning, XComSettings


def round_trip(value: Any) -> Any:
    return loads(dumps(value))


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass(frozen=True)
class Parcel:
    weight_kg: decimal.Decimal
    fragile: bool


@dataclasses.dataclass
class Shipment:
    parcel: Parcel
    tags: set[str]
    ship_on: dt.date
    label: str = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.label = f"{len(self.tags)} tags"


class Order(pydantic.BaseModel):
    order_id: uuid.UUID
    placed_on: dt.date
    items: list[str]
    total: decimal.Decimal


class Money:
    """A user class the codec knows nothing about until it is registered."""

    def __init__(self, cents: int, currency: str) -> None:
        self.cents, self.currency = cents, currency

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Money) and (self.cents, self.currency) == (other.cents, other.currency)

    def __hash__(self) -> int:
        return hash((self.cents, self.currency))


class Tip(Money):
    """A subclass of Money without a handler of its own."""


class Opaque:
    """A class with no handler, stored only when pickling is on (module level, so pickle finds it)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Opaque) and self.n == other.n

    def __hash__(self) -> int:
        return hash(self.n)


@pytest.fixture
def money_registered() -> Iterator[None]:
    """Money is registered for the test and unregistered after it, whatever happens."""
    serialization.register(Money, lambda m: {"cents": m.cents, "currency": m.currency}, lambda d: Money(**d))
    try:
        yield
    finally:
        serialization.unregister(Money)


@pytest.fixture
def xcom_settings_restored() -> Iterator[None]:
    """The test may turn pickling on; afterwards it is off again and the once-per-process warning re-armed."""
    xcom_settings._ProcessState.warned_about_pickling = False
    try:
        yield
    finally:
        xcom_settings.use(XComSettings())
        xcom_settings._ProcessState.warned_about_pickling = False


@pytest.fixture
def pandas_handlers_loaded() -> None:
    """The pandas handlers are loaded, as in a worker that has already stored a DataFrame."""
    assert registry.handler_for(pd.DataFrame) is not None


PARIS = ZoneInfo("Europe/Paris")

SAME_TYPE_VALUES: list[Any] = [
    pytest.param(None, id="none"),
    pytest.param(True, id="bool"),
    pytest.param(-(2**70), id="big-int"),
    pytest.param(3.25, id="float"),
    pytest.param(float("inf"), id="float-inf"),
    pytest.param("naïve ☃", id="str"),
    pytest.param([1, "a", None, [2.5]], id="list"),
    pytest.param({"a": 1, "b": {"c": [True]}}, id="dict"),
    pytest.param(b"", id="bytes-empty"),
    pytest.param(b"\x00\xffa\x00", id="bytes-with-nul"),
    pytest.param(bytearray(b"\x00\x01"), id="bytearray"),
    pytest.param({1, 2, 3}, id="set"),
    pytest.param(frozenset({"x", "y"}), id="frozenset"),
    pytest.param(decimal.Decimal("12.3400"), id="decimal"),
    pytest.param(uuid.UUID("12345678-1234-5678-1234-567812345678"), id="uuid"),
    pytest.param(pathlib.Path("data/out.csv"), id="path"),
    pytest.param(pathlib.PurePosixPath("/srv/data"), id="pureposixpath"),
    pytest.param(complex(1.5, -2), id="complex"),
    pytest.param(dt.datetime(2024, 5, 1, 12, 30, 15, 123456), id="datetime-naive"),
    pytest.param(
        dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))), id="datetime-offset"
    ),
    pytest.param(dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC), id="datetime-utc"),
    pytest.param(dt.date(2024, 2, 29), id="date"),
    pytest.param(dt.time(23, 59, 58, 999), id="time"),
    pytest.param(dt.timedelta(days=2, seconds=5, microseconds=7), id="timedelta"),
    pytest.param(-dt.timedelta(microseconds=1), id="timedelta-negative"),
    pytest.param(pendulum.date(2024, 1, 2), id="pendulum-date"),
    pytest.param(pendulum.duration(weeks=1, hours=3, microseconds=7), id="pendulum-duration"),
    pytest.param(Color.GREEN, id="enum"),
    pytest.param(Priority.HIGH, id="intenum"),
    pytest.param(
        Order(
            order_id=uuid.UUID(int=7), placed_on=dt.date(2024, 1, 1), items=["a", "b"], total=decimal.Decimal("9.99")
        ),
        id="pydantic",
    ),
]


class TestRoundTrip:
    @pytest.mark.parametrize("value", SAME_TYPE_VALUES)
    def test_a_value_reads_back_equal_and_of_the_same_type(self, value: Any) -> None:
        """Given a supported value, when it is dumped and loaded, then it is equal and of the same type."""
        back = round_trip(value)
        assert type(back) is type(value)
        assert back == value

    def test_a_zoneinfo_datetime_keeps_its_zone_name(self) -> None:
        """Given a datetime in Europe/Paris, when it round-trips, then its tzinfo is still ZoneInfo Europe/Paris."""
        value = dt.datetime(2024, 7, 1, 9, tzinfo=PARIS)
        back = round_trip(value)
        assert type(back) is dt.datetime
        assert back == value
        assert isinstance(back.tzinfo, ZoneInfo)
        assert back.tzinfo.key == "Europe/Paris"

    def test_an_ambiguous_zoneinfo_datetime_keeps_its_fold(self) -> None:
        """Given the second 02:30 of a DST fall-back night, when it round-trips, then its fold and offset are kept."""
        value = dt.datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=PARIS)
        back = round_trip(value)
        assert back.fold == 1
        assert back.utcoffset() == dt.timedelta(hours=1)

    def test_a_zoneinfo_datetime_at_the_end_of_the_calendar_round_trips(self) -> None:
        """Given datetime.max in America/New_York (a common sentinel), when it round-trips, then it is equal."""
        value = dt.datetime.max.replace(tzinfo=ZoneInfo("America/New_York"))
        back = round_trip(value)
        assert back == value
        assert back.tzinfo == value.tzinfo

    def test_a_pendulum_datetime_keeps_its_timezone_name(self) -> None:
        """Given a pendulum DateTime in Europe/Paris, when it round-trips, then it is a pendulum DateTime in
        Europe/Paris."""
        value = pendulum.datetime(2024, 5, 1, 12, 0, 0, 250, tz="Europe/Paris")
        back = round_trip(value)
        assert type(back) is pendulum.DateTime
        assert back == value
        assert back.timezone_name == "Europe/Paris"

    def test_a_naive_pendulum_datetime_stays_naive(self) -> None:
        """Given a naive pendulum DateTime, when it round-trips, then it is equal and still has no timezone."""
        value = pendulum.naive(2024, 5, 1, 12)
        back = round_trip(value)
        assert type(back) is pendulum.DateTime
        assert back.tzinfo is None
        assert back == value

    def test_a_pendulum_duration_keeps_its_calendar_months_and_years(self) -> None:
        """Given pendulum.duration(years=1, months=2, days=3), when it round-trips, then its years and months
        are kept, so adding it to a date gives the same date as before."""
        value = pendulum.duration(years=1, months=2, days=3)
        back = round_trip(value)
        assert (back.years, back.months) == (1, 2)
        start = pendulum.datetime(2024, 1, 31)
        assert start + back == start + value

    def test_a_dataclass_reads_back_with_nested_fields_and_init_false_field(self) -> None:
        """Given a dataclass holding a dataclass, a set, a date and an init=False field set by hand, when it
        round-trips, then every field, including the hand-set one, is back."""
        value = Shipment(Parcel(decimal.Decimal("1.5"), fragile=True), {"a", "b"}, dt.date(2024, 3, 1))
        value.label = "set by hand"
        back = round_trip(value)
        assert type(back) is Shipment
        assert type(back.parcel) is Parcel
        assert type(back.tags) is set
        assert back == value
        assert back.label == "set by hand"

    def test_an_intenum_reads_back_as_the_member_not_an_int(self) -> None:
        """Given IntEnum members in a list, when they round-trip, then each is the enum member itself."""
        back = round_trip([Priority.LOW, Priority.HIGH])
        assert back[0] is Priority.LOW
        assert back[1] is Priority.HIGH


class TestLibraryTypes:
    @pytest.mark.parametrize(
        "array",
        [
            pytest.param(np.arange(5, dtype=np.int32), id="int"),
            pytest.param(np.linspace(0.0, 1.0, 7), id="float"),
            pytest.param(np.arange(12, dtype=np.int64).reshape(3, 4), id="2d"),
            pytest.param(np.array(["2024-01-01", "2024-02-29"], dtype="datetime64[D]"), id="datetime64"),
        ],
    )
    def test_a_numpy_array_keeps_dtype_shape_and_values(self, array: np.ndarray) -> None:
        """Given a numpy array, when it round-trips, then it is an ndarray of the same dtype, shape and values."""
        back = round_trip(array)
        assert type(back) is np.ndarray
        assert back.dtype == array.dtype
        assert back.shape == array.shape
        assert np.array_equal(back, array)

    @pytest.mark.parametrize("scalar", [np.int64(-5), np.float32(1.1)], ids=["int64", "float32"])
    def test_a_numpy_scalar_keeps_its_type(self, scalar: np.generic) -> None:
        """Given a numpy scalar, when it round-trips, then it is the same numpy scalar type and value."""
        back = round_trip(scalar)
        assert type(back) is type(scalar)
        assert back == scalar

    def test_a_dataframe_keeps_int_column_names_and_index(self) -> None:
        """Given a DataFrame with int column names and a named string index, when it round-trips, then columns,
        index and values are the same."""
        frame = pd.DataFrame({1: [10, 20], 2: ["a", "b"]}, index=pd.Index(["x", "y"], name="key"))
        back = round_trip(frame)
        assert type(back) is pd.DataFrame
        assert list(back.columns) == [1, 2]
        assert list(back.index) == ["x", "y"]
        assert back.index.name == "key"
        pd.testing.assert_frame_equal(back, frame)

    def test_a_series_keeps_its_name_and_index(self) -> None:
        """Given a named Series with an int index, when it round-trips, then name, index and values are the same."""
        series = pd.Series([1.5, 2.5], index=[10, 20], name="price")
        back = round_trip(series)
        assert type(back) is pd.Series
        assert back.name == "price"
        pd.testing.assert_series_equal(back, series)

    @pytest.mark.usefixtures("pandas_handlers_loaded")
    def test_a_pandas_timestamp_stays_a_timestamp(self) -> None:
        """Given a nanosecond pandas Timestamp, when it round-trips, then it is an equal Timestamp."""
        value = pd.Timestamp("2024-05-01 12:00:00.123456789")
        back = round_trip(value)
        assert type(back) is pd.Timestamp
        assert back == value

    def test_a_pandas_timestamp_stays_a_timestamp_in_a_fresh_process(self) -> None:
        """Given a process that has not stored any pandas value yet, when a Timestamp is dumped and loaded there,
        then it reads back as a Timestamp."""
        code = (
            "import pandas as pd\n"
            "from headwater.store.xcom.codec import dumps, loads\n"
            "print(type(loads(dumps(pd.Timestamp('2024-05-01 12:00')))).__qualname__)\n"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert result.stdout.strip() == "Timestamp"

    @pytest.mark.usefixtures("pandas_handlers_loaded")
    def test_a_zoned_pandas_timestamp_keeps_its_zone_name(self) -> None:
        """Given a Timestamp in Europe/Paris, when it round-trips, then it is still in Europe/Paris."""
        value = pd.Timestamp("2024-05-01 12:00", tz="Europe/Paris")
        back = round_trip(value)
        assert type(back) is pd.Timestamp
        assert back == value
        assert str(back.tz) == "Europe/Paris"

    @pytest.mark.usefixtures("pandas_handlers_loaded")
    def test_a_pandas_timedelta_stays_a_timedelta_with_nanoseconds(self) -> None:
        """Given a pandas Timedelta with nanoseconds, when it round-trips, then it is an equal pandas Timedelta."""
        value = pd.Timedelta("1 days 00:00:00.000000001")
        back = round_trip(value)
        assert type(back) is pd.Timedelta
        assert back == value

    def test_a_pyarrow_table_round_trips(self) -> None:
        """Given a pyarrow Table, when it round-trips, then it is an equal Table."""
        table = pa.table({"a": [1, 2, 3], "b": ["x", None, "z"]})
        back = round_trip(table)
        assert isinstance(back, pa.Table)
        assert back.equals(table)


class TestAirflowCompatibility:
    def test_a_returned_tuple_stays_a_tuple(self) -> None:
        """Given a tuple as the whole value, when it round-trips, then it is a tuple."""
        back = round_trip((1, "a", None))
        assert type(back) is tuple
        assert back == (1, "a", None)

    def test_a_nested_tuple_becomes_a_list(self) -> None:
        """Given tuples nested in a list, a dict and a tuple, when they round-trip, then the nested ones are lists."""
        assert round_trip([(1, 2)]) == [[1, 2]]
        assert round_trip({"a": (1,)}) == {"a": [1]}
        assert round_trip((1, (2, 3))) == (1, [2, 3])

    @pytest.mark.parametrize(
        "key",
        [1, -3, 10**30, 1.5, True, False, None, float("inf"), float("nan")],
        ids=["int", "negative-int", "big-int", "float", "true", "false", "none", "inf", "nan"],
    )
    def test_a_non_str_dict_key_becomes_the_string_json_dumps_writes(self, key: object) -> None:
        """Given a dict with a non-str key, when it round-trips, then the key is the string json.dumps writes."""
        (expected_key,) = json.loads(json.dumps({key: 0}))
        assert round_trip({key: 0}) == {expected_key: 0}

    def test_readable_key_names(self) -> None:
        """Given keys 1, True and None, when they round-trip, then they read "1", "true" and "null"."""
        assert round_trip({1: "a", None: "c"}) == {"1": "a", "null": "c"}
        assert round_trip({True: "b", "x": 0}) == {"true": "b", "x": 0}

    @pytest.mark.parametrize(
        "value",
        [
            {"__hw__": "bytes", "v": 0},
            {"__hw__": "pickle", "v": 0},
            {"__hw__": "x"},
            [{"__hw__": "set", "v": [1, 2]}, {"inner": {"__hw__": None, "v": b"raw"}}],
        ],
        ids=["bytes-tag", "pickle-tag", "tag-only", "nested"],
    )
    def test_a_user_dict_with_the_tag_key_round_trips_unchanged(self, value: Any) -> None:
        """Given user dicts holding the key "__hw__", when they round-trip, then they read back unchanged."""
        assert round_trip(value) == value


class TestStoredForm:
    def test_a_value_with_bytes_is_a_frame(self) -> None:
        """Given a value holding bytes, when it is dumped, then the stored form starts with MAGIC."""
        raw = dumps({"blob": b"\x00\x01", "n": 1})
        assert raw.startswith(codec.MAGIC)

    def test_a_plain_value_is_readable_json(self) -> None:
        """Given a JSON-only value, when it is dumped, then the stored form is UTF-8 JSON of that value."""
        value = {"city": "Zürich", "temps": [1.5, -2], "ok": True, "none": None}
        raw = dumps(value)
        assert not raw.startswith(codec.MAGIC)
        assert json.loads(raw.decode("utf-8")) == value

    @pytest.mark.parametrize(
        "value",
        [
            pytest.param({"blob": b"\x00abc", "more": [b"", b"z"]}, id="frame"),
            pytest.param({"a": [1, 2, {"b": "c"}]}, id="json"),
            pytest.param(1, id="one-byte-json"),
            pytest.param([], id="empty-list"),
            pytest.param({}, id="empty-dict"),
            pytest.param("x", id="short-str"),
            pytest.param(None, id="null"),
        ],
    )
    def test_load_stream_reads_what_loads_reads(self, value: Any) -> None:
        """Given a stored value, when it is read from a stream, then it equals what loads gives."""
        raw = dumps(value)
        assert load_stream(io.BytesIO(raw)) == loads(raw) == value

    @pytest.mark.parametrize("cut", [10, -3], ids=["in-header", "in-blob"])
    def test_load_stream_refuses_a_truncated_frame(self, cut: int) -> None:
        """Given a frame cut short, when it is read from a stream, then UndecodableValue says it is truncated."""
        raw = dumps([b"abcdef", 1])
        with pytest.raises(UndecodableValue, match="truncated"):
            load_stream(io.BytesIO(raw[:cut]))

    @pytest.mark.parametrize("cut", [10, -3], ids=["in-header", "in-blob"])
    def test_loads_refuses_a_truncated_frame(self, cut: int) -> None:
        """Given a frame cut short, when loads reads it, then UndecodableValue says it is truncated."""
        raw = dumps([b"abcdef", 1])
        with pytest.raises(UndecodableValue, match="truncated"):
            loads(raw[:cut])


class TestRegisteredTypes:
    @pytest.mark.usefixtures("money_registered")
    def test_a_registered_type_round_trips(self) -> None:
        """Given Money registered, when a Money round-trips, then it is an equal Money."""
        back = round_trip(Money(150, "EUR"))
        assert type(back) is Money
        assert back == Money(150, "EUR")

    @pytest.mark.usefixtures("money_registered")
    def test_a_registered_type_round_trips_nested(self) -> None:
        """Given Money registered, when Money values inside a list in a dict round-trip, then they are equal."""
        value = {"prices": [Money(1, "EUR"), Money(2, "USD")], "total": Money(3, "EUR")}
        assert round_trip(value) == value

    @pytest.mark.usefixtures("money_registered")
    def test_a_subclass_without_a_handler_uses_the_parents(self) -> None:
        """Given Money registered and Tip(Money) not, when a Tip round-trips, then Money's handler stores it and
        it reads back as an equal Money."""
        back = round_trip(Tip(50, "EUR"))
        assert type(back) is Money
        assert back == Money(50, "EUR")

    @pytest.mark.usefixtures("money_registered")
    def test_an_unregistered_type_cannot_be_dumped(self) -> None:
        """Given Money registered then unregistered, when a Money is dumped, then UnserializableValue is raised."""
        serialization.unregister(Money)
        with pytest.raises(UnserializableValue):
            dumps(Money(1, "EUR"))

    @pytest.mark.usefixtures("money_registered")
    def test_a_value_of_an_unregistered_type_cannot_be_loaded_strictly(self) -> None:
        """Given a Money stored while registered, when it is loaded after unregister, then UndecodableValue tells
        to register it with headwater.serialization.register."""
        raw = dumps(Money(150, "EUR"))
        serialization.unregister(Money)
        with pytest.raises(UndecodableValue, match=r"headwater\.serialization\.register"):
            loads(raw)

    @pytest.mark.usefixtures("money_registered")
    def test_a_value_of_an_unregistered_type_loads_as_a_description_when_not_strict(self) -> None:
        """Given a Money stored while registered, when it is loaded with strict=False after unregister, then it
        is a dict naming its type and holding its data."""
        raw = dumps(Money(150, "EUR"))
        serialization.unregister(Money)
        back = loads(raw, strict=False)
        assert back == {"__type__": registry.type_name(Money), "value": {"cents": 150, "currency": "EUR"}}


class TestUnsupportedValues:
    @pytest.mark.parametrize("make", [object, lambda: (i for i in range(3))], ids=["object", "generator"])
    def test_a_value_of_no_supported_type_is_refused(self, make: Any) -> None:
        """Given an object() or a generator, when it is dumped, then UnserializableValue carries that value."""
        value = make()
        with pytest.raises(UnserializableValue) as caught:
            dumps(value)
        assert caught.value.value is value

    def test_an_open_file_is_refused(self, tmp_path: pathlib.Path) -> None:
        """Given an open file, when it is dumped, then UnserializableValue is raised."""
        with (tmp_path / "f.txt").open("w") as handle, pytest.raises(UnserializableValue):
            dumps(handle)

    def test_the_refused_value_is_the_nested_one(self) -> None:
        """Given an object() deep inside a dict, when it is dumped, then the error carries that object."""
        inner = object()
        with pytest.raises(UnserializableValue) as caught:
            dumps({"a": [1, {"b": inner}]})
        assert caught.value.value is inner

    def test_a_numpy_object_array_is_refused_naming_pickle_and_dtype(self) -> None:
        """Given a numpy array of dtype object, when it is dumped, then UnserializableValue says it needs pickle
        and names the dtype."""
        with pytest.raises(UnserializableValue) as caught:
            dumps(np.array([1, "a", None], dtype=object))
        message = str(caught.value)
        assert "pickle" in message
        assert "dtype object" in message

    def test_a_tuple_dict_key_is_refused(self) -> None:
        """Given a dict keyed by a tuple, when it is dumped, then UnserializableValue is raised."""
        with pytest.raises(UnserializableValue):
            dumps({(1, 2): "x"})


@pytest.mark.usefixtures("xcom_settings_restored")
class TestPickling:
    def test_with_pickling_on_an_unsupported_value_round_trips_with_a_warning(self) -> None:
        """Given enable_pickling on, when an unsupported object round-trips, then it is equal and a warning says
        pickled values run code."""
        with pytest.warns(XComPicklingWarning, match="run code"):
            xcom_settings.use(XComSettings(enable_pickling=True))
            back = round_trip(Opaque(3))
        assert type(back) is Opaque
        assert back == Opaque(3)

    def test_with_pickling_off_a_pickled_value_is_refused(self) -> None:
        """Given a value pickled while pickling was on, when it is loaded with pickling off, then UndecodableValue
        names enable_xcom_pickling."""
        with pytest.warns(XComPicklingWarning):
            xcom_settings.use(XComSettings(enable_pickling=True))
            raw = dumps(Opaque(3))
        xcom_settings.use(XComSettings())
        with pytest.raises(UndecodableValue, match="enable_xcom_pickling"):
            loads(raw)

    def test_with_pickling_off_a_pickled_value_is_described_when_not_strict(self) -> None:
        """Given a value pickled while pickling was on, when it is loaded with pickling off and strict=False, then
        it is a "<pickled value ...>" string."""
        with pytest.warns(XComPicklingWarning):
            xcom_settings.use(XComSettings(enable_pickling=True))
            raw = dumps(Opaque(3))
        xcom_settings.use(XComSettings())
        back = loads(raw, strict=False)
        assert isinstance(back, str)
        assert back.startswith("<pickled value")

    def test_with_pickling_off_an_unsupported_value_is_refused(self) -> None:
        """Given pickling off (the default), when an unsupported object is dumped, then UnserializableValue."""
        with pytest.raises(UnserializableValue):
            dumps(Opaque(3))


class TestTypeNames:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            pytest.param(1, "int", id="int"),
            pytest.param({"a": 1}, "dict", id="dict"),
            pytest.param(b"\x00", "bytes", id="bytes"),
            pytest.param(pd.DataFrame({"a": [1]}), "pandas.DataFrame", id="dataframe"),
            pytest.param(Parcel(decimal.Decimal(1), fragile=False), f"{__name__}:Parcel", id="dataclass"),
        ],
    )
    def test_stored_type_and_type_label_name_the_type(self, value: Any, expected: str) -> None:
        """Given a value, when listings name its type from the value and from its stored form, then both give
        the expected name."""
        assert codec.type_label(value) == expected
        assert codec.stored_type(dumps(value)) == expected


class TestDisplay:
    def test_a_dataclass_shows_as_its_fields(self) -> None:
        """Given a dataclass, when it is shown, then it is a dict of its fields, shown in turn."""
        shown = codec.to_display(Parcel(decimal.Decimal("1.5"), fragile=True))
        assert shown == {"weight_kg": 1.5, "fragile": True}

    def test_an_enum_shows_as_its_value(self) -> None:
        """Given an Enum member, when it is shown, then it is its value."""
        assert codec.to_display(Color.RED) == "red"

    def test_bytes_show_as_their_size(self) -> None:
        """Given 5 bytes, when they are shown, then the display is "<5 bytes>"."""
        assert codec.to_display(b"\x00bcde") == "<5 bytes>"

    def test_a_dataframe_shows_its_shape(self) -> None:
        """Given a 3x2 DataFrame, when it is shown, then the display mentions its shape."""
        shown = codec.to_display(pd.DataFrame({"a": [1, 2, 3], "b": [4, 5, 6]}))
        assert isinstance(shown, str)
        assert "(3, 2)" in shown

    def test_a_datetime_shows_as_iso(self) -> None:
        """Given an aware datetime, when it is shown, then the display is its ISO string."""
        value = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC)
        assert codec.to_display(value) == "2024-05-01T12:30:00+00:00"


_KEYS = st.text(max_size=8) | st.sampled_from(["__hw__", "v", "__type__"])
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary()
    | st.dates()
    | st.datetimes(timezones=st.none() | st.just(dt.UTC) | st.just(dt.timezone(dt.timedelta(hours=-3, minutes=-30))))
    | st.datetimes(
        min_value=dt.datetime(1900, 1, 1),
        max_value=dt.datetime(2200, 1, 1),
        timezones=st.just(PARIS),
        allow_imaginary=False,
    )
    | st.decimals(allow_nan=False)
    | st.sets(st.integers())
)
_VALUES = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_KEYS, children, max_size=4),
    max_leaves=12,
)


class TestRoundTripProperty:
    @settings(max_examples=200, deadline=None)
    @given(value=_VALUES)
    def test_any_nested_value_reads_back_equal(self, value: Any) -> None:
        """Given any nesting of supported scalars in lists and str-keyed dicts (keys "__hw__" and "v" included),
        when it round-trips, then it is equal."""
        assert round_trip(value) == value


class TestHostileAndAmbiguousStoredValues:
    def test_a_registered_type_cannot_take_a_name_the_codec_reads_itself(self) -> None:
        """Given the codec's own tags, when a user registers a type under one of them, or under a name
        another type holds, then register refuses and says the name is taken."""
        for name in ("bytes", "objectstorage", "pickle", "dataclass"):
            with pytest.raises(ValueError, match=f"the type name '{name}' is already taken"):
                serialization.register(Opaque, lambda v: 1, lambda d: Opaque(), name=name)
        with pytest.raises(ValueError, match="already taken"):
            serialization.register(Opaque, str, str, name="decimal")

    def test_only_a_real_offload_reference_is_taken_for_one(self) -> None:
        """Given stored values that merely resemble a reference (a string, a user dict with the tag), when
        they are inspected, then none is taken for an offload reference, and each reads back as itself."""
        lookalikes = [
            '{"__hw__":"objectstorage","v":{"url":"file:///etc/passwd"}}',
            {"__hw__": "objectstorage", "v": {}},
        ]
        for value in lookalikes:
            raw = dumps(value)
            assert codec.offload_reference(raw) is None
            assert loads(raw) == value

    def test_a_class_in_a_module_not_imported_here_is_never_imported_on_the_say_so_of_stored_data(self) -> None:
        """Given a stored dataclass naming a module this process has not imported, when it is read, then
        the module is not imported and the error says to import it in the DAG file."""
        raw = b'{"__hw__":"dataclass","v":{"type":"this:Nope","fields":{}}}'
        sys.modules.pop("this", None)
        with pytest.raises(UndecodableValue, match="is not imported in this process"):
            loads(raw)
        assert "this" not in sys.modules

    def test_a_non_model_class_is_not_called_as_a_pydantic_model(self) -> None:
        """Given a stored pydantic value naming a class that is not a model, when it is read, then nothing is
        called and it is refused."""
        raw = b'{"__hw__":"pydantic","v":{"type":"builtins:dict","data":{}}}'
        with pytest.raises(UndecodableValue, match="is not a pydantic model"):
            loads(raw)

    def test_a_damaged_document_is_refused_with_a_clear_error(self) -> None:
        """Given a frame whose document points at a blob that does not exist, when it is read, then it is
        refused as damaged rather than crashing with an IndexError."""
        raw = bytearray(dumps([b"abc"]))
        damaged = bytes(raw).replace(b'"v":0', b'"v":7')
        with pytest.raises(UndecodableValue, match="damaged"):
            loads(damaged)


class TestValuesThatMustReadBack:
    def test_tuples_inside_a_set_stay_tuples(self) -> None:
        """Given a set and a frozenset of tuples, when stored and read, then they are equal (members hashable)."""
        for value in ({(1, 2), (3, (4, 5))}, frozenset({("a", 1)})):
            assert round_trip(value) == value

    def test_strings_with_lone_surrogates_round_trip(self) -> None:
        """Given a string with a lone surrogate (as os.fsdecode gives for a non-UTF-8 file name), when stored
        and read, then it comes back unchanged."""
        assert round_trip({"name": "caf\udce9.csv"}) == {"name": "caf\udce9.csv"}

    def test_pandas_not_a_time_reads_back(self) -> None:
        """Given pd.NaT, when stored and read, then it is NaT again."""
        assert round_trip(pd.NaT) is pd.NaT

    def test_a_dataclass_defined_inside_a_function_is_refused_when_pushed(self) -> None:
        """Given a dataclass defined in a function, when it is stored, then it is refused at once with how to
        fix it, instead of failing later when a reader cannot find the class."""

        @dataclasses.dataclass
        class Local:
            x: int

        with pytest.raises(UnserializableValue, match="defined inside a function"):
            dumps(Local(1))
