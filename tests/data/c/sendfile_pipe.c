/* sendfile(2) and copy_file_range(2): the kernel copies a file's bytes into a pipe, and a
   file's into another file, with no user buffer. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

int main(void) {
    int fds[2];
    char buf[32];
    int f = open("corpus.txt", O_RDWR | O_CREAT | O_TRUNC, 0600);
    write(f, "from a file\n", 12);
    int g = open("corpus.copy", O_RDWR | O_CREAT | O_TRUNC, 0600);
    loff_t in = 0, out = 0;
    copy_file_range(f, &in, g, &out, 12, 0);
    pipe(fds);
    off_t at = 0;
    sendfile(fds[1], g, &at, 12);
    ssize_t n = read(fds[0], buf, sizeof buf);
    write(STDOUT_FILENO, buf, n);
    unlink("corpus.txt");
    unlink("corpus.copy");
    return 0;
}
