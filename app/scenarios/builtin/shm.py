"""Shared memory: one page for two processes, or a copy of it each; a race and its lock."""

from __future__ import annotations

from typing import Any

from app.scenarios.catalog import Param, Scenario, register
from app.scenarios.source import c_source, locator

COW = c_source("fork_cow_vs_shared")


def _cow(_: dict[str, Any]) -> dict[str, Any]:
    at = locator(COW)
    return {
        "procs": {
            "parent": [
                {"op": "mmap", "name": "shared", "line": at("char *shared = mmap(")},
                {"op": "mmap", "name": "private", "share": "private", "line": at("char *private")},
                {"op": "store", "map": "shared", "data": "P", "line": at("shared[0] = 'P';")},
                {"op": "store", "map": "private", "data": "P", "line": at("private[0] = 'P';")},
                {"op": "fork", "child": "child", "line": at("fork()")},
                {"op": "wait", "child": "child", "line": at("wait(NULL);")},
                {"op": "load", "map": "shared", "length": 1, "line": at("a = shared[0];", 2)},
                {"op": "load", "map": "private", "length": 1, "line": at("b = private[0];", 2)},
                {"op": "munmap", "map": "shared", "line": at("munmap(shared")},
                {"op": "munmap", "map": "private", "line": at("munmap(private")},
                {"op": "exit", "line": at("return a == 'C'")},
            ],
            "child": [
                {"op": "load", "map": "shared", "length": 1, "line": at("a = shared[0];", 1)},
                {"op": "load", "map": "private", "length": 1, "line": at("b = private[0];", 1)},
                {"op": "store", "map": "shared", "data": "C", "line": at("shared[0] = 'C';")},
                {"op": "store", "map": "private", "data": "C", "line": at("private[0] = 'C';")},
                {"op": "exit", "line": at("return 0;", 1)},
            ],
        }
    }


register(
    Scenario(
        name="fork-cow-vs-shared",
        order=40,
        chapter="shm",
        title={
            "en": "After fork: a shared page, and a private page that splits",
            "zh": "fork 之后：共享的页，和会分裂的私有页",
        },
        summary={
            "en": "After fork a MAP_SHARED page is one page for both processes; a MAP_PRIVATE page is shared only until one of them writes, then the kernel copies it (copy on write).",
            "zh": "fork 之后，MAP_SHARED 的页是两个进程共用的同一页；MAP_PRIVATE 的页只在没人写的时候共用，一旦有进程写入，内核就复制一份（写时复制）。",
        },
        notice={
            "en": "Right after the fork the private page is still one page: the same frame in both processes (pagemap), mapped twice. The child's store to the shared page lands where the parent's load later finds it: 'C'. Its store to the private page splits it: now each process has a frame of its own, and the parent still loads 'P'.",
            "zh": "刚 fork 完，私有页仍是同一页：两个进程里是同一个物理页框（pagemap），被映射了两次。子进程对共享页的写入落在父进程随后读取的地方：读到 'C'。子进程对私有页的写入让它分裂：此后两个进程各有自己的页框，父进程读到的仍是 'P'。",
        },
        source=COW,
        build=_cow,
    )
)

LOST = c_source("shm_lost_update")


def _lost(p: dict[str, Any]) -> dict[str, Any]:
    at = locator(LOST)
    locked = p["lock"]

    def add_one(role: int) -> list[dict[str, Any]]:
        nth = 1 if role == 1 else 2
        steps: list[dict[str, Any]] = [
            {"op": "load", "map": "s", "length": 4, "line": at("v = s->counter;", nth)},
            {
                "op": "store",
                "map": "s",
                "length": 4,
                "from_load": True,
                "add": 1,
                "line": at("s->counter = v + 1;", nth),
            },
        ]
        if locked:
            wait = {"op": "sem_wait", "map": "s", "offset": 8, "line": at("sem_wait(", nth)}
            post = {"op": "sem_post", "map": "s", "offset": 8, "line": at("sem_post(", nth)}
            steps = [wait, *steps, post]
        return steps

    parent: list[dict[str, Any]] = [{"op": "mmap", "name": "s", "line": at("mmap(")}]
    if locked:
        init = {"op": "sem_init", "map": "s", "offset": 8, "value": 1, "line": at("sem_init(")}
        parent.append(init)
    parent += [
        {"op": "fork", "child": "child", "line": at("fork()")},
        *add_one(2),
        {"op": "wait", "child": "child", "line": at("wait(NULL);")},
        {"op": "load", "map": "s", "length": 4, "line": at("v = s->counter;", 3)},
        {"op": "munmap", "map": "s", "line": at("munmap(")},
        {"op": "exit", "line": at("return 0;", 2)},
    ]
    child = [*add_one(1), {"op": "exit", "line": at("return 0;", 1)}]
    return {"procs": {"parent": parent, "child": child}}


register(
    Scenario(
        name="shm-lost-update",
        order=41,
        chapter="shm",
        title={
            "en": "Two processes add one to a shared counter: an update is lost",
            "zh": "两个进程给共享计数器各加一：丢了一次更新",
        },
        summary={
            "en": "Adding one is a load and a store; when both processes load before either stores, one update is lost. A semaphore in the shared page makes the load and store one step.",
            "zh": "加一是一次读取和一次写入；两个进程都先读再写时，就会丢失一次更新。把信号量放进共享页里，读和写就成了不可分割的一步。",
        },
        notice={
            "en": "Without the lock, both processes load 0 and both store 1: the parent's last load finds 1, not 2. In step mode choose the order yourself: step the parent's load and store before the child's load, and nothing is lost. Turn the lock on: the second sem_wait sleeps in the kernel (futex, on the semaphore's address in the page) until the first process posts, and the counter ends at 2 whatever order you choose.",
            "zh": "不加锁时，两个进程都读到 0，都写入 1：父进程最后读到的是 1，而不是 2。在单步模式里可以自己决定顺序：让父进程的读和写都在子进程读取之前完成，就不会丢失。打开锁：第二个 sem_wait 在内核里睡眠（futex，等在共享页中信号量的地址上），直到第一个进程调用 sem_post；无论你选什么顺序，计数器最后都是 2。",
        },
        source=LOST,
        build=_lost,
        params=(Param("lock", bool, False, {"en": "lock with a semaphore", "zh": "用信号量加锁"}),),
    )
)
