"""HW007: a run's conf (or a param, which a run's conf overrides) rendered into a ``bash_command`` without
``| shquote``. Whoever can trigger a run then writes shell code: ``--conf '{"x": "a; rm -rf ~"}'``.

The templates are read as Jinja syntax trees, not searched with patterns: an expression counts when its
value reaches the command text (``{{ ... }}``, directly or through ``{% set %}`` and ``{% for %}``), and
not when it is only tested (``{% if params.verbose %}``), passed through ``shquote`` (a filter, each item
of a list with ``map('shquote')``, or a ``{% filter shquote %}`` block) or turned into a number. A param
whose schema makes it a number or a boolean, or limits it to an ``enum`` of plain words, is validated
before any run starts, so it cannot carry shell syntax and is not flagged. A shquoted value written
inside quotes (``"{{ x | shquote }}"``) is flagged too: inside double quotes the shell still expands
``$(...)``, so the quotes shquote adds must stand on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from headwater.lint import source
from headwater.lint.findings import WARNING, Finding, finding
from headwater.model.dag import DAG
from headwater.model.params import Param
from headwater.operators.bash import BashOperator
from headwater.planning.shape import DagShape

NEUTRALISING_FILTERS = frozenset({"shquote", "int", "float", "length", "count", "abs", "round", "filesizeformat"})
"""Filters whose output cannot carry shell syntax, whatever their input."""
SAFE_PARAM_TYPES = frozenset({"integer", "number", "boolean"})
PLAIN_WORD = re.compile(r"[A-Za-z0-9_.,:/=+@%-]*")
"""An enum value the shell reads as one word, with nothing to expand."""


def unquoted_run_input(dag: DAG, shape: DagShape) -> list[Finding]:
    """HW007: each ``{{ ... }}`` in a BashOperator's or ``@task.bash``'s command that renders
    ``dag_run.conf`` or ``params`` values unquoted."""
    import jinja2

    parser = jinja2.Environment(extensions=["jinja2.ext.do"])
    safe_params = _validated_params(dag)
    findings: list[Finding] = []
    for task in dag.task_dict.values():
        if not isinstance(task, BashOperator):
            continue
        seen: set[str] = set()
        for template in _command_templates(task, dag):
            try:
                tree = parser.parse(template)
            except jinja2.TemplateSyntaxError:
                continue  # not this rule's business: the task fails when it renders, saying why
            for expression, how in _unquoted_inputs(tree, safe_params):
                text = _text(expression)
                if text in seen:
                    continue
                seen.add(text)
                findings.append(_finding(dag, task, text, how))
    return findings


def _finding(dag: DAG, task: BashOperator, text: str, how: str) -> Finding:
    escape = 'or pass the value in env={"NAME": ...} and write "$NAME" in the command.'
    if how == "shquoted-in-quotes":
        return finding(
            "HW007",
            WARNING,
            dag,
            task,
            f"{task.task_id!r} writes {{{{ {text} }}}} inside quotes in its bash_command: the quotes shquote adds "
            "then end the ones around it, and inside double quotes a value such as '$(rm -rf ~)' still runs.",
            f"Remove the quotes around {{{{ {text} }}}} (shquote adds its own), {escape}",
        )
    return finding(
        "HW007",
        WARNING,
        dag,
        task,
        f"{task.task_id!r} renders {{{{ {text} }}}} into its bash_command unquoted"
        + (" (the quotes around it do not protect it: the value can close them)" if how == "quoted" else "")
        + ": whoever triggers a run chooses that text, and a value such as 'x; rm -rf ~' runs as shell code.",
        f"Write {{{{ {text} | shquote }}}} with no quotes around it (shquote adds them), {escape}",
    )


def _command_templates(task: BashOperator, dag: DAG) -> list[str]:
    """The command's template text: the ``bash_command`` (read from its file when it names a ``.sh``), or
    the literal strings a ``@task.bash`` function returns."""
    func = getattr(task, "python_callable", None)
    if callable(func):
        return [t for t in source.returned_ids(func) if isinstance(t, str)]
    command = task.bash_command
    if not isinstance(command, str):
        return []
    if command.endswith(tuple(task.template_ext)):
        return [t for t in [_template_file(command, dag)] if t is not None]
    return [command]


def _template_file(name: str, dag: DAG) -> str | None:
    import jinja2

    from headwater.runtime.templating import environment

    env = environment(dag)
    try:
        assert env.loader is not None
        text, _, _ = env.loader.get_source(env, name)
    except (jinja2.TemplateNotFound, OSError, AssertionError):
        return None  # the task fails when it renders, naming the file
    return text


def _validated_params(dag: DAG) -> frozenset[str]:
    """Params whose schema allows only numbers, booleans or an enum of plain words (checked before a run
    starts)."""
    safe = set()
    for name, value in dag.params.raw().items():
        schema = value.schema if isinstance(value, Param) else {}
        kind = schema.get("type")
        kinds = set(kind) if isinstance(kind, list) else {kind}
        enum = schema.get("enum")
        plain_enum = isinstance(enum, list) and all(
            isinstance(v, (int, float, bool)) or (isinstance(v, str) and PLAIN_WORD.fullmatch(v)) for v in enum
        )
        if (kinds and kinds <= SAFE_PARAM_TYPES) or plain_enum:
            safe.add(name)
    return frozenset(safe)


def _unquoted_inputs(tree: Any, safe_params: frozenset[str]) -> Iterator[tuple[Any, str]]:
    """The expressions of ``tree`` whose value reaches the output and carries run input, each with how it
    is written: ``bare``, ``quoted`` (inside quotes of the template's own) or ``shquoted-in-quotes``."""
    from jinja2 import nodes

    tainted: set[str] = set()
    for _ in range(3):  # names set from names set from run input: a few rounds reach every chain in practice
        for node in tree.find_all((nodes.Assign, nodes.For)):
            value = node.node if isinstance(node, nodes.Assign) else node.iter
            if _carries_input(value, tainted, safe_params):
                targets = [node.target, *node.target.find_all(nodes.Name)]
                tainted.update(t.name for t in targets if isinstance(t, nodes.Name))
    for expression, before in _rendered(tree, quoted=False):
        if _carries_input(expression, tainted, safe_params):
            yield expression, "quoted" if before.endswith(("'", '"')) else "bare"
        elif (
            before.endswith(("'", '"'))
            and _shquoted(expression)
            and _carries_input(expression.node, tainted, safe_params)
        ):
            yield expression.node, "shquoted-in-quotes"


def _rendered(node: Any, *, quoted: bool) -> Iterator[tuple[Any, str]]:
    """Every expression written to the output, outside ``{% filter shquote %}`` blocks, with the template text
    just before it."""
    from jinja2 import nodes

    if isinstance(node, nodes.FilterBlock) and getattr(node.filter, "name", None) == "shquote":
        quoted = True
    if isinstance(node, nodes.Output):
        if not quoted:
            before = ""
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    before = str(child.data)
                else:
                    yield child, before
                    before = ""
        return
    for child in node.iter_child_nodes():
        yield from _rendered(child, quoted=quoted)


def _shquoted(node: Any) -> bool:
    from jinja2 import nodes

    return isinstance(node, nodes.Filter) and node.name == "shquote" and node.node is not None


def _carries_input(node: Any, tainted: set[str], safe_params: frozenset[str]) -> bool:
    """Whether the value of ``node`` can contain text from a run's conf."""
    from jinja2 import nodes

    if isinstance(node, nodes.Filter) and node.name in NEUTRALISING_FILTERS:
        return False
    if isinstance(node, nodes.Filter) and node.name == "map" and _names_neutralising_filter(node):
        return False  # map('shquote'): every item quoted
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr) and node.node.attr == "get":
        owner = node.node.node  # params.get('x', default): as params['x']
        if isinstance(owner, nodes.Name) and owner.name == "params" and node.args:
            first = node.args[0]
            if isinstance(first, nodes.Const) and isinstance(first.value, str) and first.value in safe_params:
                return any(_carries_input(n, tainted, safe_params) for n in node.args[1:])
    if isinstance(node, (nodes.Compare, nodes.Not, nodes.Test)):
        return False  # a boolean
    if isinstance(node, nodes.CondExpr):  # the test is not rendered
        return any(_carries_input(n, tainted, safe_params) for n in (node.expr1, node.expr2) if n is not None)
    if isinstance(node, nodes.Name) and node.ctx == "load":
        return node.name == "params" or node.name in tainted
    if isinstance(node, (nodes.Getattr, nodes.Getitem)) and isinstance(node.node, nodes.Name):
        base, key = node.node.name, _key(node)
        if base == "dag_run" and key == "conf":
            return True
        if base == "params" and key is not None:
            return key not in safe_params
    return any(_carries_input(child, tainted, safe_params) for child in node.iter_child_nodes())


