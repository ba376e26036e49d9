"""The public surface: `headwater.__all__`, each layer's `__all__`, and the Airflow compatibility map."""

from __future__ import annotations

import importlib
import subprocess
import sys

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
        """Asking for a name the map lacks raises AttributeError that names the import."""
        code = (
            "import headwater.compat.airflow as c; c.install()\n"
            "import airflow.operators.python as p\n"
            "try:\n    p.PythonVirtualenvOperator\nexcept AttributeError as e:\n    print(e)\n"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        assert proc.stdout == (
            "airflow.operators.python.PythonVirtualenvOperator is not provided by headwater's Airflow compatibility "
            "layer; use headwater's own equivalent, or open an issue naming the import you need.\n"
        )
