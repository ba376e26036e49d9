"""E-mail through a real SMTP server on loopback: the alerts of failed and retried tries
(``email_on_failure`` / ``email_on_retry``), ``EmailOperator`` and ``send_email``, under ``dags test``."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from smtp_harness import MailServer, free_port, running_mail_server

HEADER = """
    import datetime
    import pendulum
    from airflow import DAG
    from airflow.decorators import task
    from airflow.operators.email import EmailOperator
    from airflow.operators.python import PythonOperator
    from airflow.utils.email import send_email
"""


def dag_file(body: str) -> str:
    return textwrap.dedent(HEADER) + textwrap.dedent(body)


@pytest.fixture
def smtp_env(monkeypatch: pytest.MonkeyPatch, headwater_home: Path) -> Iterator[MailServer]:
    """A real SMTP server on loopback, and the [smtp] settings that point headwater at it."""
    with running_mail_server() as server:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        yield server


FAILING = """
    def extract():
        raise ValueError("the source table is empty")

    with DAG("alerts", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None,
             default_args={{"email": ["oncall@example.com", "data@example.com"], "retries": 1,
                           "retry_delay": datetime.timedelta(0){extra}}}):
        PythonOperator(task_id="extract", python_callable=extract)
"""


class TestAlertEmails:
    def test_a_retry_and_the_final_failure_each_send_airflows_alert_to_the_tasks_addresses(
        self, write_dag, dags_test, smtp_env: MailServer
    ) -> None:
        """Given a task with email=[two addresses] and one retry that always fails, when the DAG runs, then
        the retry and the failure each send an alert with the try, the exception and the host."""
        run = dags_test(write_dag(dag_file(FAILING.format(extra=""))))

        assert run.tasks() == {"extract": "failed"}
        retry, failure = smtp_env.wait_for(2)
        for message in (retry, failure):
            assert message.rcpt_tos == ["oncall@example.com", "data@example.com"]
            assert message.mail_from == "airflow@example.com"
            assert message.message["To"] == "oncall@example.com, data@example.com"
            assert "the source table is empty" in message.html
            assert "Host: " in message.html
            assert "headwater tasks logs alerts " in message.html
        run_id = "manual__2024-01-02T00:00:00+00:00"
        assert retry.subject == f"Airflow alert: <TaskInstance: alerts.extract {run_id} [up_for_retry]>"
        assert failure.subject == f"Airflow alert: <TaskInstance: alerts.extract {run_id} [failed]>"
        assert retry.html.startswith("Try 1 out of 2<br>")
        assert failure.html.startswith("Try 2 out of 2<br>")

    def test_email_on_retry_false_sends_only_the_failure(self, write_dag, dags_test, smtp_env: MailServer) -> None:
        """Given email_on_retry=False, when the task fails after one retry, then one alert is sent."""
        run = dags_test(write_dag(dag_file(FAILING.format(extra=', "email_on_retry": False'))))

        assert run.tasks() == {"extract": "failed"}
        [failure] = smtp_env.wait_for(1)
        assert failure.subject.endswith("[failed]>")

    def test_an_unreachable_server_is_logged_and_the_state_is_unchanged(
        self, write_dag, dags_test, monkeypatch: pytest.MonkeyPatch, headwater_home: Path
    ) -> None:
        """Given [smtp] pointing at a port nobody listens on, when a task with email= fails, then it is
        recorded failed as without e-mail and the log names the server and the setting to fix."""
        port = free_port()
        monkeypatch.setenv("HEADWATER__SMTP__SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("HEADWATER__SMTP__SMTP_PORT", str(port))
        run = dags_test(write_dag(dag_file(FAILING.format(extra=', "retries": 0'))))

        assert run.tasks() == {"extract": "failed"}
        assert run.json["tasks"]["extract"]["reason"] == "failed: ValueError: the source table is empty"
        assert (
            f"Failed to send email to: ['oncall@example.com', 'data@example.com']: Could not reach the SMTP server "
            f"127.0.0.1:{port} ([Errno 111] Connection refused); set [smtp] smtp_host and smtp_port "
            "(HEADWATER__SMTP__SMTP_HOST, HEADWATER__SMTP__SMTP_PORT) to your mail server. The task's state is "
            "unchanged."
        ) in run.stderr

    def test_a_subject_template_file_from_the_email_section_is_used(
        self, write_dag, dags_test, smtp_env: MailServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """Given [email] subject_template naming a Jinja file, when a task fails, then the alert's subject
        is that template rendered over the task's context."""
        template = tmp_path / "subject.j2"
        template.write_text("[{{ dag.dag_id }}] {{ ti.task_id }} failed on {{ ds }}: {{ exception }}")
        monkeypatch.setenv("HEADWATER__EMAIL__SUBJECT_TEMPLATE", str(template))
        dags_test(write_dag(dag_file(FAILING.format(extra=', "retries": 0'))))

        [failure] = smtp_env.wait_for(1)
        assert failure.subject == "[alerts] extract failed on 2024-01-02: the source table is empty"


