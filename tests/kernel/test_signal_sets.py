"""The signal-set reader against a real process whose sets the test made itself."""

from __future__ import annotations

import os
import signal
import threading

from app.kernel import signals


def test_names_are_cs_and_round_trip() -> None:
    assert signals.name(10) == "SIGUSR1" and signals.number("SIGUSR1") == 10
    assert signals.name(34) == "SIGRTMIN" and signals.number("SIGRTMIN") == signal.SIGRTMIN
    assert signals.name(35) == "SIGRTMIN+1" and signals.number("SIGRTMIN+1") == 35
    assert signals.name(64) == "SIGRTMAX" and signals.number("SIGRTMAX-1") == 63
    assert signals.name(32) == "SIG32"
    for signo in range(1, 65):
        if signo not in (32, 33):
            assert signals.number(signals.name(signo)) == signo
    assert signals.number("SIGRTMIN+31") is None and signals.number("SIGNOPE") is None


def test_a_process_sets_read_from_its_status() -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # blocks SIGUSR1 and SIGRTMIN+2, ignores SIGUSR2, has both pending
        try:
            os.close(read)
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGRTMIN + 2})
            signal.signal(signal.SIGUSR2, signal.SIG_IGN)
            os.kill(os.getpid(), signal.SIGUSR1)
            signal.pthread_kill(threading.get_ident(), signal.SIGRTMIN + 2)
            os.write(write, b"!")
            signal.pause()
        finally:
            os._exit(0)
    try:
        os.close(write)
        assert os.read(read, 1) == b"!"
        sets = signals.sets(pid)
        assert sets is not None
        assert sets["shared_pending"] == ["SIGUSR1"]  # kill: the process's
        assert sets["pending"] == ["SIGRTMIN+2"]  # to the thread: its own
        assert sets["blocked"] == ["SIGUSR1", "SIGRTMIN+2"]
        assert "SIGUSR2" in sets["ignored"]
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read)
    assert signals.sets(pid) is None  # gone: null, not empty
