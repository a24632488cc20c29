"""Live capture: serial ports read as they talk, analysed as the bytes arrive.

``session.Live`` turns timestamped reads into events and diagnostics through the same
stages a file goes through (``attrace.live.transcript`` makes each read the chunk the
JSON Lines reader would give, ``attrace.pipeline.Decoder`` frames and parses,
``attrace.machine.Machine`` pairs and checks); ``ports`` reads pyserial ports.
``attrace sim`` writes its captures with ``transcript`` too.

Stage: a source beside ``read``; imports read, pipeline, machine, rows.
"""

from __future__ import annotations

from attrace.live.session import Live, Update

__all__ = ["Live", "Update"]