class TestEmailOperator:
    def test_templated_fields_recipients_and_an_attachment_arrive(
        self, write_dag, dags_test, smtp_env: MailServer, tmp_path: Path
    ) -> None:
        """Given an EmailOperator with templated to/subject/html_content, cc, bcc and files=, when it runs,
        then the server receives one message for every recipient, bcc only in the envelope, with the file."""
        report = tmp_path / "report.csv"
        report.write_text("day,rows\n2024-01-02,42\n")
        run = dags_test(
            write_dag(
                dag_file(f"""
                with DAG("mail", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None,
                         params={{"team": "sales"}}):
                    EmailOperator(
                        task_id="send", to="{{{{ params.team }}}}@example.com; boss@example.com",
                        subject="Report for {{{{ ds }}}}", html_content="<b>{{{{ params.team }}}}</b> is done",
                        files=[{str(report)!r}], cc="cc@example.com", bcc=["audit@example.com"],
                        custom_headers={{"X-Pipeline": "mail"}},
                    )
            """)
            )
        )

        assert run.tasks() == {"send": "success"}
        [message] = smtp_env.wait_for(1)
        assert message.rcpt_tos == ["sales@example.com", "boss@example.com", "cc@example.com", "audit@example.com"]
        assert message.subject == "Report for 2024-01-02"
        assert message.message["To"] == "sales@example.com, boss@example.com"
        assert message.message["CC"] == "cc@example.com"
        assert message.message["Bcc"] is None
        assert message.message["X-Pipeline"] == "mail"
        assert message.html.strip() == "<b>sales</b> is done"
        assert message.attachments() == {"report.csv": b"day,rows\n2024-01-02,42\n"}

    def test_send_email_from_task_code_uses_the_runs_smtp_settings(
        self, write_dag, dags_test, smtp_env: MailServer
    ) -> None:
        """Given a @task calling airflow.utils.email.send_email, when it runs, then the mail is delivered."""
        run = dags_test(
            write_dag(
                dag_file("""
                @task
                def notify():
                    send_email("ops@example.com", "done", "<p>all good</p>")

                with DAG("notify", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None):
                    notify()
            """)
            )
        )

        assert run.tasks() == {"notify": "success"}
        [message] = smtp_env.wait_for(1)
        assert (message.rcpt_tos, message.subject, message.html.strip()) == (
            ["ops@example.com"],
            "done",
            "<p>all good</p>",
        )

    def test_an_unreachable_server_fails_the_task_naming_the_server_and_the_setting(
        self, write_dag, dags_test, monkeypatch: pytest.MonkeyPatch, headwater_home: Path
    ) -> None:
        """Given [smtp] pointing at a closed port, when an EmailOperator runs, then the task fails and its
        reason names host:port and the [smtp] settings to fix."""
        port = free_port()
        monkeypatch.setenv("HEADWATER__SMTP__SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("HEADWATER__SMTP__SMTP_PORT", str(port))
        run = dags_test(
            write_dag(
                dag_file("""
                with DAG("mail", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None):
                    EmailOperator(task_id="send", to="a@example.com", subject="s", html_content="b")
            """)
            )
        )

        assert run.tasks() == {"send": "failed"}
        assert run.json["tasks"]["send"]["reason"] == (
            f"failed: EmailError: Could not reach the SMTP server 127.0.0.1:{port} ([Errno 111] Connection "
            "refused); set [smtp] smtp_host and smtp_port (HEADWATER__SMTP__SMTP_HOST, HEADWATER__SMTP__SMTP_PORT) "
            "to your mail server."
        )

    def test_starttls_is_asked_for_by_default_and_a_server_without_it_is_named(
        self, write_dag, dags_test, smtp_env: MailServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Given Airflow's default smtp_starttls=true and a server without STARTTLS, when an EmailOperator
        runs, then the task fails saying which setting to change; nothing is delivered."""
        monkeypatch.delenv("HEADWATER__SMTP__SMTP_STARTTLS")
        run = dags_test(
            write_dag(
                dag_file("""
                with DAG("mail", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None):
                    EmailOperator(task_id="send", to="a@example.com", subject="s", html_content="b")
            """)
            )
        )

        assert run.tasks() == {"send": "failed"}
        assert run.json["tasks"]["send"]["reason"] == (
            f"failed: EmailError: The SMTP server 127.0.0.1:{smtp_env.port} does not offer STARTTLS, which [smtp] "
            "smtp_starttls asks for (Airflow's default); set smtp_starttls = false (HEADWATER__SMTP__SMTP_STARTTLS="
            "false) for a server without TLS."
        )
        assert smtp_env.received == []

    def test_an_email_operator_without_to_is_refused_where_it_is_written(self) -> None:
        """Given EmailOperator(...) without to=, when the DAG file builds it, then a TypeError says what is
        missing and what it takes."""
        from headwater.operators.email import EmailOperator

        with pytest.raises(TypeError) as raised:
            EmailOperator(task_id="send", subject="s", html_content="b")
        assert str(raised.value) == (
            "EmailOperator (task_id: 'send') needs to=..., the address(es) to send to: a list, or a string "
            "separated by ',' or ';'."
        )


def test_the_smtp_password_never_reaches_a_task_through_conf(
    write_dag, dags_test, monkeypatch: pytest.MonkeyPatch, headwater_home: Path
) -> None:
    """Given an SMTP password in the settings, when a task renders ``{{ conf }}`` and prints its context,
    then neither its XCom nor its log holds the password (``conf`` shows only where the settings live)."""
    monkeypatch.setenv("HEADWATER__SMTP__SMTP_PASSWORD", "hunter2-secret")
    path = write_dag(
        dag_file(
            """
            def show(templates_dict, **context):
                print(context)
                return templates_dict["conf"]

            with DAG("conf_leak", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None):
                PythonOperator(task_id="show", python_callable=show, templates_dict={"conf": "{{ conf }}"})
            """
        )
    )

    run = dags_test(path)

    assert run.tasks() == {"show": "success"}
    assert run.json["xcoms"]["show"]["return_value"] == f"<headwater Settings from {headwater_home}>"
    assert "hunter2-secret" not in run.stdout + run.stderr
