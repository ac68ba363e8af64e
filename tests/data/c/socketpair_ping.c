/* A Unix socket pair: both ends read and write, unlike a pipe. */
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int sv[2];
    char buf[16];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    if (fork() == 0) {
        close(sv[0]);
        read(sv[1], buf, sizeof buf);
        write(sv[1], "pong", 4);
        _exit(0);
    }
    close(sv[1]);
    write(sv[0], "ping", 4);
    ssize_t n = read(sv[0], buf, sizeof buf);
    write(STDOUT_FILENO, buf, n);
    wait(NULL);
    return 0;
}
