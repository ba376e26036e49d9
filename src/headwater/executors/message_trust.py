"""What a Celery worker trusts in a message: only what the scheduler signed, and only DAG files inside its
own DAGs folder.

Anyone who can publish to the broker can put a message in a worker's queue, so a worker checks each one
before it touches a file: the message must carry an HMAC-SHA256 made with ``[celery] message_secret``
(over the message's canonical JSON: sorted keys, no spaces), and its DAG file must be a ``.py`` path
relative to the DAGs folder that stays inside it. A message that fails either check is refused and
logged; nothing it names is imported. (The file's bytes are then checked against the message's
SHA-256 before they are imported: see ``DagFileCache.load``.)

The secret comes from the settings when set there; otherwise the first process that needs it writes a
random one to ``$HEADWATER_HOME/celery_message_secret`` (mode 0600), which the scheduler and the
workers of one machine share. Machines that do not share the home must all be given the same value.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from headwater.config import Settings
from headwater.errors import ConfigError
from headwater.private_files import private_dir

SIGNATURE = "signature"
"""The key of the signature in a signed message."""
SECRET_FILE = "celery_message_secret"
"""The file in ``$HEADWATER_HOME`` that keeps a generated secret."""
MIN_SECRET_LENGTH = 16
FIX_SECRET = (
    "give every machine the same [celery] message_secret (HEADWATER__CELERY__MESSAGE_SECRET, or "
    "headwater.toml); on one machine, scheduler and workers share $HEADWATER_HOME/celery_message_secret"
)


class RefusedMessage(ValueError):
    """A message a worker will not act on; the text says why and what to fix."""


def message_secret(settings: Settings) -> bytes:
    """The shared secret messages are signed with: ``[celery] message_secret``, else the one kept in the
    home (made now, at random, if there is none yet)."""
    configured = settings.celery_message_secret
    if configured:
        if len(configured) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"[celery] message_secret is {len(configured)} characters long; use at least {MIN_SECRET_LENGTH} "
                "random ones, e.g. the output of: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return configured.encode()
    return _kept_secret(settings.home / SECRET_FILE)


def _kept_secret(path: Path) -> bytes:
    """Read the secret file, or create it whole: written to a private temporary file first, then linked
    into place, so a scheduler and a worker starting together agree on one value and never read half."""
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    private_dir(path.parent)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(handle, "w") as out:
            out.write(secrets.token_urlsafe(32) + "\n")
        with contextlib.suppress(FileExistsError):  # another process made it first: theirs stands
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return _read_secret(path)


def _read_secret(path: Path) -> bytes:
    text = path.read_text().strip()
    if len(text) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"{path} holds no usable message secret ({len(text)} characters); delete it to have a new one made, "
            f"then {FIX_SECRET}."
        )
    return text.encode()


def canonical(message: dict[str, Any]) -> bytes:
    """The bytes a signature covers: the message without its signature, as sorted-key compact JSON."""
    body = {key: value for key, value in message.items() if key != SIGNATURE}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def sign(message: dict[str, Any], secret: bytes) -> dict[str, Any]:
    """The message with its signature added."""
    digest = hmac.new(secret, canonical(message), hashlib.sha256).hexdigest()
    return {**message, SIGNATURE: digest}


def verify(message: Any, secret: bytes) -> dict[str, Any]:
    """The message without its signature, when the signature is the one ``secret`` makes; otherwise
    ``RefusedMessage`` saying what is wrong."""
    if not isinstance(message, dict):
        raise RefusedMessage(f"it is not a headwater message (a {type(message).__name__}, not a JSON object)")
    given = message.get(SIGNATURE)
    if given is None:
        raise RefusedMessage(f"it is not signed; workers run only messages signed with the shared secret: {FIX_SECRET}")
    if not isinstance(given, str) or not re.fullmatch(r"[0-9a-f]{64}", given):
        raise RefusedMessage(f"its signature is not an HMAC-SHA256 in hex; {FIX_SECRET}")
    expected = hmac.new(secret, canonical(message), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise RefusedMessage(
            "its signature does not match this worker's [celery] message_secret (forged, altered, or signed "
            f"with another secret); {FIX_SECRET}"
        )
    return {key: value for key, value in message.items() if key != SIGNATURE}


def confined_dag_file(dags_folder: Path, fileloc: Any) -> Path:
    """The DAG file a message names, inside ``dags_folder``: a relative ``.py`` path with no ``..``, no NUL,
    nothing absolute; anything else is ``RefusedMessage`` (and nothing is read)."""
    if not isinstance(fileloc, str) or not fileloc:
        raise RefusedMessage(f"it names no DAG file ({fileloc!r})")
    if "\0" in fileloc:
        raise RefusedMessage(f"its DAG file path {fileloc!r} contains a NUL byte")
    relative = PurePosixPath(fileloc)
    if relative.is_absolute():
        raise RefusedMessage(
            f"its DAG file path {fileloc!r} is absolute; a worker runs only files inside its DAGs folder "
            f"{dags_folder}, named relative to it (put the DAG file inside the scheduler's [core] dags_folder)"
        )
    if ".." in relative.parts:
        raise RefusedMessage(f"its DAG file path {fileloc!r} leads out of the DAGs folder {dags_folder} ('..')")
    if relative.suffix != ".py":
        raise RefusedMessage(f"its DAG file path {fileloc!r} is not a .py file")
    return dags_folder / relative
