"""Jinja rendering of ``template_fields`` when a task runs (native objects when the DAG asks)."""

from __future__ import annotations

import os
import shlex
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from headwater.model.literal import LiteralValue
from headwater.model.mapping import MappedArgument
from headwater.model.params import DagParam
from headwater.model.xcomarg import XComArg
from headwater.runtime.unserved import strict_undefined

if TYPE_CHECKING:
    import jinja2

    from headwater.model.baseoperator import BaseOperator
    from headwater.model.dag import DAG

_ENVIRONMENTS: weakref.WeakKeyDictionary[DAG, jinja2.Environment] = weakref.WeakKeyDictionary()


def _filters() -> dict[str, Any]:
    return {
        "ds": lambda d: d.strftime("%Y-%m-%d"),
        "ds_nodash": lambda d: d.strftime("%Y%m%d"),
        "ts": lambda d: d.isoformat(),
        "ts_nodash": lambda d: d.strftime("%Y%m%dT%H%M%S"),
        "ts_nodash_with_tz": lambda d: d.isoformat().replace("-", "").replace(":", ""),
        "shquote": shquote,
    }


def shquote(value: Any) -> str:
    """``{{ dag_run.conf['x'] | shquote }}``: the value's text as one shell word, whatever it holds (headwater's
    own filter; the lint's HW007 asks for it where run input reaches a ``bash_command``)."""
    return shlex.quote(str(value))


def environment(dag: DAG) -> jinja2.Environment:
    """The DAG's Jinja environment: its folder and ``template_searchpath`` on the loader path."""
    env = _ENVIRONMENTS.get(dag)
    if env is not None:
        return env
    import jinja2
    import jinja2.nativetypes

    searchpath = [os.path.dirname(dag.fileloc)] if dag.fileloc else []
    searchpath += dag.template_searchpath
    options: dict[str, Any] = {
        "loader": jinja2.FileSystemLoader(searchpath),
        "undefined": dag.template_undefined or strict_undefined(),
        "extensions": ["jinja2.ext.do"],
        "cache_size": 0,
        **dag.jinja_environment_kwargs,
    }
    env_class = jinja2.nativetypes.NativeEnvironment if dag.render_template_as_native_obj else jinja2.Environment
    env = env_class(**options)
    env.filters.update(_filters())
    env.filters.update(dag.user_defined_filters)
    env.globals.update(dag.user_defined_macros)
    _ENVIRONMENTS[dag] = env
    return env


def render_value(
    value: Any, context: Mapping[str, Any], task: BaseOperator, dag: DAG, keep: set[int] | None = None
) -> Any:
    """``value`` with every template string rendered and every XComArg and DagParam resolved; objects whose
    id is in ``keep`` (values that came from upstream outputs) are passed as they are."""
    if keep and id(value) in keep:
        return value
    if isinstance(value, LiteralValue):
        return value.value
    if isinstance(value, str):
        if any(value.endswith(ext) for ext in task.template_ext):
            return environment(dag).get_template(value).render(**context)
        plain = "{{" not in value and "{%" not in value and "{#" not in value
        if plain and not dag.render_template_as_native_obj:
            return value
        return environment(dag).from_string(value).render(**context)
    if isinstance(value, XComArg):
        return value.resolve(dict(context))
    if isinstance(value, (DagParam, MappedArgument)):
        return value.resolve(dict(context))
    if isinstance(value, list):
        return [render_value(v, context, task, dag, keep) for v in value]
    if isinstance(value, tuple):
        return tuple(render_value(v, context, task, dag, keep) for v in value)
    if isinstance(value, dict):
        return {k: render_value(v, context, task, dag, keep) for k, v in value.items()}
    if isinstance(value, set):
        return {render_value(v, context, task, dag, keep) for v in value}
    return value


def render_template_fields(task: BaseOperator, context: Mapping[str, Any], keep: set[int] | None = None) -> None:
    """Render ``task``'s template fields in place (``task`` is the run's private copy)."""
    assert task.dag is not None
    for field in task.template_fields:
        value = getattr(task, field, None)
        if value is not None:
            setattr(task, field, render_value(value, context, task, task.dag, keep))
