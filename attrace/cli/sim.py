"""``attrace sim``: an emulated BC66 on a pseudo-terminal or a TCP port, speaking real
TLS to the servers the host opens, with faults on request and an optional capture."""

from __future__ import annotations

import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import click

from attrace.cli import main
from attrace.errors import UsageError
from attrace.live.transcript import create
from attrace.sim import Faults
from attrace.sim.serve import Server, pseudo_terminal, serve_fd, serve_tcp


def _delays(values: tuple[str, ...]) -> dict[str, float]:
    out = {}
    for value in values:
        name, eq, seconds = value.partition("=")
        try:
            number = float(seconds)
        except ValueError:
            number = -1.0
        if not eq or not name.strip() or not 0 <= number < 3600:
            raise UsageError(f"--delay {value!r}: write COMMAND=SECONDS, e.g. QSSLOPEN=2.5")
        out[_name(name)] = number
    return out


def _name(word: str) -> str:
    """A command as attrace names it: ``AT+QSSLOPEN`` and ``qsslopen`` are ``QSSLOPEN``."""
    word = word.strip().upper()
    return word[3:] if word.startswith("AT+") else word


def _address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not port.isdigit() or int(port) > 65535:
        raise UsageError(f"--tcp {value!r}: write HOST:PORT, e.g. 127.0.0.1:5555")
    return host or "127.0.0.1", int(port)


@contextmanager
def _stopped_by_ctrl_c(server: Server) -> Iterator[None]:
    """Ctrl+C (and SIGTERM) end the loop cleanly instead of raising in the middle of it."""
    def stop(_sig: int, _frame: Any) -> None:
        server.stop()

    old = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


@main.command()
@click.option("--pty", "use_pty", is_flag=True,
              help="Serve on a new pseudo-terminal; its path is printed (open it as the "
                   "module's serial port).")
@click.option("--tcp", "tcp", metavar="HOST:PORT", default=None,
              help="Serve on a TCP port instead (one host at a time).")
@click.option("--record", "record", type=click.Path(dir_okay=False, writable=True),
              default=None, help="Write what the module saw and said as a capture "
                                 "(JSON Lines, timestamped) that attrace reads.")
@click.option("--delay", "delay", multiple=True, metavar="COMMAND=SECONDS",
              help="Hold back every answer to COMMAND (fault injection; repeatable).")
@click.option("--drop-final", "drop_final", multiple=True, metavar="COMMAND",
              help="Never send COMMAND's final OK/ERROR (repeatable).")
@click.option("--garble", "garble", multiple=True, metavar="COMMAND",
              help="Corrupt a byte of COMMAND's first answer line (repeatable).")
@click.option("--reboot-after", "reboot_after", type=click.IntRange(min=1), default=None,
              metavar="N", help="Restart (boot banner, state lost) after N answered commands.")
@click.option("--time-scale", "time_scale", type=click.FloatRange(min=0.001), default=1.0,
              show_default=True,
              help="Multiply configured timeouts by this (0.01: a 10 s timeout is 0.1 s).")
def sim(use_pty: bool, tcp: str | None, record: str | None, delay: tuple[str, ...],
        drop_final: tuple[str, ...], garble: tuple[str, ...], reboot_after: int | None,
        time_scale: float) -> None:
    """Run an emulated BC66 that answers the SSL AT commands and does real TLS.

    Serves until Ctrl+C.  AT+QSSLOPEN connects to the host and port it names;
    seclevel, the entered CA certificate, client certificate and key are used as the
    module would use them.
    """
    if use_pty == (tcp is not None):
        raise UsageError("give exactly one of --pty or --tcp HOST:PORT")
    faults = Faults(_delays(delay), frozenset(map(_name, drop_final)),
                    frozenset(map(_name, garble)), reboot_after)
    address = _address(tcp) if tcp is not None else None
    with ExitStack() as stack:
        out = stack.enter_context(create(record)) if record is not None else None
        header = {"attrace": "sim", "module": "BC66"}
        server = Server(faults, time_scale, out, header)
        stack.callback(server.close)
        stack.enter_context(_stopped_by_ctrl_c(server))
        if address is None:
            fd, path = stack.enter_context(pseudo_terminal())
            click.echo(path)
            sys.stdout.flush()
            serve_fd(server, fd)
        else:
            try:
                listener = stack.enter_context(socket.create_server(address))
            except OSError as exc:
                raise UsageError(f"cannot listen on {tcp}: {exc.strerror}") from None
            click.echo(f"listening on {address[0]}:{listener.getsockname()[1]}")
            sys.stdout.flush()
            serve_tcp(server, listener)
    click.echo("stopped", err=True)
