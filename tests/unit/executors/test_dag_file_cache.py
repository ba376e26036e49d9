"""The DAG files a worker keeps (mirrors ``executors/dag_file_cache.py``): only bytes with the digest the
scheduler sent are imported, and exactly the bytes that were hashed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from headwater.dagbag import DagBag
from headwater.executors.dag_file_cache import DagFileCache, FileDiffers

EVIL = """
from pathlib import Path
Path({marker!r}).write_text("imported")
from headwater import DAG
with DAG("evil", schedule=None):
    pass
"""


class TestDagFileCache:
    def test_a_file_whose_digest_is_not_the_messages_is_not_imported(self, tmp_path: Path) -> None:
        marker, path = tmp_path / "imported", tmp_path / "evil.py"
        path.write_text(EVIL.format(marker=str(marker)))

        with pytest.raises(FileDiffers):
            DagFileCache(root=tmp_path).load(str(path), "0" * 64)
        assert not marker.exists()

    def test_the_bytes_imported_are_the_bytes_whose_digest_matched(self, tmp_path: Path) -> None:
        """Nothing reads the file a second time between the check and the import."""
        marker, path = tmp_path / "imported", tmp_path / "evil.py"
        path.write_text(EVIL.format(marker=str(marker)))
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        cache = DagFileCache(root=tmp_path)

        bag = cache.load(str(path), digest)

        assert marker.exists()
        assert bag.digests[str(path.resolve())] == digest
        assert list(bag.dags) == ["evil"]
        assert bag.dags["evil"].fileloc == str(path.resolve())

    def test_the_dag_bag_imports_the_bytes_it_was_handed_not_the_file_read_again(self, tmp_path: Path) -> None:
        """The worker hashes what it read and imports exactly that: a file swapped in between is not run."""
        marker, path = tmp_path / "imported", tmp_path / "swapped.py"
        checked = b'from headwater import DAG\nwith DAG("checked", schedule=None):\n    pass\n'
        path.write_text(EVIL.format(marker=str(marker)))  # what is on disk by the time of the import
        bag = DagBag(tmp_path, root=tmp_path)

        bag.load_file(path, source=checked)

        assert list(bag.dags) == ["checked"]
        assert not marker.exists()
