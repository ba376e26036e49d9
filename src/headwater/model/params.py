"""``Param``: a run parameter with a default and a JSON schema, checked before a run starts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from headwater.errors import BadRunConf

_NOTSET: Any = object()


class Param:
    """A parameter's default and JSON-schema keywords (``type``, ``minimum``, ``enum``, ...)."""

    def __init__(self, default: Any = _NOTSET, description: str | None = None, **schema: Any) -> None:
        self.value = default
        self.description = description
        self.schema = schema

    @property
    def has_value(self) -> bool:
        return self.value is not _NOTSET

    def resolve(self, value: Any = _NOTSET, *, name: str = "?", dag_id: str = "?") -> Any:
        """The value to use, validated against the schema; raises ``BadRunConf`` saying which param and why."""
        final = self.value if value is _NOTSET else value
        if final is _NOTSET:
            raise BadRunConf(
                f"DAG {dag_id!r}: param {name!r} has no default and no value was given in the run's conf; "
                f"pass it with --conf '{{\"{name}\": ...}}'."
            )
        if self.schema:
            import jsonschema

            try:
                jsonschema.validate(final, self.schema)
            except jsonschema.ValidationError as err:
                raise BadRunConf(
                    f"DAG {dag_id!r}: param {name!r} = {final!r} is invalid: {err.message}. Schema: {self.schema}."
                ) from None
        return final

    def __repr__(self) -> str:
        return f"Param({self.value!r}, schema={self.schema!r})"


class DagParam:
    """A ``@dag`` function's argument inside the DAG body: resolves when a task runs, from the run's conf,
    then the default, then the DAG's params."""

    def __init__(self, name: str, default: Any = _NOTSET) -> None:
        self.name = name
        self.default = default

    def resolve(self, context: Mapping[str, Any]) -> Any:
        conf = context["dag_run"].conf
        if self.name in conf:
            return conf[self.name]
        if self.default is not _NOTSET:
            return self.default
        if self.name in context["params"]:
            return context["params"][self.name]
        raise BadRunConf(f"Param {self.name!r} has no value: give it a default or pass it in the run's conf.")

    def __repr__(self) -> str:
        return f"DagParam({self.name!r})"


class ParamsDict(Mapping[str, Any]):
    """A DAG's params: plain values or ``Param`` objects, read as plain values."""

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        self._params: dict[str, Any] = dict(params or {})

    def update_defaults(self, params: Mapping[str, Any]) -> None:
        for key, value in params.items():
            self._params.setdefault(key, value)

    def raw(self) -> dict[str, Any]:
        return dict(self._params)

    def get_param(self, key: str) -> Param:
        """The ``Param`` behind ``key`` (a plain value is wrapped in one, as Airflow stores every param)."""
        value = self._params[key]
        return value if isinstance(value, Param) else Param(value)

    def dump(self) -> dict[str, Any]:
        """Every param's value, ``None`` for one without a default or whose default fails its schema."""
        dumped: dict[str, Any] = {}
        for name, value in self._params.items():
            try:
                dumped[name] = value.resolve(name=name) if isinstance(value, Param) else value
            except BadRunConf:
                dumped[name] = None
        return dumped

    def __getitem__(self, key: str) -> Any:
        value = self._params[key]
        return value.value if isinstance(value, Param) else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def validate_defaults(self, dag_id: str) -> None:
        """Check every param that has a default; raise naming the first one that fails."""
        for name, value in self._params.items():
            if isinstance(value, Param) and value.has_value:
                value.resolve(name=name, dag_id=dag_id)

    def resolve(self, conf: Mapping[str, Any], dag_id: str) -> dict[str, Any]:
        """Params as a task sees them: defaults overridden by the run's conf, each validated."""
        resolved: dict[str, Any] = {}
        for name, value in self._params.items():
            if isinstance(value, Param):
                resolved[name] = value.resolve(conf.get(name, _NOTSET), name=name, dag_id=dag_id)
            else:
                resolved[name] = conf.get(name, value)
        for name, value in conf.items():
            resolved.setdefault(name, value)
        return resolved
