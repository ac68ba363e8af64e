/* epoll(7): a set of fds the kernel watches; epoll_wait sleeps until the child writes. */
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int fds[2];
    char buf[16];
    pipe(fds);
    if (fork() == 0) {
        close(fds[0]);
        usleep(20000);
        write(fds[1], "epoll", 5);
        _exit(0);
    }
    close(fds[1]);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fds[0]};
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev);
    struct epoll_event got;
    epoll_wait(ep, &got, 1, 5000);
    read(fds[0], buf, sizeof buf);
    wait(NULL);
    return 0;
}
