"""``ObjectStorageXCom``: values above a size go to an fsspec object store; the DB keeps a reference.

The reference is a tagged document (``{"__hw__": "objectstorage", "v": {...}}``) that no user value
can produce (the codec escapes user dicts that carry the tag), so any reader, whatever backend it is
configured with, recognises it and loads the value; readers never see the difference. Writes stream
the codec's parts through the optional compressor in chunks, so a large value is never copied
whole on its way out.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from headwater.errors import UnsafePath
from headwater.pathsafety import fit_name, plain_name
from headwater.private_files import create_private_file, private_dir
from headwater.store.xcom import codec
from headwater.store.xcom.base import BaseXCom
from headwater.store.xcom.settings import XComSettings, current

log = logging.getLogger(__name__)

_CHUNK = 8 * 1024 * 1024
_SUFFIX = {"gzip": ".gz", "zstd": ".zst"}


class ObjectStorageXCom(BaseXCom):
    """Offloads values whose serialized size is above ``[xcom] objectstorage_threshold`` bytes to
    ``[xcom] objectstorage_path``, optionally compressed (``[xcom] objectstorage_compression``)."""

    @staticmethod
    def serialize_value(
        value: Any,
        *,
        key: str | None = None,
        task_id: str | None = None,
        dag_id: str | None = None,
        run_id: str | None = None,
        map_index: int | None = None,
    ) -> Any:
        settings = current()
        parts = codec.dump_parts(value)
        size = sum(memoryview(part).nbytes for part in parts)
        threshold = settings.objectstorage_threshold
        if threshold < 0 or size <= threshold:
            return parts[0] if len(parts) == 1 else b"".join(parts)
        url = _object_url(settings.objectstorage_path, dag_id, run_id, task_id, settings.objectstorage_compression)
        stored = write_object(url, parts, settings)
        reference = {
            "url": url,
            "size": size,
            "stored_size": stored,
            "compression": settings.objectstorage_compression,
            "type": codec.type_label(value),
        }
        return codec.REFERENCE_PREFIX + json.dumps(reference, separators=(",", ":")).encode("utf-8") + b"}"

    def orm_deserialize_value(self) -> Any:
        """Listings show where an offloaded value lives instead of fetching it (as Airflow's backend does)."""
        found = codec.offload_reference(self.value)
        return found["url"] if found is not None else codec.loads(self.value, strict=False)


def _object_url(base: str, dag_id: str | None, run_id: str | None, task_id: str | None, compression: str | None) -> str:
    """``base/dag/run/task/<uuid>``: each id quoted into one plain name (``/`` and NUL escaped, a ``.`` or
    ``..`` id too), so no id, checked or not, puts the object outside ``base``."""
    parts = [_segment(p or "_") for p in (dag_id, run_id, task_id)]
    what = f"the XCom of DAG {dag_id!r}, run {run_id!r}, task {task_id!r}"
    for part in parts:
        plain_name(part, what=what, max_bytes=None)
    name = uuid.uuid4().hex + _SUFFIX.get(compression or "", "")
    return "/".join([base.rstrip("/"), *(fit_name(part) for part in parts), name])


def _segment(name: str) -> str:
    quoted = urllib.parse.quote(name, safe="-_.+:=@")
    return quoted.replace(".", "%2E") if quoted in (".", "..") else quoted


def _filesystem(url: str, settings: XComSettings) -> tuple[Any, str]:
    import fsspec.core

    fs, path = fsspec.core.url_to_fs(url, **dict(settings.objectstorage_options))
    return fs, path


@contextlib.contextmanager
def _compressed(raw: IO[bytes], compression: str | None) -> Iterator[Any]:
    if compression == "gzip":
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as out:
            yield out
    elif compression == "zstd":
        import zstandard

        with zstandard.ZstdCompressor().stream_writer(raw, closefd=False) as out:
            yield out
    else:
        yield raw


@contextlib.contextmanager
def _decompressed(raw: IO[bytes], compression: str | None) -> Iterator[Any]:
    if compression == "gzip":
        with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
            yield stream
    elif compression == "zstd":
        import zstandard

        with zstandard.ZstdDecompressor().stream_reader(raw, closefd=False) as stream:
            yield stream
    else:
        yield raw


def write_object(url: str, parts: list[bytes | bytearray | memoryview], settings: XComSettings) -> int:
    """Write the parts to ``url``; returns the bytes stored (after compression)."""
    from fsspec.implementations.local import LocalFileSystem

    fs, path = _filesystem(url, settings)
    try:
        if isinstance(fs, LocalFileSystem):  # private: 0700 folders, a 0600 file, whatever the umask
            private_dir(Path(fs._parent(path)))
            create_private_file(path)
        with fs.open(path, "wb") as raw:
            with _compressed(raw, settings.objectstorage_compression) as out:
                for part in parts:
                    view = memoryview(part).cast("B")
                    for start in range(0, view.nbytes, _CHUNK):
                        out.write(view[start : start + _CHUNK])
            stored: int = raw.tell()
    except Exception as err:  # any failure of the store's client (s3fs raises its own types), re-raised below
        _remove_partial(fs, path, url)
        raise OSError(f"could not write the XCom value to {url}: {type(err).__name__}: {err}") from err
    return stored


def _remove_partial(fs: Any, path: str, url: str) -> None:
    """Nothing half-written stays behind; if even that fails, say where it is."""
    try:
        if fs.exists(path):
            fs.rm(path)
    except Exception as err:  # noqa: BLE001 - cleanup after a failed write: say what may be left, raise the write's error
        log.warning("A partly written XCom object may remain at %s: %s", url, err)


def _confined(url: str, settings: XComSettings) -> str:
    """Only URLs under the configured place are read or deleted: a reference is data from the DB, and
    must not make headwater open or delete anything else."""
    base = settings.objectstorage_path.rstrip("/") + "/"
    if not (isinstance(url, str) and url.startswith(base)):
        raise codec.UndecodableValue(
            f"the XCom value refers to {url!r}, outside [xcom] objectstorage_path ({base}); if the path was "
            "changed, set it back to read values stored under the old one"
        )
    try:
        for part in url[len(base) :].split("/"):
            plain_name(part, what=f"the XCom object {url!r}", max_bytes=None)
    except UnsafePath as err:
        raise codec.UndecodableValue(str(err)) from None
    return url


def read_object(reference: dict[str, Any], settings: XComSettings, *, strict: bool = True) -> Any:
    fs, path = _filesystem(_confined(reference["url"], settings), settings)
    try:
        with fs.open(path, "rb") as raw, _decompressed(raw, reference.get("compression")) as stream:
            return codec.load_stream(stream, strict=strict)
    except FileNotFoundError:
        raise codec.UndecodableValue(
            f"the XCom value offloaded to {reference['url']} is gone from the object store; clear the task that "
            "pushed it so it runs again"
        ) from None


def delete_object(url: str, settings: XComSettings) -> None:
    fs, path = _filesystem(_confined(url, settings), settings)
    with contextlib.suppress(FileNotFoundError):  # already gone: what purging wants
        fs.rm(path)
