"""A pasted C program attacks its boundary: the server's files, the network, a shell, more
processes than a run may have, more memory than a process may take. The program's text
is not what stops it: the sandbox is (docs/security.md). It aims only at what is its own:
no pid but its own children is ever signalled, and its fork loop is capped."""

from __future__ import annotations

import uuid
from pathlib import Path

from service_client import Client
from terminal import terminal_text

SERVER_FILE = Path(__file__).resolve()  # a file of the server's checkout
ATTACK = r"""#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

static void try_open(const char *path) {
    int fd = open(path, O_RDONLY);
    printf("open %s: %s\n", path, fd >= 0 ? "OPENED" : strerror(errno));
}

int main(void) {
    try_open("/etc/shadow");
    try_open("/root/.bashrc");
    try_open("SERVER_FILE");
    int fd = open("/usr/escape", O_WRONLY | O_CREAT, 0644);
    printf("write /usr: %s\n", fd >= 0 ? "WRITTEN" : strerror(errno));
    int s = socket(AF_INET, SOCK_STREAM, 0);
    printf("inet socket: %s\n", s >= 0 ? "MADE" : strerror(errno));
    char *big = malloc(2000u << 20);
    printf("2000 MB: %s\n", big ? "GIVEN" : "refused");
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        execl("/bin/sh", "sh", "-c", "cat /etc/shadow SERVER_FILE >/dev/null 2>&1; echo sh: $?",
              (char *)0);
        printf("exec sh: %s\n", strerror(errno));
        _exit(1);
    }
    waitpid(child, NULL, 0);
    return 0;
}
"""
FORKS = r"""#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>

int main(void) {
    int made = 0;
    for (int i = 0; i < 64; i++) {  /* capped: never an uncapped fork bomb */
        pid_t pid = fork();
        if (pid == 0) { sleep(2); _exit(0); }
        if (pid < 0) break;
        made++;
    }
    printf("forked %d\n", made);
    while (wait(NULL) > 0) {}
    return 0;
}
"""


def source(text: str) -> str:
    return text.replace("SERVER_FILE", str(SERVER_FILE)) + f"/* {uuid.uuid4().hex} */\n"


def test_a_pasted_program_reaches_nothing_outside_its_run(api: Client) -> None:
    run = api.start(c_source=source(ATTACK))
    api.wait_ended(run["id"])
    events = api.events(run["id"])
    said = terminal_text(events)
    assert events[-1]["reason"] == "exited", (events[-1], said)
    for path in ("/etc/shadow", "/root/.bashrc", str(SERVER_FILE)):
        assert f"open {path}: " in said and f"open {path}: OPENED" not in said, said
    assert "write /usr: " in said and "WRITTEN" not in said
    assert "inet socket: " in said and "MADE" not in said
    assert "2000 MB: refused" in said
    # /bin/sh is in /usr, which the run may read and exec; inside, it is as boxed in as the
    # program: it reads neither file (cat fails: status 1).
    assert "sh: 1" in said, said


def test_a_pasted_program_gets_no_more_processes_than_a_run(api: Client) -> None:
    run = api.start(c_source=source(FORKS))
    api.wait_ended(run["id"])
    events = api.events(run["id"])
    most = int(events[0]["limits"]["max_procs"])
    procs = {e["pid"] for e in events if e["type"] == "proc.start"}
    assert len(procs) <= most + 1, len(procs)
    said = terminal_text(events)
    if events[-1]["reason"] == "exited":
        assert int(said.split("forked ")[1].split()[0]) < most, said
    else:
        assert events[-1]["reason"] == "limit", events[-1]
