"""The ``[smtp]`` and ``[email]`` sections of ``headwater.config.Settings``: Airflow's defaults, the
file, and ``HEADWATER__SMTP__*`` / ``HEADWATER__EMAIL__*`` overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from headwater.config import EmailSettings, Settings, SmtpSettings
from headwater.errors import ConfigError


class TestSmtpSettings:
    def test_defaults_are_airflows(self, tmp_path: Path) -> None:
        """Without a [smtp] section, the settings are Airflow 2.10's defaults."""
        settings = Settings.load({"HEADWATER_HOME": str(tmp_path)})
        assert settings.smtp == SmtpSettings(
            smtp_host="localhost",
            smtp_port=25,
            smtp_starttls=True,
            smtp_ssl=False,
            smtp_user=None,
            smtp_password=None,
            smtp_mail_from="airflow@example.com",
            smtp_timeout=30,
            smtp_retry_limit=5,
        )
        assert settings.email == EmailSettings(None, None, None, "default")

    def test_the_environment_overrides_the_file_with_typed_values(self, tmp_path: Path) -> None:
        """Given headwater.toml's [smtp] and HEADWATER__SMTP__ variables, the variables win, typed."""
        (tmp_path / "headwater.toml").write_text(
            '[smtp]\nsmtp_host = "mail.internal"\nsmtp_port = 587\nsmtp_user = "bot"\nsmtp_password = "s3cret"\n'
        )
        settings = Settings.load(
            {
                "HEADWATER_HOME": str(tmp_path),
                "HEADWATER__SMTP__SMTP_PORT": "2525",
                "HEADWATER__SMTP__SMTP_STARTTLS": "false",
                "HEADWATER__EMAIL__SUBJECT_TEMPLATE": "/etc/alerts/subject.j2",
            }
        )
        assert (settings.smtp.smtp_host, settings.smtp.smtp_port, settings.smtp.smtp_starttls) == (
            "mail.internal",
            2525,
            False,
        )
        assert (settings.smtp.smtp_user, settings.smtp.smtp_password) == ("bot", "s3cret")
        assert "s3cret" not in repr(settings.smtp)
        assert settings.email.subject_template == "/etc/alerts/subject.j2"

    def test_a_port_that_is_no_number_names_the_setting(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError) as raised:
            Settings.load({"HEADWATER_HOME": str(tmp_path), "HEADWATER__SMTP__SMTP_PORT": "smtp"})
        assert str(raised.value) == (
            "[smtp] smtp_port = 'smtp' is not valid (invalid literal for int() with base 10: 'smtp'); set "
            "HEADWATER__SMTP__SMTP_PORT or headwater.toml to a port number."
        )

    def test_an_unknown_ssl_context_names_the_choices(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError) as raised:
            Settings.load({"HEADWATER_HOME": str(tmp_path), "HEADWATER__EMAIL__SSL_CONTEXT": "strict"})
        assert str(raised.value) == (
            "[email] ssl_context = 'strict' is not valid; set HEADWATER__EMAIL__SSL_CONTEXT or headwater.toml to "
            "default or none."
        )
