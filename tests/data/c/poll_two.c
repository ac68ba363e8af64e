/* poll(2) on two pipes: each child writes on its own pipe, the second only once the parent
   has read the first, so every poll sees one ready pipe. The children wait for a last
   word before they exit, so no hang-up comes early. */
#include <poll.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int one[2], two[2], go[2], quit[2];
    char buf[32], c;
    pipe(one); pipe(two); pipe(go); pipe(quit);
    if (fork() == 0) {
        close(quit[1]);
        write(one[1], "first", 5);
        read(quit[0], &c, 1);       /* EOF once the parent is done */
        _exit(0);
    }
    if (fork() == 0) {
        close(quit[1]);
        read(go[0], &c, 1);         /* the parent's go */
        write(two[1], "second", 6);
        read(quit[0], &c, 1);
        _exit(0);
    }
    close(one[1]); close(two[1]); close(go[0]); close(quit[0]);
    struct pollfd fds[2] = {{one[0], POLLIN, 0}, {two[0], POLLIN, 0}};
    for (int got = 0; got < 2;) {
        if (poll(fds, 2, 5000) <= 0) return 1;
        for (int i = 0; i < 2; i++) {
            if (fds[i].revents & POLLIN) {
                read(fds[i].fd, buf, sizeof buf);
                got++;
                if (i == 0) write(go[1], "g", 1);
            }
        }
    }
    close(quit[1]);
    wait(NULL);
    wait(NULL);
    return 0;
}
