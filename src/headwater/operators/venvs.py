"""Building and caching the virtual environments ``PythonVirtualenvOperator`` runs callables in.

A venv is keyed by a digest of what goes into it (requirements, Python version, system site packages,
installer options, index URLs), so tasks asking for the same environment share one build. Builds take a
file lock next to the venv and write a marker last: a second worker waits and reuses the result, and a
build that failed or was killed half-way is removed rather than reused.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import site
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from headwater.errors import TaskError

MARKER = "headwater_venv.json"
"""Written inside a venv once it is complete; its content is the spec the venv was built from."""


class VenvBuildFailed(TaskError):
    """Raised when a virtual environment cannot be created or its requirements cannot be installed."""


@dataclass(frozen=True)
class VenvSpec:
    """What a venv is made of; equal specs share one cached venv."""

    requirements: tuple[str, ...]
    python_version: str | None = None
    system_site_packages: bool = True
    pip_install_options: tuple[str, ...] = ()
    index_urls: tuple[str, ...] | None = None

    def as_text(self) -> str:
        return json.dumps(
            {
                "requirements": sorted(self.requirements),
                "python_version": self.python_version,
                "system_site_packages": self.system_site_packages,
                "pip_install_options": list(self.pip_install_options),
                "index_urls": None if self.index_urls is None else list(self.index_urls),
            },
            sort_keys=True,
        )

    def digest(self) -> str:
        return hashlib.sha256(self.as_text().encode()).hexdigest()[:16]


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def uv_binary() -> str | None:
    """``uv`` on PATH, else the one installed beside this interpreter (``pip install uv`` into a venv that
    is not activated puts it there, and PATH does not say so)."""
    found = shutil.which("uv")
    if found is not None:
        return found
    beside = Path(sys.executable).with_name("uv")
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None


def installer(method: str = "auto") -> str:
    """``uv`` when asked for or (``auto``) when it is found, else ``pip`` (stdlib ``venv`` + pip)."""
    if method not in {"auto", "uv", "pip"}:
        raise VenvBuildFailed(f"Unknown venv install method {method!r}; use 'auto', 'uv' or 'pip'.")
    if method == "auto":
        return "uv" if uv_binary() else "pip"
    if method == "uv" and not uv_binary():
        raise VenvBuildFailed(
            "The venv install method is 'uv' but no 'uv' is on PATH or beside this Python; install uv or use 'pip'."
        )
    return method


def can_build_venvs() -> bool:
    """True when this interpreter can make venvs: with ``uv``, or the stdlib ``venv`` module."""
    return bool(uv_binary()) or importlib.util.find_spec("venv") is not None


def ensure_venv(spec: VenvSpec, cache_dir: Path, *, method: str = "auto") -> Path:
    """The cached venv for ``spec`` under ``cache_dir``, built first when missing or incomplete."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    venv = cache_dir / f"venv-{spec.digest()}"
    marker = venv / MARKER
    with open(cache_dir / f"venv-{spec.digest()}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two workers building the same venv: the second waits, then reuses
        if marker.is_file() and marker.read_text(encoding="utf8") == spec.as_text():
            _say(f"Re-using the cached virtual environment {venv}")
            return venv
        if venv.exists():
            _say(f"Removing the incomplete or outdated virtual environment {venv}")
            shutil.rmtree(venv)
        try:
            build_venv(spec, venv, method=method)
        except BaseException:
            shutil.rmtree(venv, ignore_errors=True)  # never leave a half-built venv that looks cached
            raise
        marker.write_text(spec.as_text(), encoding="utf8")
        _say(f"Created the virtual environment {venv}")
        return venv


def build_venv(spec: VenvSpec, venv: Path, *, method: str = "auto") -> None:
    """Create ``venv`` and install ``spec``'s requirements into it; output goes to the task log."""
    tool = installer(method)
    base = _base_python(spec.python_version, tool)
    if tool == "uv":
        create = [_uv(), "venv", "--quiet", "--python", base, str(venv)]
        if spec.system_site_packages:
            create.insert(2, "--system-site-packages")
    else:
        create = [base, "-m", "venv", "--without-pip", str(venv)]
        if spec.system_site_packages:
            create.insert(3, "--system-site-packages")
    _run(create, "creating the virtual environment", "Check that the Python it is made from runs (python_version).")
    if spec.system_site_packages:
        _see_host_packages(venv)
    if not spec.requirements:
        return
    requirements = venv / "requirements.txt"
    requirements.write_text("\n".join(spec.requirements) + "\n")
    python = str(venv_python(venv))
    if tool == "uv":
        install = [_uv(), "pip", "install", "--python", python]
    else:
        install = [sys.executable, "-m", "pip", "--python", python, "install"]
    install += [*_index_options(spec.index_urls), *spec.pip_install_options, "-r", str(requirements)]
    _run(
        install,
        "installing the requirements",
        "Check the requirement names and versions, index_urls and pip_install_options.",
    )


def _uv() -> str:
    found = uv_binary()
    if found is None:  # installer() said uv; it went away since
        raise VenvBuildFailed("uv is no longer on PATH or beside this Python; install it or use the 'pip' method.")
    return found


def _index_options(index_urls: tuple[str, ...] | None) -> list[str]:
    """Airflow's reading: no list means pip's own configuration; an empty list means no index at all."""
    if index_urls is None:
        return []
    if not index_urls:
        return ["--no-index"]
    options = ["--index-url", index_urls[0]]
    for url in index_urls[1:]:
        options += ["--extra-index-url", url]
    return options


def _base_python(python_version: str | None, tool: str) -> str:
    """The interpreter a venv is made from: this one, or ``pythonX.Y`` (found by uv, or on PATH)."""
    if python_version is None:
        return sys.executable
    if tool == "uv":
        return python_version
    found = shutil.which(f"python{python_version}")
    if found is None:
        raise VenvBuildFailed(
            f"python_version={python_version!r} needs a python{python_version} on PATH; install that Python, "
            "put uv on PATH (it finds or fetches interpreters), or drop python_version to use this one."
        )
    return found


def _see_host_packages(venv: Path) -> None:
    """``system_site_packages`` means the packages of the interpreter headwater runs in: when that is
    itself a venv, its site-packages go into a ``.pth`` of the new venv (same Python minor only, since
    compiled packages do not cross versions). The venv's own packages still come first."""
    if sys.prefix == sys.base_prefix:
        return
    probe = "import sys, site; print(sys.version_info[:2] == %r); print(site.getsitepackages()[0])"
    out = subprocess.run(
        [str(venv_python(venv)), "-c", probe % (tuple(sys.version_info[:2]),)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    if out[0] != "True":
        return
    Path(out[1]).mkdir(parents=True, exist_ok=True)
    (Path(out[1]) / "_headwater_host_site.pth").write_text("\n".join(site.getsitepackages()) + "\n")


def _run(command: Sequence[str], what: str, hint: str) -> None:
    """Run one build step with its output streamed to the task log; fail with the exit code on error."""
    _say(f"{what}: {' '.join(command)}")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONHOME", "VIRTUAL_ENV"}}
    try:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    except OSError as err:
        raise VenvBuildFailed(f"{what} failed: cannot run {command[0]!r}: {err}.") from None
    assert proc.stdout is not None
    for raw in proc.stdout:
        print(raw.decode(errors="backslashreplace").rstrip(), file=sys.stderr)
    code = proc.wait()
    if code != 0:
        raise VenvBuildFailed(f"{what} failed with exit code {code}; the output is in the task log above. {hint}")


def _say(line: str) -> None:
    print(line, file=sys.stderr)


__all__ = ["VenvBuildFailed", "VenvSpec", "build_venv", "can_build_venvs", "ensure_venv", "installer", "venv_python"]
