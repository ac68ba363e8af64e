#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int restart = 0; /* a parameter: 1 sets SA_RESTART */

static void on_usr1(int sig)
{
	/* it only runs; the read it interrupted decides what happens next */
}

int main(void)
{
	int fd[2];
	char buf[16];
	struct sigaction sa;
	pid_t pid;

	pipe(fd);
	pid = fork();
	if (pid == 0) {
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_usr1;
		sa.sa_flags = restart ? SA_RESTART : 0;
		sigaction(SIGUSR1, &sa, NULL);
		if (read(fd[0], buf, sizeof buf) == -1) /* asleep: the pipe is empty */
			perror("read"); /* EINTR: Interrupted system call */
		return 0;
	}
	usleep(50000); /* the child is asleep in read by now */
	kill(pid, SIGUSR1);
	write(fd[1], "late\n", 5);
	waitpid(pid, NULL, 0);
	return 0;
}
