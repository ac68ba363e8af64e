/* vmsplice(2) hands a user buffer's pages to a pipe; the child reads them as any bytes. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static char page[4096] __attribute__((aligned(4096))) = "spliced from memory\n";

int main(void) {
    int fds[2];
    char buf[64];
    pipe(fds);
    if (fork() == 0) {
        close(fds[1]);
        ssize_t n = read(fds[0], buf, 20);
        write(STDOUT_FILENO, buf, n);
        _exit(0);
    }
    close(fds[0]);
    struct iovec iov = {page, 20};
    vmsplice(fds[1], &iov, 1, 0);
    close(fds[1]);
    wait(NULL);
    return 0;
}
