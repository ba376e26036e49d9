"""ObjectStorageXCom against a real S3-compatible server (moto's, on 127.0.0.1) through s3fs, on SQLite and
PostgreSQL: large values go to the bucket, small ones stay in the DB, readers never see the difference,
and the objects go when their XComs are cleared, retried, replaced or cleaned."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

PRODUCER_CONSUMER = """
    from headwater import DAG, task

    BIG = bytes(range(256)) * 8192          # 2 MiB, above any threshold used here
    ROWS = [{"id": i, "name": f"row {i}"} for i in range(50_000)]

    with DAG("offload", schedule=None) as dag:
        @task
        def produce(ti=None):
            ti.xcom_push(key="small", value={"rows": 3})
            ti.xcom_push(key="rows", value=ROWS)
            return BIG

        @task
        def consume(big, ti=None):
            assert big == BIG, "the offloaded bytes came back different"
            assert ti.xcom_pull(task_ids="produce", key="rows") == ROWS
            assert ti.xcom_pull(task_ids="produce", key="small") == {"rows": 3}
            return len(big)

        consume(produce())
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, headwater_home: Path) -> str:
    """The metadata DB the CLI uses: SQLite in HEADWATER_HOME, or a PostgreSQL database of the test's own."""
    if request.param == "sqlite":
        return f"sqlite:///{headwater_home / 'headwater.db'}"
    url: str = request.getfixturevalue("postgres_database")
    monkeypatch.setenv("HEADWATER__DATABASE__SQL_ALCHEMY_CONN", url)
    return url


