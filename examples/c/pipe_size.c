#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int size = 4096; /* parameter: F_SETPIPE_SZ, rounded up to whole pages */

int main(void)
{
	int fd[2];
	char buf[4096];
	static char data[1024];
	ssize_t n;

	memset(data, 'x', sizeof(data));
	pipe(fd);
	fcntl(fd[1], F_SETPIPE_SZ, size); /* 4096: a ring of one page slot */
	if (fork() > 0) {
		close(fd[0]);
		for (int i = 0; i < 12; i++)
			write(fd[1], data, sizeof(data)); /* blocks once the ring is full */
		close(fd[1]);
		wait(NULL);
	} else {
		close(fd[1]);
		usleep(300 * 1000);
		while ((n = read(fd[0], buf, sizeof(buf))) > 0)
			;
		close(fd[0]);
	}
	return 0;
}
