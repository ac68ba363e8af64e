/* vfork(2): the parent is suspended until its child execs (here `echo`) or exits. */
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int fds[2];
    pipe(fds);
    pid_t pid = vfork();
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        execlp("echo", "echo", "from vfork", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char buf[32];
    ssize_t n = read(fds[0], buf, sizeof buf);
    write(STDOUT_FILENO, buf, n);
    waitpid(pid, NULL, 0);
    return 0;
}
