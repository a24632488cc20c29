"""Secrets never leave attrace unasked: private keys, PSKs and certificate bodies entered
in a trace are replaced by a size and a short hash in every output.

The events keep the real bytes (the machine decodes certificates from them); only what is
shown or exported passes through ``shown_text``.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

from attrace.model import Event

SECRET_PURPOSES: Final = frozenset({"cacert", "clientcert", "clientkey", "psk", "pem"})
"""Purposes of data events whose bytes are secret (``pem``: a PEM block the parser found
outside a data entry)."""
_PEM: Final = re.compile(
    r"-----BEGIN ([A-Z0-9 ]+)-----.*?(?:-----END \1-----|\Z)", re.S
)


def summary(data: bytes) -> str:
    """``[redacted: N bytes, sha256 abcd1234ef56]``."""
    digest = hashlib.sha256(data).hexdigest()[:12]
    return f"[redacted: {len(data)} bytes, sha256 {digest}]"


def is_secret(event: Event) -> bool:
    """Does the event carry key or certificate material?"""
    return event.kind == "data" and event.purpose in SECRET_PURPOSES


def shown_text(event: Event, show_secrets: bool = False) -> str:
    """The text an output may show for an event."""
    if show_secrets:
        return event.text
    if is_secret(event):
        return summary(event.text.encode("latin-1", "replace"))
    if "-----BEGIN" in event.text:
        return _PEM.sub(lambda m: summary(m.group(0).encode("latin-1", "replace")), event.text)
    return event.text


def shown_raw(event: Event, show_secrets: bool = False) -> bytes:
    """The raw bytes an output may show (the bytes pane, payload export)."""
    if show_secrets or not (is_secret(event) or b"-----BEGIN" in event.raw):
        return event.raw
    return shown_text(event).encode("latin-1", "replace")
