"""Paths built from ids stay inside their folder, whatever the ids stored in the database hold: task log
files and folders, and offloaded XCom objects."""

from __future__ import annotations

from pathlib import Path

import pytest

from headwater.errors import UnsafePath
from headwater.model.ids import ID_MAX_LENGTH, check_run_id, check_task_id
from headwater.pathsafety import NAME_MAX, fit_name, inside
from headwater.runtime.logs import log_path, run_log_folder
from headwater.store.xcom import codec
from headwater.store.xcom.objectstorage import _confined, _object_url
from headwater.store.xcom.settings import XComSettings

STORED_TRICKS = {
    "dot-dot": ("x/../../../../victim_dir", "contains '/'"),
    "absolute": ("/etc/x", "contains '/'"),
    "NUL": ("a\x00b", "contains '\\x00'"),
}


class TestInside:
    @pytest.mark.parametrize("part", ["..", ".", "", "a/b", "/etc", "a\x00"])
    def test_a_part_that_is_not_one_plain_name_is_refused(self, tmp_path: Path, part: str) -> None:
        with pytest.raises(UnsafePath, match="Refused to use a path for the test"):
            inside(tmp_path, "ok", part, what="the test")

    def test_plain_names_stay_inside_the_root(self, tmp_path: Path) -> None:
        assert inside(tmp_path, "run_id=..", "a..b", what="the test") == tmp_path / "run_id=.." / "a..b"


class TestTaskLogs:
    @pytest.mark.parametrize(("run_id", "why"), STORED_TRICKS.values(), ids=STORED_TRICKS.keys())
    def test_a_log_path_from_a_stored_run_id_that_escapes_is_refused(
        self, tmp_path: Path, run_id: str, why: str
    ) -> None:
        """Given a run id stored without being checked, when a try's log path is built, then it is refused
        naming the run and why, instead of pointing outside the logs folder."""
        with pytest.raises(UnsafePath) as raised:
            log_path(tmp_path / "logs", "etl", run_id, "load", -1, 1)
        assert f"the log of DAG 'etl', run {run_id[:40]!r}"[:-1] in str(raised.value)
        assert why in str(raised.value)
        with pytest.raises(UnsafePath):
            run_log_folder(tmp_path / "logs", "etl", run_id)

    def test_a_stored_task_id_with_dot_dots_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(UnsafePath, match=r"its part 'task_id=\.\./\.\./x' contains '/'"):
            log_path(tmp_path / "logs", "etl", "manual__1", "../../x", -1, 1)

    def test_valid_ids_give_airflows_layout(self, tmp_path: Path) -> None:
        assert log_path(tmp_path, "etl", "run..1", "load", 3, 2) == (
            tmp_path / "dag_id=etl" / "run_id=run..1" / "task_id=load" / "map_index=3" / "attempt=2.log"
        )


class TestLongIds:
    def test_the_longest_valid_ids_have_a_log_file_of_their_own(self, tmp_path: Path) -> None:
        """Given a run id and a task id of 250 characters (valid, as in Airflow; 'é' is two bytes in UTF-8),
        when a try's log path is built, then every part fits in a file name and the file can be written."""
        run_id = check_run_id("r" * ID_MAX_LENGTH, dag_id="etl")
        task_id = check_task_id("é" * ID_MAX_LENGTH, dag_id="etl")
        path = log_path(tmp_path / "logs", "etl", run_id, task_id, -1, 1)
        assert all(len(part.encode()) <= NAME_MAX for part in path.relative_to(tmp_path).parts)
        path.parent.mkdir(parents=True)
        path.write_text("ok")
        assert log_path(tmp_path / "logs", "etl", run_id, task_id, -1, 1).read_text() == "ok"

    def test_shortened_names_keep_their_start_and_stay_distinct(self) -> None:
        first, second = fit_name("task_id=" + "a" * 300), fit_name("task_id=" + "a" * 299 + "b")
        assert first != second
        assert first.startswith("task_id=aaaa") and len(first.encode()) <= NAME_MAX
        assert fit_name("task_id=load") == "task_id=load"

    def test_a_long_unicode_id_fits_in_an_xcom_object_url(self) -> None:
        url = _object_url("file:///data/xcom", "etl", "manual__1", "é" * ID_MAX_LENGTH, None)
        assert all(len(part) <= NAME_MAX for part in url.removeprefix("file:///data/xcom/").split("/"))


class TestXComObjects:
    def test_ids_that_name_folders_are_quoted_into_plain_names(self) -> None:
        """'..' is a valid run id in Airflow; as a part of the object URL it is escaped, and '/' or NUL too."""
        url = _object_url("file:///data/xcom", "..", "x/../../y", "a\x00", None)
        assert url.startswith("file:///data/xcom/")
        parts = url.removeprefix("file:///data/xcom/").split("/")
        assert parts[:-1] == ["%2E%2E", "x%2F..%2F..%2Fy", "a%00"]

    @pytest.mark.parametrize("tail", ["../../etc/passwd", "a/./b", "a/..", "a//b"])
    def test_reading_or_deleting_a_stored_reference_that_leaves_the_path_is_refused(self, tail: str) -> None:
        settings = XComSettings(objectstorage_path="file:///data/xcom")
        with pytest.raises(codec.UndecodableValue, match="Refused to use a path for the XCom object"):
            _confined(f"file:///data/xcom/{tail}", settings)
