/* A FIFO: two processes that share no pipe meet at a name; the first open waits for the other. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    char buf[16];
    unlink("corpus.fifo");
    mkfifo("corpus.fifo", 0600);
    if (fork() == 0) {
        int w = open("corpus.fifo", O_WRONLY);
        write(w, "by name", 7);
        close(w);
        _exit(0);
    }
    int r = open("corpus.fifo", O_RDONLY);
    ssize_t n = read(r, buf, sizeof buf);
    write(STDOUT_FILENO, buf, n);
    read(r, buf, sizeof buf);        /* 0: the writer closed */
    close(r);
    wait(NULL);
    unlink("corpus.fifo");
    return 0;
}
