"""Unit-test configuration.

This file's folder is put on ``sys.path`` by pytest (a conftest outside any package), which is what
lets every unit test module ``import strategies``, the Hypothesis strategies they share.
"""

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No unit test reads or writes the developer's ~/.headwater."""
    monkeypatch.setenv("HEADWATER_HOME", str(tmp_path / "home"))
