/* `ls | wc -l` by hand, as a shell does it: one pipe, two children, dup2 onto stdout and
   stdin, exec. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int fds[2];
    pipe(fds);
    if (fork() == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execlp("ls", "ls", "-d", "/usr", "/tmp", (char *)NULL);
        _exit(127);
    }
    if (fork() == 0) {
        dup2(fds[0], STDIN_FILENO);
        close(fds[0]);
        close(fds[1]);
        execlp("wc", "wc", "-l", (char *)NULL);
        _exit(127);
    }
    close(fds[0]);
    close(fds[1]);
    wait(NULL);
    wait(NULL);
    return 0;
}
