"""``attrace sim`` as a user runs it: on a pty and on TCP, with faults, recording a
capture that attrace then analyses; Ctrl+C ends it cleanly."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

from sim_helpers import PtyHost, attrace_exe, command

from attrace.api import load


def _start(args: list[str]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([attrace_exe(), "sim", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    first = proc.stdout.readline().strip()
    assert first, proc.communicate(timeout=10)
    return proc, first


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    return err


def test_sim_on_a_pty_with_faults_records_what_attrace_sees(tmp_path: Path) -> None:
    cap = tmp_path / "faults.jsonl"
    proc, path = _start(["--pty", "--record", str(cap), "--delay", "qsslcfg=0.5",
                         "--drop-final", "AT+QSCLK", "--garble", "CEREG", "--reboot-after", "6"])
    try:
        assert path.startswith("/dev/")
        host = PtyHost(path)
        command(host, b"ATE0", b"OK\r\n")
        start = len(host.seen)
        host.write(b"AT+QSCLK=0\r")
        time.sleep(0.3)
        host.write(b"AT+CEREG?\r")
        got = host.expect(b"OK\r\n", start)
        assert b"OK" not in got[:got.index(b"+CERE")]  # QSCLK's OK never came
        assert b"+CERE\xff: 0,1" in got
        t0 = time.monotonic()
        command(host, b'AT+QSSLCFG=1,0,"timeout",20', b"OK\r\n")
        assert time.monotonic() - t0 >= 0.5
        command(host, b"AT+QSSSEND=1,0", b"ERROR\r\n")
        command(host, b"AT+CSQ", b"RDY\r\n")  # the sixth answer, then the restart
        host.close()
    finally:
        _stop(proc)
    trace = load(cap)
    codes = set(trace.diagnostics.code)
    assert {"no-response", "response-time", "unknown-command"} <= codes
    texts = [e.text for e in trace.event_list]
    assert "RDY" in texts


def test_sim_on_tcp(tmp_path: Path) -> None:
    proc, first = _start(["--tcp", "127.0.0.1:0"])
    try:
        port = int(first.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"AT+QSSLCFG=1,3,\"seclevel\"\r")
            got = b""
            while b"OK\r\n" not in got:
                got += s.recv(4096)
        assert got.endswith(b'\r\n+QSSLCFG: 1,3,"seclevel",0\r\n\r\nOK\r\n')
    finally:
        _stop(proc)


def test_sim_on_tcp_takes_no_lf_of_a_cr_lf_line_for_data() -> None:
    """A host ending its command lines CR LF: the certificate the sim counts is the 60
    bytes typed, not 61 (the LF of the command line is no data)."""
    pem = b"-----BEGIN CERTIFICATE-----\r\nMIIB\r\n-----END CERTIFICATE-----"
    assert len(pem) == 60
    proc, first = _start(["--tcp", "127.0.0.1:0"])
    try:
        port = int(first.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            got = b""
            s.sendall(b'AT+QSSLCFG=1,0,"cacert"\r\n')
            while b"> " not in got:
                got += s.recv(4096)
            s.sendall(pem + b"\x1a")
            while b"OK\r\n" not in got:
                got += s.recv(4096)
        assert b'+QSSLCFG: 1,0,"cacert",60\r\n' in got, got
    finally:
        _stop(proc)


def test_sim_usage_errors() -> None:
    for args, words in ((["sim"], "exactly one of --pty or --tcp"),
                        (["sim", "--pty", "--delay", "QSSLOPEN"], "COMMAND=SECONDS"),
                        (["sim", "--tcp", "nowhere"], "HOST:PORT"),
                        (["sim", "--pty", "--record", "/no/such/dir/cap.jsonl"],
                         "cannot write /no/such/dir/cap.jsonl")):
        done = subprocess.run([attrace_exe(), *args], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 2, done
        assert done.stderr.startswith("Error: ") and words in done.stderr
