"""Capture readers: one module a format, each turning a file's bytes into ``Chunk``s.

A reader knows a format's decorations (timestamps, markers, escapes) and nothing about AT
commands.  ``open_capture`` detects the format from the first KBs (or takes the one the
user forces) and returns a ``Capture`` whose ``chunks()`` streams the file once, with
bounded memory.
"""

from attrace.read.base import Capture, Reader
from attrace.read.registry import (
    FORMATS,
    RECOGNISED,
    available,
    detect,
    from_bytes,
    open_capture,
    score,
)

__all__ = ["FORMATS", "RECOGNISED", "Capture", "Reader", "available", "detect", "from_bytes",
           "open_capture", "score"]
