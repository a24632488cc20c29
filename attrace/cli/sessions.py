"""``attrace sessions``: one row per SSL session (open attempt on a (ctx, conn))."""

from __future__ import annotations

import sys

import click

from attrace import output
from attrace.cli import main
from attrace.cli.common import filter_option, format_option, input_options, load_trace
from attrace.filters import Filter
from attrace.machine.records import Analysis
from attrace.rows import SESSION_KEYS, session_row
from attrace.spec import Spec

_TABLE_COLUMNS = ("id", "host", "port", "sec", "fmt", "timeout", "open_s", "result", "sends",
                  "sent", "recvs", "received", "ended", "duration_s", "diags")


@main.command()
@input_options
@format_option()
@filter_option("sessions")
def sessions(files: tuple[str, ...], input_format: str, show_secrets: bool, fmt: str,
             display_filter: Filter | None = None) -> None:
    """List the SSL sessions of FILE(s): configuration at open, time to +QSSLOPEN,
    traffic both ways, and how each ended (host, peer, failed, open-at-end)."""
    trace = load_trace(files, input_format, show_secrets)
    spec = trace.spec
    found = trace.analysis.sessions
    if display_filter is not None:
        keep = display_filter.mask(trace.sessions).to_numpy()
        found = [s for s, k in zip(found, keep, strict=True) if k]
    first = trace.first_time
    if fmt != "table":
        rows = (session_row(s, first, spec.ssl_error(s.open_err)) for s in found)
        output.write(rows, fmt, sys.stdout,
                     columns=(*SESSION_KEYS, "open_err_text", "events"))
        return
    if not found:
        click.echo(_none_found(trace.analysis, display_filter is not None, spec))
        return
    output.write((_table_row(s, spec) for s in found), "table", sys.stdout,
                 columns=_TABLE_COLUMNS, widths={"host": 32})


def _none_found(analysis: Analysis, filtered: bool, spec: Spec) -> str:
    """Why the table is empty, truthfully: the filter kept none, or no AT+QSSLOPEN write
    opens one (an MQTT client's open, which may run over SSL, is the module's own
    connection, not a session here: said, with how those opens ended), or those there
    name no connection the machine can follow (an out-of-range connectID...: expert says
    which)."""
    if filtered and analysis.sessions:
        return (f"No SSL session matches the filter "
                f"({output.counted(len(analysis.sessions), 'session')} in the trace).")
    opens = sum(1 for t in analysis.transactions if t.command == "QSSLOPEN" and t.form == "write")
    if not opens:
        return "No SSL sessions in the trace: no AT+QSSLOPEN=... opens one." + \
            _service_opens(analysis, spec)
    return (f"No SSL session could be built from the "
            f"{output.counted(opens, 'AT+QSSLOPEN command')} in the trace; "
            "attrace expert says why.")


def _service_opens(analysis: Analysis, spec: Spec) -> str:
    """The opens of services that may run over SSL (AT+QMTOPEN), counted by outcome."""
    opens = [t for t in analysis.transactions if t.form == "write"
             and (cmd := spec.commands.get(t.command)) is not None and cmd.raw.get("tls_from")]
    if not opens:
        return ""
    names = " and ".join(f"AT+{n}" for n in dict.fromkeys(t.command for t in opens))
    failed = sum(1 for t in opens if t.result != "OK" or t.err not in (0, None))
    return (f" The trace has {output.counted(len(opens), 'open')} of the module's own "
            f"service connections ({names}; {failed} failed); attrace expert says which "
            "ran over SSL and how each ended.")


def _table_row(s, spec) -> dict:  # type: ignore[no-untyped-def]
    if s.open_err is None:
        result = "no result"
    elif s.open_err == 0:
        result = "0 ok"
    else:
        result = f"{s.open_err} {spec.ssl_error(s.open_err)}"
    return {
        "id": s.id, "host": s.host, "port": s.port, "sec": s.seclevel,
        "fmt": f"{'hex' if s.send_format else 'text'}/{'hex' if s.recv_format else 'text'}",
        "timeout": s.timeout_s,
        "open_s": None if s.open_after_s is None else round(s.open_after_s, 3),
        "result": result, "sends": s.sends, "sent": s.bytes_sent, "recvs": s.recvs,
        "received": s.bytes_received, "ended": s.close_reason,
        "duration_s": None if s.duration_s is None else round(s.duration_s, 3),
        "diags": s.diagnostics,
    }
