/* writev(2) gathers three buffers into one write; readv(2) scatters what it reads into two. */
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int fds[2];
    pipe(fds);
    if (fork() == 0) {
        char head[5], tail[32];
        struct iovec in[2] = {{head, sizeof head}, {tail, sizeof tail}};
        close(fds[1]);
        ssize_t n = readv(fds[0], in, 2);
        write(STDOUT_FILENO, head, 5);
        write(STDOUT_FILENO, tail, n - 5);
        _exit(0);
    }
    close(fds[0]);
    struct iovec out[3] = {{"gath", 4}, {"ered ", 5}, {"in one\n", 7}};
    writev(fds[1], out, 3);
    close(fds[1]);
    wait(NULL);
    return 0;
}
