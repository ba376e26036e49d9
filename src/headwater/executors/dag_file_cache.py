"""The DAG files a worker keeps between tries, imported only as the bytes the scheduler parsed.

A work item carries the SHA-256 of its DAG file as the scheduler parsed it. The worker reads the file,
hashes those bytes and, only when the digests agree, compiles and runs the very bytes it hashed: a
file that differs is never imported, and no second read can slip other code in between.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from headwater.dagbag import DagBag
from headwater.errors import HeadwaterError, IgnoredArgumentWarning
from headwater.model.dag import DAG


class FileDiffers(Exception):
    """This machine's copy of a DAG file is not the one a message names; nothing of it was imported."""

    def __init__(self, fileloc: str, here: str) -> None:
        super().__init__(f"{fileloc} here has SHA-256 {here}")
        self.here = here


@dataclass
class DagFileCache:
    """Parsed DAG files, kept between tries and imported again only when they change."""

    files: dict[str, tuple[tuple[int, int], DagBag]] = field(default_factory=dict)
    root: Path | None = None
    """The DAGs folder, which names the modules of the files under it."""

    def load(self, fileloc: str, digest: str | None = None) -> DagBag:
        """The DAGs of a file, imported again when its modification time or size changed. With ``digest``
        (the SHA-256 of the file the scheduler parsed), only those exact bytes are imported: a changed
        file is read and hashed, then compiled from the very bytes that were hashed when they match, and
        not imported at all when they do not (``FileDiffers``)."""
        stat = os.stat(fileloc)
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self.files.get(fileloc)
        kept = cached[1].digests.get(str(cached[1].path)) if cached is not None else None
        if cached is not None and cached[0] == stamp and digest in (None, kept):
            return cached[1]
        source = Path(fileloc).read_bytes()
        here = hashlib.sha256(source).hexdigest()
        if digest is not None and here != digest:
            raise FileDiffers(fileloc, here)
        if cached is not None and kept == here:  # touched, not changed
            bag = cached[1]
        else:
            bag = DagBag(Path(fileloc).resolve(), root=self.root)
            with warnings.catch_warnings():  # the scheduler's parse announced them; tries' logs need not repeat it
                warnings.simplefilter("ignore", IgnoredArgumentWarning)
                bag.load_file(bag.path, source=source)
        self.files[fileloc] = (stamp, bag)
        return bag

    def differs(self, fileloc: str, digest: str) -> str | None:
        """This machine's SHA-256 of a DAG file when it is not ``digest`` (nothing of it is imported then);
        None when they agree (the file is imported, if it was not already) or when it cannot be read (the
        try fails saying so)."""
        try:
            self.load(fileloc, digest)
        except FileDiffers as differs:
            return differs.here
        except OSError:
            return None
        return None

    def dag(self, fileloc: str, dag_id: str, digest: str | None = None) -> DAG:
        """A DAG of a file; with ``digest``, from the copy with that digest (checked a moment before)."""
        cached = self.files.get(fileloc)
        try:
            if digest is not None and cached is not None and cached[1].digests.get(str(cached[1].path)) == digest:
                bag = cached[1]
            else:
                bag = self.load(fileloc, digest)
        except FileDiffers as differs:
            raise HeadwaterError(
                f"DAG file {fileloc} changed on this worker while the try was starting (now SHA-256 {differs.here}); "
                "it did not run code the scheduler has not parsed"
            ) from None
        except OSError as err:
            raise HeadwaterError(f"DAG file {fileloc} cannot be read on this worker: {err}") from None
        if dag_id not in bag.dags:
            error = bag.import_errors.get(str(Path(fileloc).resolve()))
            if error:
                raise HeadwaterError(f"DAG file {fileloc} no longer imports: {error}")
            raise HeadwaterError(f"DAG {dag_id!r} is no longer defined in {fileloc}.")
        return bag.dags[dag_id]
