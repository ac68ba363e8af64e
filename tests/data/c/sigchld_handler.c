/* A SIGCHLD handler reaps the child. SIGCHLD is blocked until ppoll(2) unblocks it and waits
   in one step, so the handler always runs inside the ppoll, which returns -1 EINTR. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void reap(int sig) {
    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
}

int main(void) {
    int fds[2];
    sigset_t chld, none;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = reap;                      /* no SA_RESTART */
    sigaction(SIGCHLD, &sa, NULL);
    sigemptyset(&chld); sigaddset(&chld, SIGCHLD); sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    pipe(fds);
    if (fork() == 0)
        _exit(3);
    struct pollfd p = {fds[0], POLLIN, 0};     /* we hold the write end: only a signal wakes it */
    int n = ppoll(&p, 1, NULL, &none);
    return n == -1 ? 0 : 1;
}
