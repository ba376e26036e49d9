"""Handlers for numpy, pandas and pyarrow values, registered the first time one is met.

Arrays are written in numpy's own ``.npy`` format without pickle; DataFrames, Series and Arrow tables
as Arrow IPC streams. Values that would need pickle (numpy arrays of Python objects) are refused
with the reason.
"""

from __future__ import annotations

import io
from typing import Any

from headwater.store.xcom.registry import register


def register_for(library: str) -> None:
    {"numpy": _numpy, "pandas": _pandas, "pyarrow": _pyarrow}[library]()


def _numpy() -> None:
    import numpy as np

    def encode_array(array: Any) -> dict[str, Any]:
        from headwater.store.xcom.codec import UnserializableValue

        buffer = io.BytesIO()
        try:
            np.save(buffer, array, allow_pickle=False)
        except ValueError as err:
            raise UnserializableValue(
                array, f"a numpy array of dtype {array.dtype} needs pickle ({err}); convert it to a numeric dtype"
            ) from None
        return {"npy": buffer.getbuffer()}

    def decode_array(data: dict[str, Any]) -> Any:
        return np.load(io.BytesIO(data["npy"]), allow_pickle=False)

    register(np.ndarray, encode_array, decode_array, name="numpy.ndarray")
    register(
        np.generic,
        lambda v: {"dtype": v.dtype.str, "value": v.item()},
        lambda d: np.array(d["value"], dtype=np.dtype(d["dtype"]))[()],
        name="numpy.scalar",
    )


def _arrow_bytes(table: Any) -> Any:
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return memoryview(sink.getvalue())


def _arrow_table(raw: bytes) -> Any:
    import pyarrow as pa

    return pa.ipc.open_stream(pa.py_buffer(raw)).read_all()


def _pandas() -> None:
    import pandas as pd

    def encode_frame(frame: Any) -> dict[str, Any]:
        import pyarrow as pa

        return {"arrow": _arrow_bytes(pa.Table.from_pandas(frame, preserve_index=True))}

    def encode_series(series: Any) -> dict[str, Any]:
        import pyarrow as pa

        frame = series.to_frame(name="values")
        return {"arrow": _arrow_bytes(pa.Table.from_pandas(frame, preserve_index=True)), "name": series.name}

    def decode_series(data: dict[str, Any]) -> Any:
        series = _arrow_table(data["arrow"]).to_pandas()["values"]
        name = data["name"]
        series.name = tuple(name) if isinstance(name, list) else name  # a tuple name came back as a list
        return series

    register(pd.DataFrame, encode_frame, lambda d: _arrow_table(d["arrow"]).to_pandas(), name="pandas.DataFrame")
    register(pd.Series, encode_series, decode_series, name="pandas.Series")

    def decode_timestamp(data: Any) -> Any:
        iso, zone = data if isinstance(data, list) else (data, None)
        stamp = pd.Timestamp(iso)
        if not zone:
            return stamp
        try:
            return stamp.tz_convert(zone)
        except (KeyError, ValueError):  # a fixed offset, not a zone name: the ISO string's offset is the zone
            return stamp

    register(
        pd.Timestamp,
        lambda v: [v.isoformat(), str(v.tz) if v.tz is not None else None],
        decode_timestamp,
        name="pandas.Timestamp",
    )
    register(type(pd.NaT), lambda v: None, lambda d: pd.NaT, name="pandas.NaT")
    register(pd.Timedelta, lambda v: v.value, lambda ns: pd.Timedelta(ns, unit="ns"), name="pandas.Timedelta")


def _pyarrow() -> None:
    import pyarrow as pa

    register(pa.Table, lambda t: {"arrow": _arrow_bytes(t)}, lambda d: _arrow_table(d["arrow"]), name="pyarrow.Table")