def _use(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def _xcoms(cli: Callable[..., object], task_id: str, run_id: str = "manual__2024-01-02T00:00:00+00:00") -> dict:
    listed = cli("tasks", "xcom", "offload", run_id, task_id, "-o", "json")
    assert listed.exit_code == 0, listed.stdout + listed.stderr
    return {row["key"]: row for row in listed.json}


class TestOffloadToS3:
    def test_large_values_go_to_the_bucket_and_read_back_unchanged(
        self, database, s3_bucket, monkeypatch, write_dag, dags_test, cli
    ) -> None:
        """Given ObjectStorageXCom with a 1 KiB threshold on S3, when a task pushes 2 MiB of bytes, a list of
        50,000 rows and a small dict, then the consumer reads all three unchanged, the two large ones live in
        the bucket and the small one in the database."""
        _use(monkeypatch, s3_bucket.env(threshold=1024))
        run = dags_test(write_dag(PRODUCER_CONSUMER))

        assert run.exit_code == 0, run.stderr
        assert run.json["xcoms"]["consume"]["return_value"] == 2 * 1024 * 1024
        listed = _xcoms(cli, "produce")
        assert listed["small"]["location"] == "database"
        assert listed["small"]["value"] == {"rows": 3}
        for key, kind in (("return_value", "bytes"), ("rows", "list")):
            assert listed[key]["location"].startswith(f"s3://{s3_bucket.name}/xcom/offload/"), listed[key]
            assert listed[key]["type"] == kind
        assert listed["return_value"]["size"] > 2 * 1024 * 1024
        objects = s3_bucket.objects()
        assert sorted(objects) == sorted(listed[k]["location"].removeprefix("s3://") for k in ("return_value", "rows"))

    @pytest.mark.parametrize(("compression", "suffix"), [("gzip", ".gz"), ("zstd", ".zst")])
    def test_compressed_objects_are_smaller_and_read_back(
        self, compression, suffix, s3_bucket, monkeypatch, headwater_home, write_dag, dags_test, cli
    ) -> None:
        """Given [xcom] objectstorage_compression, when large values are offloaded, then the objects carry the
        compression's suffix, are smaller than the serialized value, and read back unchanged."""
        _use(monkeypatch, s3_bucket.env(threshold=1024, compression=compression))
        run = dags_test(write_dag(PRODUCER_CONSUMER))

        assert run.exit_code == 0, run.stderr
        listed = _xcoms(cli, "produce")
        objects = s3_bucket.objects()
        for key in ("return_value", "rows"):
            path = listed[key]["location"].removeprefix("s3://")
            assert path.endswith(suffix)
            assert objects[path] < listed[key]["size"] / 2

    def test_a_dataframe_travels_through_the_bucket(self, s3_bucket, monkeypatch, headwater_home, write_dag, dags_test):
        """Given ObjectStorageXCom, when a task returns a 20,000-row DataFrame, then the next task receives an
        equal DataFrame (dtypes and index included) and the object is in the bucket."""
        _use(monkeypatch, s3_bucket.env(threshold=1024))
        path = write_dag(
            """
            import pandas as pd
            from headwater import DAG, task

            def frame():
                df = pd.DataFrame({"id": range(20_000), "price": [i * 0.5 for i in range(20_000)]})
                df["when"] = pd.Timestamp("2024-01-01")
                return df.set_index("id")

            with DAG("offload", schedule=None) as dag:
                @task
                def produce():
                    return frame()

                @task
                def consume(df):
                    pd.testing.assert_frame_equal(df, frame())
                    return int(df["price"].sum())

                consume(produce())
            """
        )
        run = dags_test(path)

        assert run.exit_code == 0, run.stderr
        assert run.json["xcoms"]["consume"]["return_value"] == sum(i * 0.5 for i in range(20_000))
        assert len(s3_bucket.objects()) == 1


class TestOffloadedDataIsDeleted:
    def test_clearing_a_task_deletes_its_objects(
        self, database, s3_bucket, monkeypatch, dags_folder, write_dag, dags_test, cli
    ) -> None:
        """Given a run whose producer offloaded two values, when the producer is cleared, then its objects are
        gone from the bucket and its XComs from the database."""
        _use(monkeypatch, s3_bucket.env(threshold=1024))
        monkeypatch.setenv("HEADWATER__CORE__DAGS_FOLDER", str(dags_folder))
        assert dags_test(write_dag(PRODUCER_CONSUMER)).exit_code == 0
        assert len(s3_bucket.objects()) == 2

        cleared = cli("tasks", "clear", "offload", "-t", "^produce$", "--yes")

        assert cleared.exit_code == 0, cleared.stderr
        assert s3_bucket.objects() == {}
        assert _xcoms(cli, "produce") == {}

    def test_running_the_same_logical_date_again_replaces_the_objects(
        self, s3_bucket, monkeypatch, headwater_home, write_dag, dags_test
    ) -> None:
        """Given a run that offloaded two values, when `dags test` runs the same logical date again (which
        replaces the run), then only the new run's two objects remain."""
        _use(monkeypatch, s3_bucket.env(threshold=1024))
        path = write_dag(PRODUCER_CONSUMER)
        assert dags_test(path).exit_code == 0
        first = set(s3_bucket.objects())

        assert dags_test(path).exit_code == 0

        second = set(s3_bucket.objects())
        assert len(second) == 2
        assert not first & second

    def test_a_retried_task_keeps_only_its_last_tries_objects(
        self, s3_bucket, monkeypatch, headwater_home, tmp_path, write_dag, dags_test
    ) -> None:
        """Given a task that offloads a value and then fails on its first try, when it is retried and succeeds,
        then the bucket holds only the object of the successful try."""
        _use(monkeypatch, s3_bucket.env(threshold=1024))
        marker = tmp_path / "failed-once"
        path = write_dag(
            f"""
            from pathlib import Path
            from headwater import DAG, task

            with DAG("offload", schedule=None) as dag:
                @task(retries=1, retry_delay=0)
                def produce(ti=None):
                    ti.xcom_push(key="blob", value=b"x" * 4096)
                    marker = Path({str(marker)!r})
                    if not marker.exists():
                        marker.touch()
                        raise RuntimeError("first try fails")

                produce()
            """
        )
        run = dags_test(path)

        assert run.exit_code == 0, run.stderr
        assert run.json["tasks"]["produce"]["try_number"] == 2
        assert len(s3_bucket.objects()) == 1

    def test_db_clean_deletes_old_runs_with_their_objects_but_keeps_the_latest_scheduled_run(
        self, database, s3_bucket, monkeypatch, write_dag, dags_test, cli
    ) -> None:
        """Given two scheduled runs that offloaded values, when `db clean --older-than` a date after both
        runs, then --dry-run changes nothing, and the real clean deletes the older run with its task
        instances, every XCom older than the date and their objects, while the latest scheduled run (where
        the schedule continues) stays with its task instances."""
        _use(monkeypatch, s3_bucket.env(threshold=1024))
        path = write_dag(PRODUCER_CONSUMER.replace("schedule=None", 'schedule="@daily"'))
        for day in ("2024-01-02", "2024-01-03"):
            run = dags_test(path, "--run-type", "scheduled", logical_date=f"{day}T00:00:00+00:00")
            assert run.exit_code == 0, run.stderr
        assert len(s3_bucket.objects()) == 4

        dry = cli("db", "clean", "--older-than", "2999-01-01", "--dry-run")
        assert dry.exit_code == 0, dry.stderr
        assert "Would delete 1 run(s), 2 task instance(s) and 8 XCom(s)" in dry.stdout
        assert len(s3_bucket.objects()) == 4

        cleaned = cli("db", "clean", "--older-than", "2999-01-01", "--yes")

        assert cleaned.exit_code == 0, cleaned.stderr
        assert "Deleted 1 run(s), 2 task instance(s) and 8 XCom(s)." in cleaned.stdout
        runs = cli("dags", "list-runs", "offload", "-o", "json").json
        assert [r["run_id"] for r in runs] == ["scheduled__2024-01-03T00:00:00+00:00"]
        states = cli("tasks", "states-for-dag-run", "offload", runs[0]["run_id"], "-o", "json").json
        assert {s["task_id"]: s["state"] for s in states} == {"produce": "success", "consume": "success"}
        assert s3_bucket.objects() == {}


class TestDefaultPlace:
    def test_without_a_path_values_go_under_headwater_home(
        self, monkeypatch, headwater_home, write_dag, dags_test, cli
    ) -> None:
        """Given ObjectStorageXCom with no path and threshold 0, when a task returns a value, then it is
        stored as a file under $HEADWATER_HOME/xcom and the consumer reads it."""
        monkeypatch.setenv("HEADWATER__CORE__XCOM_BACKEND", "headwater.xcom.ObjectStorageXCom")
        monkeypatch.setenv("HEADWATER__XCOM__OBJECTSTORAGE_THRESHOLD", "0")
        run = dags_test(write_dag(PRODUCER_CONSUMER))

        assert run.exit_code == 0, run.stderr
        files = sorted(p for p in (headwater_home / "xcom").rglob("*") if p.is_file())
        assert len(files) == 4  # produce's three values and consume's return value
        assert _xcoms(cli, "produce")["small"]["location"].startswith(f"file://{headwater_home / 'xcom'}/offload/")


class TestUnderTheScheduler:
    def test_workers_offload_and_retries_and_clears_delete_old_objects(self, site) -> None:
        """Given the scheduler with LocalExecutor workers and ObjectStorageXCom on its default file:// place,
        when a task offloads a value, fails once and is retried, then only the successful try's object is
        left; when it is cleared and runs again, its old object is replaced by the new one, and the
        consumer (another worker) read the value each time."""
        site.extra_env.update(
            {
                "HEADWATER__CORE__XCOM_BACKEND": "headwater.xcom.ObjectStorageXCom",
                "HEADWATER__XCOM__OBJECTSTORAGE_THRESHOLD": "1024",
            }
        )
        marker = site.home / "failed-once"
        site.write_dag(
            f"""
            from pathlib import Path
            from headwater import DAG, task

            with DAG("offload", schedule=None) as dag:
                @task(retries=1, retry_delay=0)
                def produce(ti=None):
                    marker = Path({str(marker)!r})
                    if not marker.exists():
                        ti.xcom_push(key="partial", value=b"p" * 4096)
                        marker.touch()
                        raise RuntimeError("first try fails after pushing")
                    return b"v" * 4096

                @task
                def consume(value):
                    assert value == b"v" * 4096
                    return len(value)

                consume(produce())
            """
        )
        site.start_scheduler()
        site.wait_for_dags("offload")
        run_id = site.trigger("offload")
        assert site.wait_for_run("offload", run_id).state == "success", site.scheduler_log()
        store_root = site.home / "xcom"

        def objects() -> list[Path]:
            return sorted(p for p in store_root.rglob("*") if p.is_file())

        first = objects()
        assert len(first) == 1, first
        assert site.instances("offload", run_id)["produce"].try_number == 2

        site.cli("tasks", "clear", "offload", "-t", "^produce$", "--downstream", "--yes")
        site.wait_for(
            "the cleared run to succeed again",
            lambda store: (
                store.get_run("offload", run_id).state == "success"
                and store.instance("offload", run_id, "consume", -1).try_number == 2
            ),
        )

        second = objects()
        assert len(second) == 1 and second != first


class TestFailedWrites:
    def test_an_object_store_that_refuses_the_write_fails_the_task_and_keeps_earlier_xcoms(
        self, monkeypatch, headwater_home, write_dag, dags_test, cli
    ) -> None:
        """Given ObjectStorageXCom pointed at a place no file can be written (under /dev/null), when a task
        pushes a small value and then a large one, then the task fails with a reason naming the URL, and the
        small value pushed before is kept."""
        monkeypatch.setenv("HEADWATER__CORE__XCOM_BACKEND", "headwater.xcom.ObjectStorageXCom")
        monkeypatch.setenv("HEADWATER__XCOM__OBJECTSTORAGE_PATH", "file:///dev/null/xcom")
        monkeypatch.setenv("HEADWATER__XCOM__OBJECTSTORAGE_THRESHOLD", "1024")
        path = write_dag(
            """
            from headwater import DAG, task

            with DAG("offload", schedule=None) as dag:
                @task
                def produce(ti=None):
                    ti.xcom_push(key="small", value="kept")
                    return b"x" * 4096

                produce()
            """
        )
        run = dags_test(path)

        assert run.exit_code == 1
        reason = run.json["tasks"]["produce"]["reason"]
        assert reason.startswith(
            "failed: XComStorageError: DAG 'offload', task 'produce': could not store XCom 'return_value': "
            "could not write the XCom value to file:///dev/null/xcom/offload/"
        )
        kept = _xcoms(cli, "produce")
        assert {key: row["value"] for key, row in kept.items()} == {"small": "kept"}


class TestNoOrphans:
    def test_pushing_the_same_key_twice_leaves_one_object(self, monkeypatch, headwater_home, write_dag, dags_test):
        """Given ObjectStorageXCom offloading every value, when a task pushes the same key twice, then only
        the second value's object remains, and it is the value a reader gets."""
        monkeypatch.setenv("HEADWATER__CORE__XCOM_BACKEND", "headwater.xcom.ObjectStorageXCom")
        monkeypatch.setenv("HEADWATER__XCOM__OBJECTSTORAGE_THRESHOLD", "0")
        path = write_dag(
            """
            from headwater import DAG, task

            with DAG("offload", schedule=None) as dag:
                @task(do_xcom_push=False)
                def produce(ti=None):
                    ti.xcom_push(key="k", value="first")
                    ti.xcom_push(key="k", value="second")

                @task
                def read(ti=None):
                    return ti.xcom_pull(task_ids="produce", key="k")

                produce() >> read()
            """
        )
        run = dags_test(path)

        assert run.exit_code == 0, run.stderr
        assert run.json["xcoms"]["produce"]["k"] == "second"
        files = [p for p in (headwater_home / "xcom" / "offload").rglob("*") if p.is_file() and "produce" in str(p)]
        assert len(files) == 1
