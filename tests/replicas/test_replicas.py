"""A class past one machine: a lesson runs on replica A, its class watches from replica B
(over the broker), and A dies mid-lesson; a student's own program run on A shows its source
on B."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from typing import Any

import pytest
from conftest import Replicas
from lesson_client import Seen, join, start_lesson, still, teach, waiting
from service_client import WAIT_S, Client, Server
from test_paste_kept import program, shown, the_students

CLASS = 50


@contextlib.contextmanager
def clients(servers: dict[str, Server]) -> Any:
    made = {name: Client(server.url) for name, server in servers.items()}
    try:
        yield made
    finally:
        for client in made.values():
            client.http.close()


def class_of(teacher: Seen, watching: int) -> dict[str, Any]:
    """The teacher's audience once it counts `watching` (other replicas say theirs once a
    second)."""
    end = time.monotonic() + WAIT_S
    while (audience := teacher.audience())["watching"] != watching:
        assert time.monotonic() < end, audience
        time.sleep(0.2)
    return audience


def test_fifty_watchers_on_b_get_every_event_and_position_of_a_lesson_on_a(
    replicas: Replicas,
) -> None:
    with replicas("a", "b") as servers, clients(servers) as c:
        run = start_lesson(c["a"])
        with join(c["a"], run, run["control_token"]) as teacher, contextlib.ExitStack() as st:
            watchers = [st.enter_context(join(c["b"], run)) for _ in range(CLASS)]
            for watcher in watchers:
                watcher.event(lambda e: e["seq"] == 0)
            audience = class_of(teacher, CLASS)
            assert (audience["following"], audience["teachers"]) == (CLASS, 1)
            reported = teach(teacher, watchers)
            for watcher in watchers:
                # Its run.end may have come before the teacher's last position did.
                watcher.newest(lambda e: e["type"] == "run.end")
        events = c["a"].events(run["id"])
        assert events[-1]["reason"] == "exited" and len(reported) > 5
        for watcher in watchers:
            assert watcher.events == events  # no gap, no duplicate, nothing out of order
            assert [n["seq"] for n in watcher.notes] == reported
            assert not watcher.errors
        assert c["b"].events(run["id"]) == events  # B's REST reads are the same run
        for path in (f"/runs/{run['id']}", f"/api/runs/{run['id']}/watch.svg"):
            assert c["b"].http.get(path).status_code == 200, path  # and its pages


def test_a_teacher_on_b_drives_a_lesson_on_a_and_a_watcher_rejoins_at_its_position(
    replicas: Replicas,
) -> None:
    with replicas("a", "b") as servers, clients(servers) as c:
        run = start_lesson(c["a"], scenario="eof")
        with (
            join(c["b"], run, run["control_token"]) as teacher,
            join(c["a"], run) as watcher,
            join(c["b"], run) as classmate,
        ):
            first = teacher.newest(lambda e: bool(waiting(e)))["seq"]
            teacher.send({"op": "position", "seq": first})
            assert watcher.position() == first and classmate.position() == first
            for detached in (watcher, classmate):
                detached.send({"op": "follow", "following": False})
                detached.settled()
            reported = []
            for _ in range(2):  # steps sent to B run on A
                teacher.send({"op": "step"})
                last = teacher.event(lambda e, after=first: bool(waiting(e)) and e["seq"] > after)
                teacher.send({"op": "position", "seq": last["seq"]})
                reported.append(last["seq"])
                first = last["seq"]
            teacher.settled()
            assert not teacher.errors
            # Positions sent to B reach A a moment later (and come back to B's mirror from
            # there): each lands on the last one, and on none but the teacher's.
            for rejoined in (watcher, classmate):
                rejoined.send({"op": "follow", "following": True})
                while (seq := rejoined.position()) != reported[-1]:
                    assert seq in reported
                assert rejoined.events[-1]["seq"] >= reported[-1]
            assert class_of(teacher, 2)["following"] == 2


def test_on_another_replica_a_watch_link_cannot_control_and_a_control_link_can(
    replicas: Replicas,
) -> None:
    with replicas("a", "b") as servers, clients(servers) as c:
        run = start_lesson(c["a"], scenario="eof")
        watch_only = {**run, "control_token": None}
        path = f"/api/runs/{run['id']}"
        assert c["b"].http.post(path + "/step", json={}).status_code == 401
        wrong = {"authorization": "Bearer " + "x" * 43}
        for op in ("step", "play", "pause"):
            response = c["b"].http.post(f"{path}/{op}", json={}, headers=wrong)
            assert response.status_code == 403 and response.json()["field"] == "Authorization"
        assert c["b"].http.delete(path, headers=wrong).status_code == 403
        assert c["b"].http.post(path + "/hand-on", json={}, headers=wrong).status_code == 403
        with join(c["b"], watch_only) as watcher:
            for op in ({"op": "step"}, {"op": "kill"}, {"op": "position", "seq": 0}):
                watcher.send(op)
                assert watcher.error()["field"] == "token"
        assert c["a"].run(run["id"])["status"] != "ended"

        # The control link's token works on B: the hand-on and the kill reach A.
        handed = c["b"].control(run, "hand-on")
        assert handed.status_code == 200, handed.text
        new = {**run, "control_token": handed.json()["control_token"]}
        time.sleep(0.5)  # the old token's socket is checked against the new digest
        assert c["a"].control(run, "kill").status_code == 403
        assert c["b"].control(new, "kill").status_code == 202
        assert c["a"].wait_ended(run["id"])["end"]["reason"] == "killed"


def test_when_the_replica_running_a_lesson_dies_its_class_is_told_and_it_replays_elsewhere(
    replicas: Replicas, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with replicas("a", "b") as servers, clients(servers) as c:
        run = start_lesson(c["a"], scenario="eof")
        with join(c["a"], run, run["control_token"]) as teacher, contextlib.ExitStack() as st:
            watchers = [st.enter_context(join(c["b"], run)) for _ in range(5)]
            teacher.send({"op": "step"})
            teacher.event(lambda e: e["seq"] > 0 and still(e))
            pids = [p["pid"] for p in teacher.events[-1]["state"]["procs"]]
            os.kill(servers["a"].pid, signal.SIGKILL)  # no goodbye: the broker sees it go
            ends = [w.event(lambda e: e["type"] == "run.end") for w in watchers]
        for end in ends:
            assert end["reason"] == "replica-lost" and end["message_key"] == "end.replica_lost"
            assert end["message_values"]["replica"] == "a"
            assert sorted(end["killed"]) == sorted(pids)
        for watcher in watchers:
            assert [e["seq"] for e in watcher.events] == list(range(len(watcher.events)))
        recorded = watchers[0].events
        assert c["b"].events(run["id"]) == recorded
        # A replica started later replays it from the shared store.
        deadline = time.monotonic() + WAIT_S
        with replicas("c") as later, clients(later) as lc:
            while (found := lc["c"].http.get(f"/api/runs/{run['id']}/events")).status_code != 200:
                assert time.monotonic() < deadline, found.text
                time.sleep(0.2)
            assert found.json() == recorded


def test_a_replica_that_restarts_at_once_under_its_name_ends_its_old_lessons(
    replicas: Replicas,
) -> None:
    with replicas("b") as b, clients(b) as c, replicas("a") as a:
        run = start_lesson(Client(a["a"].url), scenario="eof")
        with join(c["b"], run) as watcher:
            watcher.event(lambda e: e["seq"] >= 1)
            os.kill(a["a"].pid, signal.SIGKILL)
            with replicas("a"):  # back before its heartbeat could expire: never seen lost
                end = watcher.event(lambda e: e["type"] == "run.end")
        assert end["reason"] == "replica-lost"


def test_a_teacher_on_another_replica_keeps_the_lesson_alive_until_it_goes_silent(
    replicas: Replicas,
) -> None:
    with replicas("a", "b", lesson_teacher_grace_s=3) as servers, clients(servers) as c:
        run = start_lesson(c["a"], scenario="eof")
        with join(c["b"], run, run["control_token"]) as teacher:
            for _ in range(6):  # twice the grace, heard on B only
                teacher.send({"op": "heartbeat"})
                time.sleep(1)
            assert c["a"].run(run["id"])["status"] != "ended"
            started = time.monotonic()
            end = teacher.event(lambda e: e["type"] == "run.end")  # silent from now on
        assert end["reason"] == "teacher-left" and time.monotonic() - started < WAIT_S


def test_a_pasted_program_on_a_shows_its_source_on_b_and_on_a_replica_started_later(
    replicas: Replicas,
) -> None:
    """B's mirror of a pasted run shows the student's source, and stores it as A does (the
    store takes the run from both): a replica started later, reading the run from the
    shared store, shows it too."""
    source = program("replicas")
    with replicas("a", "b") as servers, clients(servers) as c:
        run = c["a"].start(c_source=source, mode="step")
        assert shown(c["b"], run["id"])["source"] == source  # a mirror of a live run
        assert c["b"].control(run, "play").status_code == 202  # B's viewer, A's run
        assert c["a"].wait_ended(run["id"])["end"]["reason"] == "exited"
        c["b"].wait_ended(run["id"])
        assert shown(c["b"], run["id"])["source"] == source
        deadline = time.monotonic() + WAIT_S
        with replicas("c") as later, clients(later) as lc:
            while (found := lc["c"].http.get(f"/api/runs/{run['id']}")).status_code != 200:
                assert time.monotonic() < deadline, found.text
                time.sleep(0.2)
            the_students(lc["c"], run["id"], source)


def test_a_run_whose_last_viewer_on_another_replica_leaves_ends_after_the_grace(
    replicas: Replicas,
) -> None:
    with replicas("a", "b", viewer_grace_s=1) as servers, clients(servers) as c:
        run = c["a"].start(scenario="eof", mode="step")  # it waits on a person: 300 s
        with c["b"].watch(run, auth=False) as viewer:
            viewer.until(lambda e: e["seq"] >= 1)
            time.sleep(3)  # watched on B only: A does not take it for alone
            assert c["a"].run(run["id"])["status"] != "ended"
        left = time.monotonic()
        ended = c["a"].wait_ended(run["id"])
        assert ended["end"]["reason"] == "viewer-left" and time.monotonic() - left < 10


def test_a_lessons_viewer_limit_counts_its_class_on_every_replica(replicas: Replicas) -> None:
    with replicas("a", "b", max_viewers_per_lesson=2) as servers, clients(servers) as c:
        run = start_lesson(c["a"], scenario="eof")
        with join(c["a"], run) as here, join(c["b"], run) as there:
            for seen in (here, there):
                seen.event(lambda e: e["seq"] == 0)
            end = time.monotonic() + WAIT_S
            while True:  # once each replica has said its class (once a second)
                with join(c["b"], run) as extra:
                    first = extra.until(lambda m: True)
                if "error" in first:
                    break
                assert time.monotonic() < end, "B never counted A's watcher"
                time.sleep(0.5)
        assert first["message_key"] == "limit.viewers_lesson"
        assert first["message_values"] == {"most": 2}
