"""The command spec as data: every BC66 SSL command and form of the manual, parameter
ranges, limits, completions, URCs and error codes; V.250 and BC66 basics."""

from __future__ import annotations

from attrace import spec


def test_ssl_commands_forms_and_limits() -> None:
    s = spec.load()
    cfg, opener, send, close = (s.commands[n] for n in ("QSSLCFG", "QSSLOPEN", "QSSLSEND",
                                                         "QSSLCLOSE"))
    assert cfg.forms == ("test", "write") and cfg.max_response_s == 0.3
    assert close.max_response_s == 0.3 and close.completion == "QSSLCLOSE"
    assert opener.timeout_limited and opener.completion == "QSSLOPEN" and opener.completion_limited
    assert send.timeout_limited and send.completion == "QSSLSEND"
    assert all(c.forms == ("test", "read", "write") for c in (opener, send, close))


def test_qsslcfg_settings_and_ranges() -> None:
    cfg = spec.load().commands["QSSLCFG"]
    assert set(cfg.settings) == {"seclevel", "dataformat", "timeout", "debug", "cacert",
                                 "clientcert", "clientkey"}
    ctx, conn, setting = cfg.params
    assert (ctx.min, ctx.max, ctx.supported) == (1, 3, (1,))
    assert (conn.min, conn.max) == (0, 5) and setting.optional
    [timeout] = cfg.settings["timeout"]
    assert (timeout.min, timeout.max, timeout.default) == (10, 300, 90)
    [seclevel] = cfg.settings["seclevel"]
    assert (seclevel.min, seclevel.max, seclevel.default) == (0, 2, 0)
    assert [p.max for p in cfg.settings["dataformat"]] == [1, 1]
    assert cfg.settings["debug"][0].max == 4
    assert cfg.data_entry is not None and cfg.data_entry.purposes == ("cacert", "clientcert",
                                                                      "clientkey")


def test_open_and_send_parameters() -> None:
    s = spec.load()
    mode = s.commands["QSSLOPEN"].params[4]
    assert (mode.name, mode.supported) == ("connect_mode", (0,))
    length = s.commands["QSSLSEND"].params[2]
    assert (length.min, length.max, length.max_hex, length.optional) == (1, 1460, 730, True)


def test_urcs_completions_and_errors() -> None:
    s = spec.load()
    assert s.urcs["QSSLURC"].raw["variants"] == ["recv", "closed"]
    assert (s.urcs["QSSLURC"].ctx_arg, s.urcs["QSSLURC"].conn_arg) == (1, 2)
    for name in ("QSSLOPEN", "QSSLSEND", "QSSLCLOSE"):
        assert s.urcs[name].completes == name and s.urcs[name].err_arg == 2
    assert sorted(s.errors["ssl"]) == [-9, -7, -6, -5, -4, -3, -2, -1, 0]
    assert s.ssl_error(-3) == "certificate error" and s.ssl_error(-8) == "undocumented error -8"


def test_v250_and_bc66_basics() -> None:
    s = spec.load()
    for name in ("AT", "E", "I", "&F", "Z", "QSCLK", "CEREG", "CGATT", "CPIN", "CSQ", "QRST",
                 "CFUN", "CGPADDR", "CIMI", "CGSN", "QBAND"):
        assert name in s.commands, name
    assert s.commands["CGATT"].max_response_s == 85 and s.commands["CPIN"].max_response_s == 5
    assert {"OK", "ERROR"} <= set(s.finals) and set(s.error_finals) == {"CME ERROR", "CMS ERROR"}
    assert {"CEREG", "IP", "QATSLEEP", "QATWAKEUP"} <= set(s.urcs) and "RDY" in s.texts


def test_3gpp_and_v250_commands_real_traces_carry() -> None:
    for profile in spec.PROFILES:
        s = spec.load(profile)
        for name in ("CESQ", "CREG", "CGREG", "CEREG", "CGSN", "GSN", "GMR", "CGMR", "CGMI",
                     "CGMM", "CIMI", "CCID", "QCCID", "CCLK", "COPS", "CGDCONT", "CGPADDR",
                     "CGACT", "CPSMS", "CEDRXS", "CSCON", "CMEE", "CFUN", "CPIN", "CSQ", "I",
                     "E", "V", "Q", "&F", "&W", "Z", "IPR", "QBAND", "QENG", "QRST", "QSCLK",
                     "QLEDMODE"):
            assert name in s.commands, (profile, name)
        # Limits only where known: the network-bound ones have none in the common tables.
        assert s.commands["COPS"].max_response_s is None
        assert s.commands["CGSN"].text_response and not s.commands["CSQ"].text_response
    # The BC66's own figures stay its own.
    assert spec.load("bc66").commands["CGATT"].max_response_s == 85
    assert spec.load("bg9x").commands["CGATT"].max_response_s is None


