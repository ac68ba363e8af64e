"""Unix domain sockets: byte streams against messages, a full queue, a file passed over a
socket (SCM_RIGHTS), and a listener's backlog."""

from __future__ import annotations

from typing import Any

from app.scenarios.catalog import Param, Scenario, register
from app.scenarios.source import c_source, locator

PAIR = c_source("stream_vs_datagram")
FULL = c_source("socket_full")
PASS = c_source("pass_an_fd")
LISTEN = c_source("listen_accept")


def _pair(p: dict[str, Any]) -> dict[str, Any]:
    at = locator(PAIR)
    sends = [("first\n", '"first'), ("second\n", '"second'), ("third\n", '"third')]
    return {
        "procs": {
            "parent": [
                {"op": "socketpair", "name": "sv", "type": p["type"], "line": at("socketpair(")},
                {"op": "fork", "child": "child", "line": at("fork()")},
                {"op": "close", "fd": "sv[1]", "line": at("close(sv[1]);")},
                *({"op": "send", "fd": "sv[0]", "data": d, "line": at(s)} for d, s in sends),
                {"op": "close", "fd": "sv[0]", "line": at("close(sv[0]);")},
                {"op": "wait", "child": "child", "line": at("wait(NULL);")},
                {"op": "exit", "line": at("return 0;")},
            ],
            "child": [
                {"op": "close", "fd": "sv[0]", "line": at("close(sv[0]);", 2)},
                {"op": "sleep", "ms": 100, "line": at("usleep(")},
                {"op": "recv", "fd": "sv[1]", "count": 1024, "repeat": 3, "line": at("recv(")},
                {"op": "close", "fd": "sv[1]", "line": at("close(sv[1]);", 2)},
                {"op": "exit", "line": at("return 0;")},
            ],
        }
    }


register(
    Scenario(
        name="stream-vs-datagram",
        order=60,
        chapter="socket",
        title={"en": "A stream or messages", "zh": "字节流还是消息"},
        summary={
            "en": "Three sends: one recv takes all three from a stream socket, a datagram socket gives one message per recv.",
            "zh": "三次 send：流式套接字一次 recv 就取走全部三段，数据报套接字每次 recv 只给一条消息。",
        },
        notice={
            "en": "Watch the receiving socket's queue before the first recv. On SOCK_STREAM it holds 19 bytes with no boundaries, and the first recv returns all of them; the next two return 0, the end of the stream. On SOCK_DGRAM or SOCK_SEQPACKET the kernel keeps three messages of 6, 7 and 6 bytes, and each recv takes exactly one.",
            "zh": "注意第一次 recv 之前接收端套接字的队列。SOCK_STREAM 时队列里是 19 个字节，没有边界，第一次 recv 全部取走；后两次返回 0，表示流已结束。SOCK_DGRAM 或 SOCK_SEQPACKET 时，内核保存着 6、7、6 字节的三条消息，每次 recv 恰好取走一条。",
        },
        source=PAIR,
        build=_pair,
        params=(
            Param(
                "type",
                str,
                "stream",
                {"en": "socket type", "zh": "套接字类型"},
                pattern="^(stream|datagram|seqpacket)$",
            ),
        ),
    )
)


