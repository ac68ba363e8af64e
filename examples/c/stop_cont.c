#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int fd[2];
	char buf[16];
	pid_t pid;

	pipe(fd);
	pid = fork();
	if (pid == 0) {
		read(fd[0], buf, sizeof buf); /* asleep until the parent writes */
		write(STDOUT_FILENO, "resumed\n", 8);
		return 0;
	}
	usleep(50000); /* the child is asleep in read by now */
	kill(pid, SIGSTOP); /* stopped: state T, it runs nothing */
	usleep(50000);
	kill(pid, SIGCONT); /* it goes on: back to sleep in its read */
	write(fd[1], "x", 1);
	waitpid(pid, NULL, 0);
	return 0;
}
