/* The example of pipe(2), in our own words: the parent writes a string into the pipe, the
   child reads it one byte at a time and copies it to its standard output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    const char *text = "the man page example\n";
    int fds[2];
    char c;
    if (pipe(fds) == -1) { perror("pipe"); exit(1); }
    pid_t pid = fork();
    if (pid == -1) { perror("fork"); exit(1); }
    if (pid == 0) {            /* the child reads */
        close(fds[1]);         /* its copy of the write end: or it never sees EOF */
        while (read(fds[0], &c, 1) > 0)
            write(STDOUT_FILENO, &c, 1);
        close(fds[0]);
        _exit(0);
    }
    close(fds[0]);             /* the parent writes */
    write(fds[1], text, strlen(text));
    close(fds[1]);             /* the reader sees EOF */
    wait(NULL);
    return 0;
}
