"""XCom values as users see them: rich types across worker processes, `tasks xcom`, the size limit, pickling
only when opted in, and the README's custom backend pattern run as written."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from headwater.store.xcom.settings import XComPicklingWarning

RICH_TYPES_DAG = """
    import dataclasses
    import datetime as dt
    import decimal
    import enum
    import uuid

    from headwater import DAG, task
    from headwater.serialization import register

    class Tier(enum.Enum):
        GOLD = "gold"
        SILVER = "silver"

    @dataclasses.dataclass
    class Order:
        id: int
        placed: dt.date
        total: decimal.Decimal
        tier: Tier
        tags: frozenset

    class Money:
        def __init__(self, cents, currency):
            self.cents, self.currency = cents, currency

    register(Money, lambda m: [m.cents, m.currency], lambda d: Money(*d))

    REF = uuid.UUID("12345678-1234-5678-1234-567812345678")

    with DAG("rich", schedule=None) as dag:
        @task
        def make_order():
            return Order(7, dt.date(2024, 1, 2), decimal.Decimal("19.99"), Tier.GOLD, frozenset({"a", "b"}))

        @task
        def make_money(ti=None):
            ti.xcom_push(key="ref", value=REF)
            return Money(1999, "EUR")

        @task
        def check(order, money, ti=None):
            assert type(order).__name__ == "Order" and order.tier is Tier.GOLD, repr(order)
            assert order.total == decimal.Decimal("19.99") and order.tags == frozenset({"a", "b"})
            assert isinstance(money, Money) and (money.cents, money.currency) == (1999, "EUR")
            assert ti.xcom_pull(task_ids="make_money", key="ref") == REF
            return f"{order.id}:{money.cents}{money.currency}"

        check(make_order(), make_money())
"""


class TestRichTypesUnderTheScheduler:
    def test_dataclasses_enums_and_registered_types_cross_worker_processes(self, site) -> None:
        """Given a DAG file defining a dataclass, an enum and a registered type, when the scheduler runs it on
        LocalExecutor workers, then the consumer receives them as those types, and `tasks xcom` (which does
        not import the DAG file) lists the dataclass's fields under its type name."""
        site.write_dag(RICH_TYPES_DAG)
        site.start_scheduler()
        site.wait_for_dags("rich")
        run_id = site.trigger("rich")
        run = site.wait_for_run("rich", run_id)

        assert run.state == "success", site.scheduler_log()
        listed = site.cli("tasks", "xcom", "rich", run_id, "make_order", "-o", "json").json
        (order,) = listed
        assert order["type"].endswith(":Order")
        assert order["location"] == "database"
        assert order["value"]["id"] == 7
        assert order["value"]["total"] == 19.99
        assert order["value"]["placed"] == "2024-01-02"
        assert site.cli("tasks", "xcom", "rich", run_id, "check", "-o", "json").json[0]["value"] == "7:1999EUR"


class TestTasksXcom:
    def test_lists_key_type_size_and_place_and_filters_by_key(self, write_dag, dags_test, cli) -> None:
        """Given a task that pushed two keys, when `tasks xcom` lists them as a table and with --key as JSON,
        then each row shows key, type, size and place, and --key keeps only that key."""
        path = write_dag(
            """
            from headwater import DAG, task

            with DAG("listing", schedule=None) as dag:
                @task
                def push(ti=None):
                    ti.xcom_push(key="blob", value=b"abc")
                    return {"n": 1}

                push()
            """
        )
        run = dags_test(path)
        assert run.exit_code == 0, run.stderr
        run_id = "manual__2024-01-02T00:00:00+00:00"

        table = cli("tasks", "xcom", "listing", run_id, "push")
        only = cli("tasks", "xcom", "listing", run_id, "push", "--key", "blob", "-o", "json")

        assert table.exit_code == 0, table.stderr
        header, _, *rows = table.stdout.splitlines()
        assert [c.strip() for c in header.split("|")] == ["key", "map_index", "type", "size", "location", "value"]
        cells = {row.split("|")[0].strip(): [c.strip() for c in row.split("|")] for row in rows}
        assert cells["return_value"][2:] == ["dict", "7", "database", "{'n': 1}"]
        assert cells["blob"][2] == "bytes" and cells["blob"][5] == "<3 bytes>"
        assert [r["key"] for r in only.json] == ["blob"]

    def test_an_unknown_run_or_task_says_how_to_find_the_right_one(self, write_dag, dags_test, cli) -> None:
        """Given a recorded run, when `tasks xcom` names a run or a task that does not exist, then it exits 2
        (a usage error) and points at the command that lists runs or tasks."""
        path = write_dag(
            """
            from headwater import DAG
            from headwater.operators.empty import EmptyOperator

            with DAG("listing", schedule=None) as dag:
                EmptyOperator(task_id="only")
            """
        )
        assert dags_test(path).exit_code == 0

        no_run = cli("tasks", "xcom", "listing", "nope", "only")
        no_task = cli("tasks", "xcom", "listing", "manual__2024-01-02T00:00:00+00:00", "nope")

        assert no_run.exit_code == 2 and "headwater dags list-runs listing" in no_run.stderr
        assert no_task.exit_code == 2 and "headwater tasks states-for-dag-run listing" in no_task.stderr


