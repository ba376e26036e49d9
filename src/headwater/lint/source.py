"""What the lint reads from DAG authors' code without running it: the literal ids a branch callable
returns, the literal task ids an ``xcom_pull`` names (in a callable or a template), and the
``# headwater: ignore[CODE]`` comments that silence a finding."""

from __future__ import annotations

import ast
import inspect
import linecache
import re
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

_TEMPLATE_PULL = re.compile(r"""xcom_pull\(\s*(?:task_ids\s*=\s*)?(\[[^\]]*\]|'[^']*'|"[^"]*")""")
_IGNORE = re.compile(r"#\s*headwater:\s*ignore\[([A-Z0-9_,\s]+)\]")


def _tree(func: Callable[..., Any]) -> ast.AST | None:
    """The parsed source of ``func`` (a lambda: the innermost lambda on its lines), or None."""
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        return None
    tree: ast.AST
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a lambda in the middle of an expression: parse its lines as an expression
        try:
            tree = ast.parse("(" + source.strip().rstrip(",") + ")", mode="eval")
        except SyntaxError:
            return None
    if getattr(func, "__name__", "") == "<lambda>":
        return next((n for n in ast.walk(tree) if isinstance(n, ast.Lambda)), None)
    return next((n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))), None)


def _literal_ids(node: ast.AST | None) -> list[str] | None:
    """Task ids a literal names (a string, or a list/tuple/set of strings); None when not literal."""
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        return []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):  # "a" if cond else "b": either may be returned
        either = [_literal_ids(node.body), _literal_ids(node.orelse)]
        return None if None in either else [i for ids in either for i in ids or []]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        ids = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        return ids if len(ids) == len(node.elts) else None
    return None


def _own_nodes(func_node: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function, without those of functions defined inside it."""
    stack = list(ast.iter_child_nodes(func_node))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


def returned_ids(func: Callable[..., Any]) -> list[str]:
    """Every task id a branch callable returns as a literal (non-literal returns are not followed)."""
    node = _tree(func)
    if node is None:
        return []
    if isinstance(node, ast.Lambda):
        bodies = [node.body.body, node.body.orelse] if isinstance(node.body, ast.IfExp) else [node.body]
        return [i for body in bodies for i in (_literal_ids(body) or [])]
    found: list[str] = []
    for child in _own_nodes(node):
        if isinstance(child, ast.Return):
            found.extend(_literal_ids(child.value) or [])
    return found


def pulled_ids(func: Callable[..., Any]) -> list[str]:
    """Task ids named as literals by ``xcom_pull`` calls in a callable."""
    node = _tree(func)
    if node is None:
        return []
    found: list[str] = []
    for child in ast.walk(node):
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr == "xcom_pull":
            named = next((k.value for k in child.keywords if k.arg == "task_ids"), None)
            if named is None and child.args:
                named = child.args[0]
            if named is not None:
                found.extend(_literal_ids(named) or [])
    return found


def template_pulled_ids(value: Any) -> list[str]:
    """Task ids named as literals by ``xcom_pull`` in templates (strings, in any nesting)."""
    if isinstance(value, str):
        found: list[str] = []
        for match in _TEMPLATE_PULL.finditer(value):
            try:
                literal = ast.literal_eval(match.group(1))
            except (ValueError, SyntaxError):
                continue
            found.extend([literal] if isinstance(literal, str) else [i for i in literal if isinstance(i, str)])
        return found
    if isinstance(value, dict):
        return [i for v in value.values() for i in template_pulled_ids(v)]
    if isinstance(value, (list, tuple, set)):
        return [i for v in value for i in template_pulled_ids(v)]
    return []


def ignored_codes(site: tuple[str, int] | None) -> set[str]:
    """Codes silenced by a ``# headwater: ignore[CODE, ...]`` comment on the line at ``site``."""
    if site is None:
        return set()
    match = _IGNORE.search(linecache.getline(site[0], site[1]))
    return {c.strip() for c in match.group(1).split(",")} if match else set()
