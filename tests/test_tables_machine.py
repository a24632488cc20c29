"""The DataFrames of the machine's tables: columns exactly the JSON keys, proper dtypes,
and the same values as the JSON rows."""

from __future__ import annotations

import math

import pandas as pd

from attrace.api import load
from attrace.rows import (
    DIAGNOSTIC_KEYS,
    EVENT_KEYS,
    SESSION_KEYS,
    TRANSACTION_KEYS,
    event_row,
)


def _same(a, b) -> bool:  # type: ignore[no-untyped-def]
    if a is None or a is pd.NA or (isinstance(a, float) and math.isnan(a)):
        return b is None or b is pd.NA or (isinstance(b, float) and math.isnan(b))
    return a == b


def test_events_frame_matches_the_json_rows(samples) -> None:  # type: ignore[no-untyped-def]
    trace = load(samples / "two_way_auth.log")
    frame = trace.events
    for e in trace.event_list:
        row = event_row(e, trace.timebase, trace.first_time, trace.source_names,
                        trace.transaction_of(e.index), False)
        got = frame.loc[e.index].to_dict()
        for key in (*EVENT_KEYS, "inferred", "note"):
            assert _same(got[key], row[key]), (e.index, key, got[key], row[key])


def test_machine_frames_columns_and_dtypes(samples) -> None:  # type: ignore[no-untyped-def]
    trace = load(samples / "ssl" / "timeout.log")
    tx, ss, dg = trace.transactions, trace.sessions, trace.diagnostics
    assert list(tx.columns) == [*TRANSACTION_KEYS, "entry_s"]
    assert list(ss.columns) == [*SESSION_KEYS, "open_err_text", "events"]
    assert list(dg.columns) == [*DIAGNOSTIC_KEYS, "line", "offset", "source"]
    assert str(tx["err"].dtype) == "Int64" and str(tx["done_after_s"].dtype) == "Float64"
    assert str(tx["result"].dtype) == "category"
    assert str(ss["open_err"].dtype) == "Int64" and str(ss["tx_bps"].dtype) == "Float64"
    assert list(dg["severity"].cat.categories) == ["chat", "note", "warning", "error"]
    assert dg["severity"].cat.ordered
    assert ss.loc["1:2#1", "open_err"] == -7 and ss.loc["1:2#1", "close_reason"] == "failed"
    assert ss.loc["1:2#2", "bytes_sent"] == 4
    failed = tx[tx["err"] == -7]
    assert failed["command"].tolist() == ["QSSLOPEN"] and failed["limit_s"].tolist() == [20.0]


def test_empty_trace_frames(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "empty.log"
    path.write_bytes(b"")
    trace = load(path)
    assert trace.transactions.empty and trace.sessions.empty and trace.diagnostics.empty
    assert list(trace.sessions.columns)[:3] == ["id", "ctx", "conn"]


def test_fast_absolute_times_equal_timefmt() -> None:
    import random

    from attrace.model import Timebase
    from attrace.rows import _absolute_iso
    from attrace.timefmt import iso

    rng = random.Random(7)
    tb = Timebase("absolute")
    samples = [rng.uniform(0, 2e9) for _ in range(2000)]
    samples += [int(t) + rng.randint(0, 999) / 1000 for t in samples[:1000]]
    samples += [0.0, 0.9999995, 1709647331.2505, 1709647331.9999999, -48e9, -62135596800.0,
                float("nan"), float("inf"), 253402300799.9996, 1e300]
    assert [_absolute_iso(t) for t in samples] == [iso(t, tb) for t in samples]


def test_a_narrow_events_table_has_the_whole_tables_columns(samples) -> None:  # type: ignore[no-untyped-def]
    """``Trace.table("events", fields)`` builds only what the fields read (``no`` reads
    ``index``), and each column is the whole table's, dtype and all."""
    for path in (samples / "two_way_auth.log", samples / "ssl" / "peer_close.log"):
        narrow_trace, whole = load(path), load(path).events
        for fields in (["rel", "dir", "kind", "data_len"], ["no", "session"], ["text"]):
            narrow = narrow_trace.table("events", fields)
            expected = ["index", *(c for c in whole.columns if c in fields and c != "index")]
            assert list(narrow.columns) == expected
            for column in narrow.columns:
                pd.testing.assert_series_equal(narrow[column], whole[column])
        assert "events" not in narrow_trace.__dict__  # the whole table was never built


def test_check_and_stats_build_only_the_event_columns_they_read(samples) -> None:  # type: ignore[no-untyped-def]
    trace = load(samples / "ssl" / "peer_close.log")
    assert trace.check(preset="strict").failures  # it has something to report
    assert trace._narrow_events is None and "events" not in trace.__dict__
    trace.stats()
    assert "events" not in trace.__dict__
    assert trace._narrow_events is not None
    assert set(trace._narrow_events.columns) == {"index", "rel", "dir", "kind", "data_len"}


def test_offenders_of_an_event_rule_quote_the_events_text(samples) -> None:  # type: ignore[no-untyped-def]
    """Offender texts come from the events (redacted), as the table's ``text`` has them."""
    trace = load(samples / "two_way_auth.log")
    result = trace.check(["none(kind == data)"])
    offenders = result.failures[0].offenders
    assert offenders and "events" not in trace.__dict__
    for offender in offenders:
        assert offender.text == trace.events.loc[offender.index, "text"]
    assert any(o.text.startswith("[redacted: ") for o in offenders)  # keys stay hidden
