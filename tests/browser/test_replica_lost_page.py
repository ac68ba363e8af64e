"""A class past one machine, in the browser: a teacher's lesson runs on replica A, a student
watches it from replica B (their Redis between them); A dies, and the student's page says
so, in its language, and keeps the recorded part to browse."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from redis_server import new_redis
from runpage import go_to, log_line, shown_seq, wait_for_end
from service_client import Server, serve

DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def two_replicas(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    redis = new_redis()
    url = redis.url()
    for name in "ab":
        (tmp_path / name).mkdir()
    try:
        with (
            serve(tmp_path / "a", replica_name="a", broker_url=url) as a,
            serve(tmp_path / "b", replica_name="b", broker_url=url) as b,
        ):
            yield a, b
    finally:
        redis.stop()


def test_a_student_on_another_replica_is_told_when_the_lessons_replica_is_lost(
    browser: Browser, two_replicas: tuple[Server, Server]
) -> None:
    a, b = two_replicas
    errors: list[str] = []
    teacher = browser.new_context(viewport=DESKTOP, base_url=a.url).new_page()
    student = browser.new_context(viewport=DESKTOP, base_url=b.url).new_page()
    for page in (teacher, student):
        page.on("pageerror", lambda error: errors.append(str(error)))
    teacher.goto("/run/hello-pipe")
    teacher.get_by_test_id("run-lesson").click()
    expect(teacher.get_by_test_id("watch-link")).to_contain_text("follow=1")
    watch = teacher.get_by_test_id("watch-link").get_attribute("href") or ""
    student.goto("/runs/" + watch.split("/runs/")[1])  # the same link, on the other replica
    expect(student.get_by_test_id("lesson-watcher")).to_be_visible()
    expect(teacher.get_by_test_id("lesson-audience")).to_have_text("1 watching, 1 following you")
    teacher.get_by_test_id("step-any").click()
    expect(student.get_by_test_id("stage")).not_to_have_attribute("data-seq", "-1")

    os.kill(a.pid, signal.SIGKILL)
    wait_for_end(student)
    end = log_line(student, "run.end")
    expect(end).to_contain_text("replica-lost")
    go_to(student, end)
    caption = student.get_by_test_id("caption")
    expect(caption).to_contain_text("the server replica running it was lost")
    expect(caption).to_contain_text("the server replica that ran it (a) stopped answering 5 s")
    student.get_by_test_id("lang-zh").click()
    expect(caption).to_contain_text("运行它的服务器副本失联了")
    expect(caption).to_contain_text("运行它的服务器副本（a）已有 5 秒没有响应")
    # What was recorded stays to browse: the first event is there to go back to.
    student.keyboard.press("Home")
    expect(student.get_by_test_id("stage")).to_have_attribute("data-seq", "0")
    assert shown_seq(student) == 0
    student.context.close()
    teacher.context.close()
    assert not errors, errors
