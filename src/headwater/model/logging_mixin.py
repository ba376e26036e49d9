"""``LoggingMixin``: a ``.log`` logger named after the class, as Airflow's classes and custom ones use."""

from __future__ import annotations

import logging


class LoggingMixin:
    """Gives instances ``self.log``, a logger named ``<module>.<class>`` (or ``_log_name``)."""

    _log: logging.Logger | None = None
    _log_name: str | None = None

    @classmethod
    def logger(cls) -> logging.Logger:
        """The class's logger."""
        return logging.getLogger(cls._log_name or f"{cls.__module__}.{cls.__name__}")

    @property
    def log(self) -> logging.Logger:
        """The instance's logger (made on first use)."""
        if self._log is None:
            self._log = self.logger()
        return self._log