def _full(p: dict[str, Any]) -> dict[str, Any]:
    at = locator(FULL)
    sends = -(-p["total"] // p["chunk"])
    return {
        "procs": {
            "sender": [
                {"op": "socketpair", "name": "sv", "line": at("socketpair(")},
                {"op": "fork", "child": "receiver", "line": at("fork()")},
                {"op": "close", "fd": "sv[1]", "line": at("close(sv[1]);")},
                {
                    "op": "send",
                    "fd": "sv[0]",
                    "size": p["chunk"],
                    "repeat": sends,
                    "until_error": True,
                    "line": at("if (send("),
                },
                {"op": "close", "fd": "sv[0]", "line": at("close(sv[0]);")},
                {"op": "wait", "child": "receiver", "line": at("wait(NULL);")},
                {"op": "exit", "line": at("return 0;")},
            ],
            "receiver": [
                {"op": "close", "fd": "sv[0]", "line": at("close(sv[0]);", 2)},
                {"op": "sleep", "ms": p["reader_delay_ms"], "line": at("usleep(")},
                {
                    "op": "recv",
                    "fd": "sv[1]",
                    "count": 4096,
                    "until_eof": True,
                    "line": at("recv("),
                },
                {"op": "close", "fd": "sv[1]", "line": at("close(sv[1]);", 2)},
                {"op": "exit", "line": at("return 0;")},
            ],
        }
    }


register(
    Scenario(
        name="socket-full",
        order=61,
        chapter="socket",
        title={"en": "A full socket blocks the sender", "zh": "套接字满了，发送端阻塞"},
        summary={
            "en": "Send more than the receiver's queue holds: send sleeps until a recv makes room.",
            "zh": "发送超过接收队列容量的数据：send 会睡眠，直到一次 recv 腾出空间。",
        },
        notice={
            "en": "The queued bytes on the receiving socket grow with each send until the sender's buffer is used up: then send blocks (wchan sock_alloc_send_pskb) with the fd and socket named. A socket has no ring of pages like a pipe: the limit is the sender's send buffer (SO_SNDBUF), charged with the kernel's overhead, so it fills at fewer bytes than it seems. Each recv frees room and the send goes on.",
            "zh": "每次 send 之后，接收端套接字排队的字节数都在增长，直到发送端的缓冲区用完：这时 send 阻塞（wchan 为 sock_alloc_send_pskb），并标出所等待的 fd 和套接字。套接字没有管道那样的页环：上限是发送端的发送缓冲区（SO_SNDBUF），其中还要计入内核自身的开销，所以装不了看上去那么多字节。每次 recv 腾出空间，send 就继续。",
        },
        source=FULL,
        build=_full,
        params=(
            Param(
                "total", int, 400000, {"en": "bytes to send", "zh": "发送的总字节数"}, 4096, 1 << 20
            ),
            # From 128, as full-buffer's chunk: the largest total in the smallest chunks
            # stays within a step's repeat limit and a run's events.
            Param(
                "chunk", int, 4096, {"en": "bytes per send", "zh": "每次 send 的字节数"}, 128, 65536
            ),
            Param(
                "reader_delay_ms",
                int,
                1000,
                {"en": "ms before the receiver starts", "zh": "接收端开始前等待的毫秒数"},
                0,
                3000,
            ),
        ),
    )
)


def _pass(_: dict[str, Any]) -> dict[str, Any]:
    at = locator(PASS)
    text = "sent through a passed fd\n"
    return {
        "procs": {
            "parent": [
                {"op": "socketpair", "name": "sv", "line": at("socketpair(")},
                {"op": "fork", "child": "child", "line": at("fork()")},
                {"op": "close", "fd": "sv[1]", "line": at("close(sv[1]);")},
                {"op": "pipe", "name": "fd", "line": at("pipe(fd);")},
                {"op": "write", "fd": "fd[1]", "data": text, "line": at("write(fd[1]")},
                {"op": "sendmsg", "fd": "sv[0]", "rights": ["fd[0]"], "line": at("send_fd(sv[0]")},
                {"op": "close", "fd": "fd[0]", "line": at("close(fd[0]);")},
                {"op": "close", "fd": "fd[1]", "line": at("close(fd[1]);")},
                {"op": "wait", "child": "child", "line": at("wait(NULL);")},
                {"op": "exit", "line": at("return 0;")},
            ],
            "child": [
                {"op": "close", "fd": "sv[0]", "line": at("close(sv[0]);")},
                {"op": "sleep", "ms": 200, "line": at("usleep(")},
                {"op": "recvmsg", "fd": "sv[1]", "name": "got", "line": at("got = recv_fd(")},
                {"op": "read", "fd": "got", "count": 1024, "line": at("n = read(got")},
                {"op": "write", "fd": 1, "from_read": True, "line": at("write(STDOUT")},
                {"op": "close", "fd": "got", "line": at("close(got);")},
                {"op": "close", "fd": "sv[1]", "line": at("close(sv[1]);", 2)},
                {"op": "exit", "line": at("return 0;")},
            ],
        }
    }


register(
    Scenario(
        name="pass-an-fd",
        order=62,
        chapter="socket",
        title={"en": "Passing an open file", "zh": "传递一个打开的文件"},
        summary={
            "en": "A pipe's read end sent over a socket (SCM_RIGHTS): for a moment no process holds it, then the receiver does.",
            "zh": "通过套接字发送管道的读端（SCM_RIGHTS）：有那么一刻，没有任何进程持有它，随后接收方拿到了它。",
        },
        notice={
            "en": "The child never inherited this pipe: the parent made it after the fork. sendmsg puts the open file itself in the socket's queue. Once the parent closes its fd[0], the read end is in no fd table at all, yet the pipe's data survives: the file is in flight, held by the kernel in the receiving socket (its fdinfo says scm_fds: 1). recvmsg gives the child a new fd to that same open file, and it reads what the parent wrote.",
            "zh": "子进程从未继承这个管道：父进程是在 fork 之后才创建它的。sendmsg 把打开的文件本身放进了套接字的队列。父进程关闭自己的 fd[0] 之后，读端不在任何进程的 fd 表里，但管道里的数据依然还在：这个文件正“在途中”，由内核保存在接收端套接字里（其 /proc/PID/fdinfo 显示 scm_fds: 1）。recvmsg 给子进程一个指向同一个打开文件的新 fd，子进程读到了父进程写入的内容。",
        },
        source=PASS,
        build=_pass,
    )
)


def _listen(_: dict[str, Any]) -> dict[str, Any]:
    at = locator(LISTEN)
    return {
        "procs": {
            "server": [
                {"op": "socket", "name": "srv", "line": at("srv = socket(")},
                {"op": "bind", "fd": "srv", "path": "server.sock", "line": at("bind(srv")},
                {"op": "listen", "fd": "srv", "backlog": 5, "line": at("listen(srv")},
                {"op": "fork", "child": "client", "line": at("fork()")},
                {"op": "sleep", "ms": 200, "line": at("usleep(")},
                {"op": "accept", "fd": "srv", "name": "conn", "line": at("conn = accept(")},
                {"op": "recv", "fd": "conn", "count": 1024, "line": at("recv(conn")},
                {"op": "close", "fd": "conn", "line": at("close(conn);")},
                {"op": "close", "fd": "srv", "line": at("close(srv);")},
                {"op": "wait", "child": "client", "line": at("wait(NULL);")},
                {"op": "exit", "line": at("return 0;")},
            ],
            "client": [
                {"op": "close", "fd": "srv", "line": at("close(srv);", 2)},
                {"op": "socket", "name": "cli", "line": at("cli = socket(")},
                {"op": "connect", "fd": "cli", "path": "server.sock", "line": at("connect(cli")},
                {"op": "send", "fd": "cli", "data": "hello, server\n", "line": at("send(cli")},
                {"op": "close", "fd": "cli", "line": at("close(cli);")},
                {"op": "exit", "line": at("return 0;")},
            ],
        }
    }


register(
    Scenario(
        name="listen-accept",
        order=63,
        chapter="socket",
        title={"en": "A listener and its backlog", "zh": "监听套接字与它的等待队列"},
        summary={
            "en": "bind, listen, and a client connects before any accept: the backlog holds the connection until accept takes it.",
            "zh": "bind、listen 之后，客户端在任何 accept 之前就连上了：等待队列保存这个连接，直到 accept 把它取走。",
        },
        notice={
            "en": "connect returns at once although the server has not called accept: the listening socket's backlog now holds one connection, and the client's socket is connected to a socket no process holds yet (its peer is not in any fd table). The client even sends and closes. accept takes the connection off the backlog and gives the server a new fd, bound to the same path, whose peer is the client's socket; recv then finds the bytes that waited.",
            "zh": "虽然服务器还没有调用 accept，connect 却立刻返回：监听套接字的等待队列里已有一个连接，客户端的套接字连到了一个还没有任何进程持有的套接字（它的对端不在任何 fd 表中）。客户端甚至发送完数据就关闭了。accept 把这个连接从等待队列中取出，给服务器一个新的 fd，它绑定在同一路径上，对端正是客户端的套接字；随后 recv 读到了一直在等待的字节。",
        },
        source=LISTEN,
        build=_listen,
    )
)
