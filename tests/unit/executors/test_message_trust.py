"""What a Celery worker trusts (mirrors ``executors/message_trust.py``): signatures over a canonical
encoding, DAG file paths confined to the DAGs folder, a secret made once per home."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from headwater.config import Settings
from headwater.errors import ConfigError
from headwater.executors.base import WorkItem
from headwater.executors.message_trust import (
    SECRET_FILE,
    RefusedMessage,
    confined_dag_file,
    message_secret,
    sign,
    verify,
)

SECRET = b"0123456789abcdef-test-secret"
MESSAGE = WorkItem(
    "load", -1, 1, dag_id="sales", run_id="manual__1", fileloc="team/sales.py", file_hash="a" * 64
).to_message()


class TestSignAndVerify:
    def test_a_signed_message_verifies_after_a_json_round_trip_with_its_keys_in_any_order(self) -> None:
        """The broker carries JSON; the signature covers the content, not the order keys were written in."""
        travelled = json.loads(json.dumps(dict(reversed(list(sign(MESSAGE, SECRET).items())))))

        assert verify(travelled, SECRET) == MESSAGE

    def test_an_altered_message_is_refused(self) -> None:
        signed = sign(MESSAGE, SECRET)
        signed["fileloc"] = "/tmp/evil.py"

        with pytest.raises(RefusedMessage, match="signature does not match this worker's \\[celery\\] message_secret"):
            verify(signed, SECRET)

    def test_a_message_signed_with_another_secret_is_refused(self) -> None:
        with pytest.raises(RefusedMessage, match="HEADWATER__CELERY__MESSAGE_SECRET"):
            verify(sign(MESSAGE, b"another secret, not ours"), SECRET)

    def test_an_unsigned_message_is_refused(self) -> None:
        with pytest.raises(RefusedMessage, match="it is not signed"):
            verify(dict(MESSAGE), SECRET)

    @pytest.mark.parametrize(
        "body", [None, "text", ["a", "list"], {"signature": 12}, {"signature": "\ud800"}, {"signature": "é" * 64}]
    )
    def test_something_that_is_not_a_signed_object_is_refused(self, body: object) -> None:
        with pytest.raises(RefusedMessage):
            verify(body, SECRET)


class TestConfinedDagFile:
    def test_a_relative_python_file_is_found_in_this_workers_dags_folder(self, tmp_path: Path) -> None:
        assert confined_dag_file(tmp_path, "team/sales.py") == tmp_path / "team" / "sales.py"

    @pytest.mark.parametrize(
        ("fileloc", "why"),
        [
            ("/etc/evil.py", "is absolute"),
            ("../evil.py", "leads out of the DAGs folder"),
            ("team/../../evil.py", "leads out of the DAGs folder"),
            ("team/sales.py\0.txt", "contains a NUL byte"),
            ("notes.txt", "is not a .py file"),
            ("", "names no DAG file"),
            (None, "names no DAG file"),
        ],
    )
    def test_a_path_that_could_leave_the_folder_or_is_no_python_file_is_refused(
        self, tmp_path: Path, fileloc: object, why: str
    ) -> None:
        with pytest.raises(RefusedMessage, match=why):
            confined_dag_file(tmp_path, fileloc)


def _settings(home: Path, secret: str = "") -> Settings:
    return Settings(home=home, dags_folder=home / "dags", sql_alchemy_conn="sqlite://", celery_message_secret=secret)


class TestMessageSecret:
    def test_the_configured_secret_is_used(self, tmp_path: Path) -> None:
        assert message_secret(_settings(tmp_path, "x" * 32)) == b"x" * 32
        assert not (tmp_path / SECRET_FILE).exists()

    def test_without_one_a_private_random_secret_is_made_once_and_kept(self, tmp_path: Path) -> None:
        home = tmp_path / "home"
        first = message_secret(_settings(home))

        assert message_secret(_settings(home)) == first
        assert len(first) >= 32
        assert stat.S_IMODE((home / SECRET_FILE).stat().st_mode) == 0o600
        assert message_secret(_settings(tmp_path / "elsewhere")) != first

    def test_a_short_secret_is_refused_saying_how_to_make_one(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match=r"at least 16 random ones.*secrets\.token_urlsafe"):
            message_secret(_settings(tmp_path, "short"))

    def test_the_secret_does_not_show_in_the_settings_repr(self, tmp_path: Path) -> None:
        assert "hush-hush-hush-hush" not in repr(_settings(tmp_path, "hush-hush-hush-hush"))
