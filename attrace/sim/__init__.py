"""An emulated Quectel BC66 that answers the SSL command set and speaks real TLS.

``module.Bc66`` is the sans-IO core: bytes from the host and results from the network go
in (with the time they happened), bytes for the host come out when they are due.  It
never touches a socket, a clock or a file, so tests drive it byte by byte.
``tls.TlsNetwork`` does the real TLS with Python's ``ssl`` on threads of its own;
``serve`` runs the two over a pseudo-terminal or a TCP socket and records the exchange
as a capture attrace reads (``attrace.live.transcript``).

Stage: a tool beside the pipeline, not a step of it.  It reads ``attrace.spec`` so that
its ranges, defaults and error codes are the ones the analyser checks against.
"""

from __future__ import annotations

from attrace.sim.module import Bc66, Faults, Network, TlsSettings

__all__ = ["Bc66", "Faults", "Network", "TlsSettings"]
