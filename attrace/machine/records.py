"""What the machine produces: transactions, sessions and the analysis that holds them.

Plain dataclasses with the field names of DESIGN.md section 4 (the JSON keys), plus the
links later stages need (event indexes, the payload of a session).  No pandas here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from attrace.diagnostics import Diagnostic
from attrace.model import Event

RESULTS: Final = ("OK", "ERROR", "CME ERROR", "CMS ERROR", "timeout", "none")
"""Every ``Transaction.result`` (display filters list them)."""

CLOSE_REASONS: Final = ("host", "peer", "failed", "reset", "open-at-end")
"""Every ``Session.close_reason`` (display filters list them)."""


@dataclass(slots=True)
class Transaction:
    """One command with everything that answered it."""

    index: int
    command: str
    """The command's name as events name it (``QSSLOPEN``, ``AT``, ``E``...)."""
    form: str | None
    ctx: int | None
    conn: int | None
    start: float | None
    """Time of the command (trace time base)."""
    ok_after_s: float | None = None
    """Seconds to the final result, from the command or from the end of its data entry."""
    done_after_s: float | None = None
    """Seconds to the completion URC of a two-phase command (same reference)."""
    limit_s: float | None = None
    """The limit the final result (and completion) must meet; None when unknown."""
    result: str = "none"
    """``OK``, ``ERROR``, ``CME ERROR``, ``CMS ERROR``, ``timeout`` or ``none``."""
    err: int | None = None
    """The ``<err>`` of the completion, or the number of a +CME/+CMS ERROR."""
    err_text: str | None = None
    events: list[int] = field(default_factory=list)
    entry_s: float | None = None
    """How long the host took to type its data after the prompt (data-entry commands)."""
    event: int = -1
    """Index of the command event."""
    args: tuple[Any, ...] = ()
    text: str = ""
    purpose: str = ""
    """What data entry the command starts (``QSSLSEND``, ``cacert``...), empty if none."""
    ref: float | None = None
    """Where response timing starts: the command, or the end of its data."""
    prompt_time: float | None = None
    data_event: int | None = None
    data: bytes | None = None
    """The data entered (Ctrl+Z/ESC removed)."""
    data_guessed: bool = False
    """The capture lacks the entry's Ctrl+Z, its end was inferred: ``data`` may miss or
    hold a line end the module counted otherwise, so no byte count is compared with it."""
    cancelled: bool = False
    echoed: bool = False
    completion: str | None = None
    """The URC this transaction still waits for after OK."""
    completion_limit_s: float | None = None
    named: bool = False
    """An answer that names it arrived (``+CSQ:`` for AT+CSQ, its completion): the
    evidence that re-pairs answers after a command whose final result was lost."""
    done: bool = False
    """Its completion URC arrived (possibly before its final result)."""
    overlap_on: int | None = None
    """The transaction still waiting when this command was sent (``command-overlap`` is
    reported once the module's answers show the host really pipelined)."""
    unknown: bool = False
    """The spec does not know the command (reported when its answer shows whether it
    was a misspelling)."""
    connected: bool = False
    """The module answered ``CONNECT``: what it sends up to the final result (a file, an
    HTTP body) is this command's."""


@dataclass(slots=True)
class Session:
    """One open attempt on a (ctx, conn), with its configuration, traffic and ending."""

    id: str
    ctx: int
    conn: int
    host: str | None = None
    port: int | None = None
    seclevel: int = 0
    send_format: int = 0
    recv_format: int = 0
    timeout_s: int = 90
    cacert_bytes: int | None = None
    clientcert_bytes: int | None = None
    clientkey_bytes: int | None = None
    open_at: float | None = None
    open_after_s: float | None = None
    open_err: int | None = None
    sends: int = 0
    bytes_sent: int = 0
    recvs: int = 0
    bytes_received: int = 0
    closed_at: float | None = None
    close_reason: str | None = None
    """``host``, ``peer``, ``failed``, ``open-at-end``, or ``reset`` when the module
    restarted (RDY) under it."""
    duration_s: float | None = None
    tx_bps: float | None = None
    """Application bits per second sent over the session's duration."""
    rx_bps: float | None = None
    diagnostics: int = 0
    events: list[int] = field(default_factory=list)
    payload: list[tuple[int, str, bytes]] = field(default_factory=list)
    """(event index, ``tx``/``rx``, decoded application bytes), in order."""
    open_transaction: int | None = None
    transactions: list[int] = field(default_factory=list)
    """Indexes of the session's transactions (open, sends, close): their events join
    ``events`` when the analysis closes."""
    close_ok_at: float | None = None
    """When the host's close was answered OK (its completion may still come)."""
    formats: list[tuple[int, int]] = field(default_factory=list)
    """Each (send_format, recv_format) set by AT+QSSLCFG "dataformat" while the session
    ran, in order: the manual has the setting take effect at once, so a send or receive
    after it is read in the new format, not in the one the session opened with."""


@dataclass
class Analysis:
    """The machine's whole output for one trace."""

    events: list[Event]
    """The events, kinds refined (a completion response becomes ``urc``...)."""
    transaction_of: list[int | None]
    """Per event index: the transaction that owns it."""
    transactions: list[Transaction]
    sessions: list[Session]
    diagnostics: list[Diagnostic]
    certificates: list[dict[str, Any]] = field(default_factory=list)
    """Decoded certificate/key entries: event, ctx, conn, purpose, summary (no secrets)."""
    timed: bool = False
    profile: str = "bc66"
    """The spec profile the trace was read with (``attrace.spec.PROFILES``)."""
    profile_source: str = "default"
    """How it was chosen: ``default``, ``--module NAME`` or ``detected at #N``."""

    def session(self, session_id: str) -> Session | None:
        for s in self.sessions:
            if s.id == session_id:
                return s
        return None
