#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int fd[2];
	char buf[1024];
	ssize_t n;

	pipe(fd);
	if (fork() > 0) {
		close(fd[0]);
		write(fd[1], "hello pipe\n", 11);
		close(fd[1]);
		wait(NULL); /* waits forever: the child never ends */
	} else {
		/* forgot: close(fd[1]); so a write end stays open, in this very process */
		while ((n = read(fd[0], buf, sizeof(buf))) > 0)
			; /* after the data, read blocks instead of returning 0 */
		close(fd[0]);
	}
	return 0;
}
