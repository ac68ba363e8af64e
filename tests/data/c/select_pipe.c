/* select(2) on a pipe: first with nothing to read (it times out), then after a child wrote. */
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int fds[2], ack[2];
    char buf[16], c;
    pipe(fds); pipe(ack);
    if (fork() == 0) {
        read(ack[0], &c, 1);        /* wait until the parent's first select is over */
        write(fds[1], "ready", 5);
        _exit(0);
    }
    close(fds[1]); close(ack[0]);
    fd_set set;
    struct timeval tv = {0, 100000};
    FD_ZERO(&set); FD_SET(fds[0], &set);
    select(fds[0] + 1, &set, NULL, NULL, &tv);    /* 0: timed out */
    write(ack[1], "g", 1);
    FD_ZERO(&set); FD_SET(fds[0], &set);
    select(fds[0] + 1, &set, NULL, NULL, NULL);   /* 1: the pipe is readable */
    read(fds[0], buf, sizeof buf);
    wait(NULL);
    return 0;
}
