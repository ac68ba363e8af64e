"""Program steps for Unix domain sockets: socketpair, socket, bind, listen, accept, connect,
send and recv, sendmsg and recvmsg with SCM_RIGHTS, shutdown.

A socket pair named `sv` gives `sv[0]` and `sv[1]`, as C's `int sv[2]`; `socket`, `accept`
and `recvmsg` name the one fd they make (`srv`, `conn`, `got`). Sockets are bound to a path
in the run's directory only: an abstract name would be the machine's where a run has no
network namespace of its own (a container), and Landlock scopes abstract sockets to the run
anyway.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from app.scenarios.program import MAX_REPEAT, MAX_WRITE, FdRef, _Step

NAME = r"^[a-z_][a-z0-9_]{0,15}$"
# A file name in the run's directory: no slash, so no path can leave it.
SOCKET_PATH = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$"
SocketType = Literal["stream", "datagram", "seqpacket"]
SendFlag = Literal["MSG_DONTWAIT", "MSG_NOSIGNAL"]
RecvFlag = Literal["MSG_DONTWAIT", "MSG_PEEK", "MSG_WAITALL", "MSG_TRUNC"]


class SocketpairStep(_Step):
    op: Literal["socketpair"]
    name: str = Field(pattern=NAME, examples=["sv"], description="names the fds sv[0], sv[1]")
    type: SocketType = "stream"


class SocketStep(_Step):
    op: Literal["socket"]
    name: str = Field(pattern=NAME, examples=["srv"], description="names the new fd")
    type: SocketType = "stream"


class BindStep(_Step):
    op: Literal["bind"]
    fd: FdRef
    path: str = Field(
        pattern=SOCKET_PATH, examples=["server.sock"], description="in the run's directory"
    )


class ListenStep(_Step):
    op: Literal["listen"]
    fd: FdRef
    backlog: int = Field(default=5, ge=0, le=128)


class AcceptStep(_Step):
    op: Literal["accept"]
    fd: FdRef
    name: str = Field(pattern=NAME, examples=["conn"], description="names the accepted fd")


class ConnectStep(_Step):
    op: Literal["connect"]
    fd: FdRef
    path: str = Field(pattern=SOCKET_PATH, examples=["server.sock"])


class SendStep(_Step):
    op: Literal["send"]
    fd: FdRef
    data: str | None = Field(default=None, max_length=4096)
    size: int | None = Field(default=None, ge=1, le=MAX_WRITE)
    fill: str = Field(default="x", min_length=1, max_length=1)
    repeat: int = Field(default=1, ge=1, le=MAX_REPEAT)
    until_error: bool = Field(default=False, description="stop repeating at the first -1")
    flags: list[SendFlag] = Field(default_factory=list, max_length=2)

    @model_validator(mode="after")
    def _one_source(self) -> SendStep:
        if (self.data is None) == (self.size is None):
            raise ValueError("a send needs exactly one of data or size")
        return self


class RecvStep(_Step):
    op: Literal["recv"]
    fd: FdRef
    count: int = Field(default=1024, ge=1, le=MAX_WRITE)
    repeat: int = Field(default=1, ge=1, le=MAX_REPEAT)
    until_eof: bool = Field(default=False, description="loop until recv returns 0 or fails")
    until_error: bool = Field(default=False, description="stop repeating at the first -1")
    flags: list[RecvFlag] = Field(default_factory=list, max_length=4)


class SendmsgStep(_Step):
    op: Literal["sendmsg"]
    fd: FdRef
    data: str = Field(default="x", min_length=1, max_length=4096)
    rights: list[FdRef] = Field(
        default_factory=list, max_length=8, description="fds passed with SCM_RIGHTS"
    )


class RecvmsgStep(_Step):
    op: Literal["recvmsg"]
    fd: FdRef
    count: int = Field(default=1024, ge=1, le=MAX_WRITE)
    name: str | None = Field(
        default=None, pattern=NAME, description="names the first fd received (SCM_RIGHTS)"
    )


class ShutdownStep(_Step):
    op: Literal["shutdown"]
    fd: FdRef
    how: Literal["read", "write", "both"] = "write"
