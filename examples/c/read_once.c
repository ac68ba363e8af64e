#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int fd[2];
	char buf[4];

	pipe(fd);
	write(fd[1], "AAAABBBBCCCCDDDD", 16); /* in the pipe before anyone reads */
	if (fork() == 0) {                   /* reader one */
		close(fd[1]);
		while (read(fd[0], buf, sizeof(buf)) > 0)
			;
		return 0;
	}
	if (fork() == 0) {                   /* reader two, on the same read end */
		close(fd[1]);
		while (read(fd[0], buf, sizeof(buf)) > 0)
			;
		return 0;
	}
	close(fd[0]);
	close(fd[1]);
	wait(NULL);
	wait(NULL);
	return 0;
}
