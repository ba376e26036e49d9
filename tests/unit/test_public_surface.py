"""The public surface: `headwater.__all__`, each layer's `__all__`, and the Airflow compatibility map."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import headwater
from headwater.compat.airflow.mapping import MODULES


class TestHeadwaterAll:
    def test_every_exported_name_resolves(self) -> None:
        """Every name in headwater.__all__ can be imported from headwater."""
        for name in headwater.__all__:
            assert getattr(headwater, name) is not None

    def test_all_lists_exactly_the_export_table(self) -> None:
        """__all__ and the lazy export table name the same things, so nothing public is unlisted."""
        assert set(headwater.__all__) == {*headwater._EXPORTS, "__version__"}

    @pytest.mark.parametrize(
        "layer",
        [
            "headwater.model",
            "headwater.planning",
            "headwater.operators",
            "headwater.decorators",
            "headwater.runtime",
            "headwater.store",
            "headwater.executors",
        ],
    )
    def test_each_layer_lists_its_public_names(self, layer: str) -> None:
        """A layer's __all__ names only things the layer really provides."""
        module = importlib.import_module(layer)
        for name in module.__all__:
            assert hasattr(module, name), f"{layer}.{name}"


class TestAirflowCompatibility:
    @pytest.mark.parametrize("module_name", sorted(MODULES))
    def test_every_mapped_name_resolves_to_a_headwater_object(self, module_name: str) -> None:
        """Each Airflow import path of the map serves every name it promises."""
        code = (
            "import headwater.compat.airflow as c; c.install(); import importlib; "
            f"m = importlib.import_module({module_name!r}); "
            f"[getattr(m, n) for n in {sorted(MODULES[module_name])!r}]"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr

    def test_an_unmapped_name_says_it_is_not_provided(self) -> None:
        """Reading a name the map lacks from a served module raises an AttributeError naming the name, the
        line that read it and what to use instead (importing it is an ImportError: test_airflow_compat)."""
        code = (
            "import headwater.compat.airflow as c; c.install()\n"
            "import airflow.models as p\n"
            "try:\n    p.Variable\nexcept AttributeError as e:\n    print(type(e).__name__, e)\n"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        assert proc.stdout == (
            "NotServedAttribute headwater does not provide airflow.models.Variable (yet); "
            "read at <string>:4. Instead: Variables come with a later headwater release; pass the value as a DAG "
            "param or in the run's conf meanwhile.\n"
        )


README = Path(__file__).resolve().parents[2] / "README.md"
_START, _END = "<!-- airflow-modules:start -->", "<!-- airflow-modules:end -->"


def _coverage_table() -> str:
    """The README's table of served Airflow modules, made from the compatibility map."""
    rows = ["| Airflow module | names headwater serves |", "|---|---|"]
    for module in sorted(MODULES):
        names = sorted(name for name in MODULES[module] if not name.startswith("__"))
        children = sorted(m.rpartition(".")[2] for m in MODULES if m.rpartition(".")[0] == module)
        cell = ", ".join(f"`{name}`" for name in names)
        if children:
            cell += ("; " if cell else "") + "modules " + ", ".join(f"`{child}`" for child in children)
        rows.append(f"| `{module}` | {cell} |")
    return "\n".join(rows)


class TestReadmeCoverageTable:
    def test_readme_lists_every_served_airflow_module(self) -> None:
        """The README's table of Airflow import paths is the compatibility map's; rewrite it with
        HEADWATER_WRITE_README=1, or paste the table printed on failure."""
        text = README.read_text()
        head, rest = text.split(_START, 1)
        _, tail = rest.split(_END, 1)
        wanted = f"{head}{_START}\n{_coverage_table()}\n{_END}{tail}"
        if text != wanted and os.environ.get("HEADWATER_WRITE_README") == "1":
            README.write_text(wanted)
            return
        assert text == wanted, f"README's Airflow module table is out of date; paste this:\n\n{_coverage_table()}\n"
