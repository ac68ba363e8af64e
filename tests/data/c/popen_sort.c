/* popen(3): the C library makes the pipe, forks, and runs `/bin/sh -c sort` on its read end. */
#include <stdio.h>

int main(void) {
    FILE *out = popen("sort", "w");
    if (out == NULL) { perror("popen"); return 1; }
    fputs("pear\napple\nfig\n", out);
    return pclose(out) == 0 ? 0 : 1;
}
