/* A deadlock: parent and child each wait to read what the other has not written yet. */
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int up[2], down[2];
    char c;
    pipe(up); pipe(down);
    if (fork() == 0) {
        read(down[0], &c, 1);       /* waits for the parent */
        write(up[1], "c", 1);
        _exit(0);
    }
    read(up[0], &c, 1);             /* waits for the child: neither ever writes */
    write(down[1], "p", 1);
    wait(NULL);
    return 0;
}