class TestLimitsAndPickle:
    def test_a_value_over_the_size_limit_fails_before_the_write_and_keeps_earlier_xcoms(
        self, monkeypatch, write_dag, dags_test, cli
    ) -> None:
        """Given [xcom] max_db_value_bytes = 1000, when a task pushes a small value and then returns 5,000
        bytes, then it fails with the size, the limit and the offload fix, and the small value is kept."""
        monkeypatch.setenv("HEADWATER__XCOM__MAX_DB_VALUE_BYTES", "1000")
        path = write_dag(
            """
            from headwater import DAG, task

            with DAG("limits", schedule=None) as dag:
                @task
                def push(ti=None):
                    ti.xcom_push(key="small", value=[1, 2, 3])
                    return "x" * 5000

                push()
            """
        )
        run = dags_test(path)

        assert run.exit_code == 1
        reason = run.json["tasks"]["push"]["reason"]
        assert "XComTooLarge: DAG 'limits', task 'push': XCom 'return_value' is 5,002 bytes serialized" in reason
        assert "above the 1,000 bytes allowed" in reason and "headwater.xcom.ObjectStorageXCom" in reason
        kept = cli("tasks", "xcom", "limits", "manual__2024-01-02T00:00:00+00:00", "push", "-o", "json").json
        assert [(r["key"], r["value"]) for r in kept] == [("small", [1, 2, 3])]

    def test_pickle_is_used_only_when_the_deployment_opts_in_and_then_warns(
        self, monkeypatch, write_dag, dags_test
    ) -> None:
        """Given a task returning an instance of a plain class, when it runs without pickling it fails naming
        the type, and with [core] enable_xcom_pickling it succeeds and the log warns that pickling lets
        whoever can write to the database run code."""
        path = write_dag(
            """
            from headwater import DAG, task

            class Handle:
                def __init__(self, name):
                    self.name = name

            with DAG("pickles", schedule=None) as dag:
                @task
                def make():
                    return Handle("h1")

                @task
                def use(handle):
                    assert handle.name == "h1"

                use(make())
            """
        )
        refused = dags_test(path)
        assert refused.json["tasks"]["make"]["state"] == "failed"
        assert re.search(r"cannot store XCom 'return_value' of type headwater_dag_\w+\.Handle", refused.stderr)

        monkeypatch.setenv("HEADWATER__CORE__ENABLE_XCOM_PICKLING", "true")
        with pytest.warns(XComPicklingWarning, match="can then run code on your workers"):
            allowed = dags_test(path)

        assert allowed.exit_code == 0, allowed.stderr
        assert allowed.tasks() == {"make": "success", "use": "success"}
        assert "enable_xcom_pickling is on" in allowed.stderr and "run code" in allowed.stderr


class TestReadmeCustomBackend:
    def test_the_readme_dataframe_backend_runs_as_written(
        self, s3_server, monkeypatch, tmp_path, write_dag, dags_test, cli
    ) -> None:
        """Given the README's DataFrame-to-S3 backend (its bucket renamed to the test's), when a task returns
        a DataFrame, then the next task receives it equal, the bucket holds one Parquet file, and the
        metadata DB holds its path."""
        import s3fs

        readme = (Path(__file__).parents[2] / "README.md").read_text()
        code = next(b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "class DataFrameS3XCom" in b)
        bucket = "readme-bucket"
        module = tmp_path / "lib" / "df_backend.py"
        module.parent.mkdir()
        module.write_text(textwrap.dedent(code).replace("s3://my-bucket/", f"s3://{bucket}/"))
        monkeypatch.syspath_prepend(str(module.parent))
        for name, value in {
            "AWS_ENDPOINT_URL": s3_server,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }.items():
            monkeypatch.setenv(name, value)
        fs = s3fs.S3FileSystem(skip_instance_cache=True)
        fs.mkdir(bucket)
        monkeypatch.setenv("HEADWATER__CORE__XCOM_BACKEND", "df_backend.DataFrameS3XCom")
        path = write_dag(
            """
            import pandas as pd
            from headwater import DAG, task

            with DAG("frames", schedule=None) as dag:
                @task
                def produce():
                    return pd.DataFrame({"city": ["Lyon", "Oslo"], "temp": [11.5, -2.0]})

                @task
                def consume(df):
                    assert df.equals(pd.DataFrame({"city": ["Lyon", "Oslo"], "temp": [11.5, -2.0]}))
                    return len(df)

                consume(produce())
            """
        )
        run = dags_test(path)

        assert run.exit_code == 0, run.stderr
        assert run.json["xcoms"]["consume"]["return_value"] == 2
        objects = fs.find(bucket)
        assert len(objects) == 1 and objects[0].endswith(".parquet")
        listed = cli("tasks", "xcom", "frames", "manual__2024-01-02T00:00:00+00:00", "produce", "-o", "json").json
        assert listed[0]["value"] == f"s3://{objects[0]}"


class TestUpgradeKeepsXComs:
    def test_a_database_from_before_the_value_moved_last_keeps_its_xcoms(self, tmp_path) -> None:
        """Given a SQLite database at the previous schema revision holding an XCom, when headwater opens it
        (and migrates), then the XCom reads back unchanged and the value is the table's last column."""
        from alembic import command
        from alembic.config import Config
        from sqlalchemy import create_engine, text

        from headwater.store.database import MIGRATIONS
        from headwater.store.sql import SqlStore
        from headwater.store.xcom.codec import dumps, loads

        url = f"sqlite:///{tmp_path / 'old.db'}"
        engine = create_engine(url)
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0002_scheduler")
            conn.execute(
                text(
                    "INSERT INTO xcom (dag_id, run_id, task_id, map_index, key, value, timestamp) "
                    "VALUES ('d', 'r', 't', -1, 'return_value', :value, '2024-01-01 00:00:00.000000')"
                ),
                {"value": dumps({"rows": [1, 2, 3]})},
            )
        engine.dispose()

        store = SqlStore(url)
        try:
            (row,) = store.xcoms_of("d", "r", "t")
            with store.engine.connect() as conn:
                columns = [c[1] for c in conn.execute(text("PRAGMA table_info(xcom)"))]
        finally:
            store.close()
        assert loads(row.value) == {"rows": [1, 2, 3]}
        assert columns[-1] == "value"
