"""Each slot's bytes and writers: what a write put in each page, what a read left there."""

from __future__ import annotations

from app.kernel.ring import RingModel
from app.runner.escape import written


def slot(model: RingModel, i: int) -> dict[str, object]:
    got = model.to_json()["slots"][i]
    assert got is not None, f"slot {i} is free"
    return dict(got)


def test_a_short_write_shows_its_bytes_and_writer_and_a_read_moves_the_preview_on() -> None:
    model = RingModel()
    model.write(11, source=written(100, "hello pipe\\n"))
    assert slot(model, 0)["preview"] == "hello pipe\\n"
    assert slot(model, 0)["writers"] == [{"pid": 100, "len": 11}]
    model.read(6)
    assert slot(model, 0)["preview"] == "pipe\\n"
    assert slot(model, 0)["writers"] == [{"pid": 100, "len": 5}]


def test_a_merged_write_from_another_process_is_a_second_writer_of_the_page() -> None:
    model = RingModel()
    model.write(100, source=written(1, None, [("a", 100)]))
    model.write(50, source=written(2, None, [("b", 50)]))  # merges: fits behind the 100
    assert model.head == 1
    assert slot(model, 0)["writers"] == [{"pid": 1, "len": 100}, {"pid": 2, "len": 50}]
    assert slot(model, 0)["preview"] == "a" * 16
    model.read(95)
    assert slot(model, 0)["preview"] == "aaaaabbbbbbbbbbb"


def test_a_page_past_the_known_bytes_has_its_writer_but_no_preview() -> None:
    model = RingModel()
    model.write(5000, source=written(7, "x" * 64))  # strace printed only the first 64 bytes
    assert slot(model, 0)["preview"] == "x" * 16
    assert slot(model, 1)["preview"] is None
    assert slot(model, 1)["writers"] == [{"pid": 7, "len": 904}]
    model.read(4090)  # six known bytes left in page 0, then unknown ones
    assert slot(model, 0)["preview"] is None  # byte 4090 of the write is past the 64 known


def test_a_woken_write_goes_on_with_its_own_later_bytes() -> None:
    model = RingModel()
    source = written(3, None, [("A", 4096), ("B", 4096)])
    model.write(4096, source=source)
    model.write(4096, resumed=True, source=source, start=4096)
    assert [slot(model, i)["preview"] for i in (0, 1)] == ["A" * 16, "B" * 16]


def test_unseen_bytes_have_no_writer_and_no_preview() -> None:
    model = RingModel()
    model.reconcile(300)
    assert slot(model, 0)["writers"] == [{"pid": None, "len": 300}]
    assert slot(model, 0)["preview"] is None


def test_bytes_that_are_not_text_are_escaped() -> None:
    model = RingModel()
    model.write(4, source=written(1, "\\x00\\t\\xff\\\\"))
    assert slot(model, 0)["preview"] == "\\0\\t\\xff\\\\"
