"""Lessons: a teacher drives a step-mode run, a class follows it over real WebSockets."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest
from lesson_client import join, start_lesson, teach, waiting
from service_client import Client
from websockets.exceptions import ConnectionClosed

CLASS = 20


def test_a_class_gets_every_event_in_order_and_every_position_of_its_teacher(
    api: Client,
) -> None:
    run = start_lesson(api)
    token = run["control_token"]
    assert (run["mode"], run["limits"]["wall_s"]) == ("step", 3600)
    assert run["links"]["control_url"] == f"/runs/{run['id']}#control={token}"
    assert run["links"]["watch_url"] == f"/runs/{run['id']}?follow=1"
    with join(api, run, token) as teacher, contextlib.ExitStack() as stack:
        assert teacher.until(lambda m: m.get("lesson") == "audience")["watching"] == 0
        watchers = [stack.enter_context(join(api, run)) for _ in range(CLASS)]
        for watcher in watchers:
            watcher.event(lambda e: e["seq"] == 0)  # it is in the class
        audience = teacher.audience()
        assert (audience["watching"], audience["following"], audience["teachers"]) == (
            CLASS,
            CLASS,
            1,
        )
        reported = teach(teacher, watchers)
        for watcher in watchers:
            # Its run.end may have come before the teacher's last position did.
            watcher.newest(lambda e: e["type"] == "run.end")
    events = api.events(run["id"])
    assert events[-1]["reason"] == "exited" and len(reported) > 5
    for watcher in watchers:
        assert [e["seq"] for e in watcher.events] == list(range(len(events)))
        assert watcher.events == events  # no gap, no duplicate, nothing out of order
        assert [n["seq"] for n in watcher.notes] == reported
        assert not watcher.errors


def test_a_watcher_that_detaches_and_rejoins_lands_on_the_teachers_position(
    api: Client,
) -> None:
    run = start_lesson(api, scenario="eof")
    with join(api, run, run["control_token"]) as teacher, join(api, run) as watcher:
        first = teacher.newest(lambda e: bool(waiting(e)))["seq"]
        teacher.send({"op": "position", "seq": first})
        assert watcher.position() == first
        # Rejoining is told where the teacher is, even when the teacher has not moved since.
        watcher.send({"op": "follow", "following": False})
        watcher.send({"op": "follow", "following": True})
        assert watcher.position() == first

        watcher.send({"op": "follow", "following": False})
        watcher.settled()
        audience = teacher.audience()
        assert (audience["watching"], audience["following"]) == (1, 0)
        reported = []
        for _ in range(2):  # the teacher moves on while the watcher browses on its own
            teacher.send({"op": "step"})
            last = teacher.event(lambda e: bool(waiting(e)))
            teacher.send({"op": "position", "seq": last["seq"]})
            reported.append(last["seq"])
        teacher.settled()

        watcher.send({"op": "follow", "following": True})
        assert watcher.position() == reported[-1]
        # Detached, it was sent no position: the one it rejoins at comes straight after.
        assert [n["seq"] for n in watcher.notes] == [first, first, reported[-1]]
        assert watcher.events[-1]["seq"] >= reported[-1]  # it has the event it lands on

        # A watcher that joins now lands there too, once it has that event.
        with join(api, run) as late:
            assert late.position() == reported[-1]
            assert [e["seq"] for e in late.events] == list(range(len(late.events)))
            assert late.events[-1]["seq"] >= reported[-1]


def test_a_watch_link_can_neither_control_nor_report_nor_hand_on(api: Client) -> None:
    run = start_lesson(api)
    rid, token = run["id"], run["control_token"]
    with join(api, run, token) as teacher, join(api, run) as watcher:
        still = teacher.newest(lambda e: bool(waiting(e)))  # nothing moves until a step
        teacher.send({"op": "position", "seq": still["seq"]})
        assert watcher.position() == still["seq"]
        before = api.events(rid)

        calls = [("post", f"/api/runs/{rid}/{op}") for op in ("step", "play", "pause", "hand-on")]
        calls.append(("delete", f"/api/runs/{rid}"))
        for method, path in calls:
            no_token = api.http.request(method, path, json={})
            assert no_token.status_code == 401, (path, no_token.text)
            assert no_token.json()["field"] == "Authorization"
            wrong = api.http.request(method, path, json={}, headers={"authorization": "Bearer x"})
            assert wrong.status_code == 403, (path, wrong.text)

        for message in (
            {"op": "step"},
            {"op": "play", "interval_ms": 0},
            {"op": "pause"},
            {"op": "kill"},
            {"op": "position", "seq": 0},
            {"op": "heartbeat"},
            {"op": "auth", "token": "not-the-token"},
        ):
            watcher.send(message)
            error = watcher.error()
            assert error["field"] == "token", (message, error)
        watcher.settled()
        teacher.settled()

        assert api.events(rid) == before  # not a step, not a kill
        info = api.run(rid)
        assert info["status"] == "running"
        assert info["lesson"]["position"] == still["seq"]  # and the class was not moved
        assert [n["seq"] for n in watcher.notes] == [still["seq"]]
        assert api.control(run, "step").status_code == 202  # the teacher still may


def test_handing_on_makes_a_new_control_link_and_the_old_token_stops_working(
    api: Client,
) -> None:
    run = start_lesson(api)
    rid, old = run["id"], run["control_token"]
    with join(api, run, old) as teacher:
        teacher.until(lambda m: m.get("lesson") == "audience")
        bearer = {"authorization": f"Bearer {old}"}
        handed = api.http.post(f"/api/runs/{rid}/hand-on", json={}, headers=bearer)
        assert handed.status_code == 200, handed.text
        new = handed.json()["control_token"]
        assert new != old
        assert handed.json()["control_url"] == f"/runs/{rid}#control={new}"

        assert api.control(run, "step").status_code == 403
        again = api.http.post(f"/api/runs/{rid}/hand-on", json={}, headers=bearer)
        assert again.status_code == 403
        for message in ({"op": "step"}, {"op": "heartbeat"}, {"op": "position", "seq": 0}):
            teacher.send(message)  # the socket that proved the old token, still open
            assert teacher.error()["field"] == "token"

        with join(api, run, new) as colleague:
            audience = colleague.until(lambda m: m.get("lesson") == "audience")
            assert (audience["teachers"], audience["watching"]) == (1, 1)
            assert api.control({**run, "control_token": new}, "step").status_code == 202


def test_a_lesson_outlives_the_step_mode_limit_only_by_its_own(start_server: Any) -> None:
    with start_server(step_wall_s=1, lesson_wall_s=4, viewer_grace_s=0.2) as srv:
        client = Client(srv.url)
        run = start_lesson(client)
        step_run = client.start(scenario="hello-pipe", mode="step")
        assert (run["limits"]["wall_s"], step_run["limits"]["wall_s"]) == (4, 1)
        assert client.wait_ended(step_run["id"])["end"]["reason"] == "timeout"
        # Past the step-mode limit, and with no viewer for longer than their grace:
        assert client.run(run["id"])["status"] == "running"
        with join(client, run, run["control_token"]) as teacher:
            end = teacher.event(lambda e: e["type"] == "run.end")
        assert (end["reason"], end["message_key"]) == ("timeout", "end.time_limit")
        assert end["message_values"] == {"seconds": 4}
        client.http.close()


def test_a_lesson_whose_teacher_is_silent_past_the_grace_ends(start_server: Any) -> None:
    with start_server(lesson_teacher_grace_s=2) as srv:
        client = Client(srv.url)
        run = start_lesson(client)
        with join(client, run) as watcher:
            with join(client, run, run["control_token"]) as teacher:
                told = teacher.until(lambda m: m.get("lesson") == "audience")
                assert told["heartbeat_s"] == 0.5  # a quarter of the grace
                for _ in range(8):  # twice the grace, heard from all along
                    teacher.audience()
                    time.sleep(told["heartbeat_s"])
                assert client.run(run["id"])["status"] == "running"
            end = watcher.event(lambda e: e["type"] == "run.end")
        assert (end["reason"], end["message_key"]) == ("teacher-left", "end.teacher_left")
        assert end["message_values"] == {"seconds": 2}
        assert "teacher" in end["message"]
        client.http.close()


def test_viewers_past_a_runs_a_lessons_or_the_servers_limit_are_told(
    start_server: Any,
) -> None:
    with start_server(max_viewers_per_run=1, max_viewers_per_lesson=2, max_viewers=4) as srv:
        client = Client(srv.url)
        plain, lesson = client.start(scenario="eof", mode="step"), start_lesson(client)

        def refused(run: dict[str, Any]) -> dict[str, Any]:
            with join(client, run) as extra:
                error = extra.error()
                with pytest.raises(ConnectionClosed) as closed:
                    extra.viewer.ws.recv(timeout=10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4429
            return error

        with contextlib.ExitStack() as stack:
            stack.enter_context(join(client, plain)).event(lambda e: e["seq"] == 0)
            assert refused(plain)["message_key"] == "limit.viewers_run"
            for _ in range(2):
                stack.enter_context(join(client, lesson)).event(lambda e: e["seq"] == 0)
            error = refused(lesson)
            assert (error["message_key"], error["message_values"]) == (
                "limit.viewers_lesson",
                {"most": 2},
            )
            other = stack.enter_context(join(client, start_lesson(client, scenario="eof")))
            other.event(lambda e: e["seq"] == 0)  # the server's fourth viewer
            error = refused(start_lesson(client, scenario="sigpipe"))
            assert error["message_key"] == "limit.viewers_server"
            assert "PIPESCOPE_MAX_VIEWERS" in error["error"]
        client.http.close()


def test_a_lessons_watch_link_as_a_qr_code_and_what_is_no_lesson(api: Client) -> None:
    run = start_lesson(api)
    qr = api.http.get(f"/api/runs/{run['id']}/watch.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.text.startswith("<svg") and "viewBox" in qr.text
    assert qr.headers["x-watch-url"] == api.url + run["links"]["watch_url"]
    assert run["control_token"] not in qr.text

    plain = api.start(scenario="hello-pipe", mode="step")
    assert plain["links"] is None and api.run(plain["id"])["lesson"] is None
    assert api.http.get(f"/api/runs/{plain['id']}/watch.svg").status_code == 409
    with join(api, plain) as viewer:
        viewer.send({"op": "follow", "following": False})
        assert viewer.error()["field"] == "op"
    live = api.http.post("/api/runs", json={"scenario": "eof", "lesson": True, "mode": "live"})
    assert live.status_code == 422 and live.json()["field"] == "lesson"
