#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int ignore_sigpipe = 0; /* a parameter of the scenario */

int main(void)
{
	int fd[2];
	pid_t pid;

	pipe(fd);
	pid = fork();
	if (pid > 0) {
		close(fd[0]);
		waitpid(pid, NULL, 0); /* the reader has gone: no read end is open */
		if (ignore_sigpipe)
			signal(SIGPIPE, SIG_IGN);
		if (write(fd[1], "anyone?\n", 8) == -1) { /* EPIPE; SIGPIPE kills us first */
			perror("write");
			return 1;
		}
	} else {
		close(fd[1]);
		close(fd[0]); /* the only reader closes its read end, then exits */
	}
	return 0;
}
