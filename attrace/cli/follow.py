"""``attrace follow``: one SSL session's application payload both ways, in order (like
Wireshark's Follow Stream).  Hex-format data is shown decoded.

The payload is shown as it is, but key material inside it (a key or certificate sent as
data, a PSK) is folded piece by piece with ``attrace.redact.scrub_bytes``, in every form
(``--as text|hex|raw``, ``-o``) unless ``--show-secrets``: a hex dump of a key would show
it as surely as its text.

Raw bytes go only where they cannot drive a terminal: ``--as raw`` onto a terminal is
refused with a one-line error (as curl refuses binary output), the way ``text`` and ``hex``
make every control byte visible."""

from __future__ import annotations

import sys

import click

from attrace import output
from attrace.cli import main
from attrace.cli.common import input_options, load_trace
from attrace.diagnostics import event_no
from attrace.errors import UsageError
from attrace.redact import scrub_counted

_ARROWS = {"tx": "->", "rx": "<-"}


@main.command()
@input_options
@click.option("--session", "session_id", required=True, metavar="ID",
              help="Session id as `attrace sessions` lists it, e.g. 1:5#1.")
@click.option("--as", "show_as", type=click.Choice(["text", "hex", "raw"]), default="text",
              show_default=True,
              help="How to print the payload (raw: the bytes as they are, only into a file "
                   "or a pipe, never onto a terminal).")
@click.option("--dir", "direction", type=click.Choice(["tx", "rx"]), default=None,
              help="Only one direction (tx: host to server, rx: server to host).")
@click.option("--output", "-o", "out_path", type=click.Path(dir_okay=False), default=None,
              help="Write the payload's bytes to this file instead (use with --dir); key "
                   "material in it is replaced by a redaction marker unless --show-secrets.")
def follow(files: tuple[str, ...], input_format: str, show_secrets: bool, session_id: str,
           show_as: str, direction: str | None, out_path: str | None) -> None:
    """Print the application payload of one SSL session of FILE(s)."""
    trace = load_trace(files, input_format, show_secrets)
    try:
        view = trace.session(session_id)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    pieces = [(e, d, data) for e, d, data in view.chunks()
              if direction is None or d == direction]
    counted = [(data, 0) if show_secrets else scrub_counted(data) for _, _, data in pieces]
    shown = [data for data, _ in counted]
    if out_path is not None:
        output.write_file(out_path, b"".join(shown))
        folded = sum(n for _, n in counted)
        click.echo(f"Wrote {sum(map(len, shown))} bytes of session {session_id} to "
                   f"{out_path}.", err=True)
        if folded:
            click.echo(f"Key material redacted: {output.counted(folded, 'byte')} of the "
                       f"payload are replaced by [redacted: ...] markers in the file; add "
                       f"--show-secrets to write the payload as sent.", err=True)
        return
    if show_as == "raw":
        if sys.stdout.isatty():
            raise UsageError("--as raw writes the payload's bytes as they are, and a "
                             "terminal would run the control sequences in them; redirect "
                             "the output to a file or a pipe, use -o FILE, or use --as text "
                             "or --as hex to see it")
        out = sys.stdout.buffer
        for data in shown:
            out.write(data)
        out.flush()
        return
    w = sys.stdout.write
    for (event, d, data), visible in zip(pieces, shown, strict=True):
        w(f"{_ARROWS[d]} {event_no(event.index)} line {event.line}: {len(data)} bytes\n")
        w(_hexdump(visible) if show_as == "hex" else _text(visible))
    sent = sum(len(p[2]) for p in pieces if p[1] == "tx")
    received = sum(len(p[2]) for p in pieces if p[1] == "rx")
    w(f"Session {session_id}: {sent} bytes sent, {received} bytes received.\n")

def _text(data: bytes) -> str:
    """Printable text, other bytes escaped; each piece ends with a newline."""
    text = data.decode("utf-8", "backslashreplace")
    shown = output.printable(text, "\n\t")
    return "    " + shown.replace("\n", "\n    ") + "\n"


def _hexdump(data: bytes) -> str:
    lines = []
    for at in range(0, len(data), 16):
        row = data[at:at + 16]
        hexes = " ".join(f"{b:02x}" for b in row)
        ascii_ = "".join(chr(b) if 32 <= b < 127 else "." for b in row)
        lines.append(f"    {at:08x}  {hexes:<47}  {ascii_}\n")
    return "".join(lines)
