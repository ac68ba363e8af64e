/* tee(2) copies a pipe's bytes into a second pipe without taking them; splice(2) then moves
   them on to a third pipe, and read(2) takes them out of the first and the third. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>

int main(void) {
    int a[2], b[2], c[2];
    char buf[32];
    pipe(a); pipe(b); pipe(c);
    write(a[1], "zero copy\n", 10);
    tee(a[0], b[1], 10, 0);                       /* a still holds its 10 bytes */
    splice(b[0], NULL, c[1], NULL, 10, 0);        /* b's bytes move to c */
    ssize_t n = read(a[0], buf, sizeof buf);
    write(STDOUT_FILENO, buf, n);
    n = read(c[0], buf, sizeof buf);
    write(STDOUT_FILENO, buf, n);
    return 0;
}