def test_near_miss_is_small_relative_to_length() -> None:
    from attrace.machine.checks import near_miss

    names = ("QSSLSEND", "QSSLOPEN", "QSCLK", "CGMR", "CGMM")
    assert near_miss("QSSSEND", names) == "QSSLSEND"
    assert near_miss("QSCCLK", names) == "QSCLK"
    assert near_miss("QIOPEN", names) is None  # two edits on six letters: another command
    assert near_miss("QISEND", names) is None
    assert near_miss("CGMX", names) is None  # as near to CGMR as to CGMM: no guess


def test_near_miss_counts_a_swap_of_neighbours_as_one_slip() -> None:
    from attrace.machine.checks import _extended_names, distance, near_miss

    assert distance("QSSLSNED", "QSSLSEND") == 1 and distance("QSSLSEND", "QSSLSEND") == 0
    assert distance("ABC", "CBA") == 2 and distance("", "AB") == 2
    for profile in ("bc66", "bg9x"):
        names = _extended_names(profile)
        assert near_miss("QSSLSNED", names) == "QSSLSEND"
        assert near_miss("QSSLCOLSE", names) == "QSSLCLOSE"
        assert near_miss("QSLCLOSE", names) == "QSSLCLOSE"
        # Real commands of other families and short ones one slip from a known name
        # (facility lock, send SMS, file open, TCP/IP configuration) get no guess.
        for real in ("CLCK", "CMGS", "CSCS", "CTZU", "QFOPEN", "QFCLOSE", "QICFG", "QIOPEN",
                     "QISEND", "QPING", "CGPADDR"):
            assert near_miss(real, names) is None, (profile, real)


def test_unknown_command_diagnostics_follow_the_answer() -> None:
    # Refused and near a known name: a misspelling.  Accepted (OK): a real command the
    # spec lacks, nothing to report.  Refused and near nothing: a plain note.
    from machine_helpers import timed

    trace = timed((0.0, "tx", "AT+QSSSEND=1,0"), (0.02, "rx", "ERROR"),
                  (0.1, "tx", "AT+QSSSEND=1,1"), (0.12, "rx", "OK"),
                  (0.2, "tx", "AT+QNTP=1,\"h\",123"), (0.22, "rx", "ERROR"))
    found = [(d.code, d.severity, d.message) for d in trace.analysis.diagnostics
             if d.code == "unknown-command"]
    assert found == [
        ("unknown-command", "warning", "AT+QSSSEND is not a known command; did you mean "
         "AT+QSSLSEND? (the module answers ERROR to a misspelling)"),
        ("unknown-command", "chat", "AT+QNTP is not in attrace's command spec (bc66 "
         "profile); it is paired and timed as generic AT"),
    ]


def test_known_commands_answered_ok_raise_nothing() -> None:
    from machine_helpers import timed

    lines = [(0.0, "tx", "AT+CESQ"), (0.01, "rx", "+CESQ: 99,99,255,255,12,52"),
             (0.02, "rx", "OK"), (0.1, "tx", "AT+GSN"), (0.11, "rx", "866425031234567"),
             (0.12, "rx", "OK"), (0.2, "tx", "AT+CGREG?"), (0.21, "rx", "+CGREG: 0,1"),
             (0.22, "rx", "OK"), (0.3, "tx", "AT&W"), (0.31, "rx", "OK"),
             (0.4, "tx", "AT+QLEDMODE=1"), (0.41, "rx", "OK")]
    assert timed(*lines).analysis.diagnostics == []


def test_cgreg_takes_the_psm_presentation_modes() -> None:
    # 27.007 releases with PSM added n = 3, 4, 5 to AT+CGREG as to AT+CEREG; 6 is no mode.
    from machine_helpers import timed

    ok = timed((0.0, "tx", "AT+CGREG=4"), (0.02, "rx", "OK"))
    assert ok.analysis.diagnostics == []
    bad = timed((0.0, "tx", "AT+CGREG=6"), (0.02, "rx", "ERROR"))
    assert "param-range" in [d.code for d in bad.analysis.diagnostics]