def _names_neutralising_filter(node: Any) -> bool:
    from jinja2 import nodes

    first = node.args[0] if node.args else None
    return isinstance(first, nodes.Const) and first.value in NEUTRALISING_FILTERS


def _key(node: Any) -> str | None:
    from jinja2 import nodes

    if isinstance(node, nodes.Getattr):
        return str(node.attr)
    if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        return node.arg.value
    return None


def _text(node: Any) -> str:
    """The expression as its author would write it (for the message and the fix)."""
    from jinja2 import nodes

    if isinstance(node, nodes.Name):
        return str(node.name)
    if isinstance(node, nodes.Const):
        return repr(node.value)
    if isinstance(node, nodes.Getattr):
        return f"{_text(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        return f"{_text(node.node)}[{_text(node.arg)}]"
    if isinstance(node, nodes.Call):
        args = [_text(a) for a in node.args] + [f"{k.key}={_text(k.value)}" for k in node.kwargs]
        return f"{_text(node.node)}({', '.join(args)})"
    if isinstance(node, nodes.Filter):
        args = [_text(a) for a in node.args] + [f"{k.key}={_text(k.value)}" for k in node.kwargs]
        called = f"({', '.join(args)})" if args else ""
        return f"{_text(node.node)} | {node.name}{called}" if node.node is not None else f"{node.name}{called}"
    if isinstance(node, nodes.Concat):
        return " ~ ".join(_text(n) for n in node.nodes)
    if isinstance(node, nodes.BinExpr):
        return f"{_text(node.left)} {node.operator} {_text(node.right)}"
    if isinstance(node, nodes.CondExpr):
        otherwise = f" else {_text(node.expr2)}" if node.expr2 is not None else ""
        return f"{_text(node.expr1)} if {_text(node.test)}{otherwise}"
    if isinstance(node, (nodes.List, nodes.Tuple)):
        return "[" + ", ".join(_text(n) for n in node.items) + "]"
    return f"<{type(node).__name__.lower()}>"
