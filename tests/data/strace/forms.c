/* Every form of line the strace parser must read, in one program (see record.py). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void on_usr1(int sig) { (void)sig; }

int main(void)
{
	int fd[2];
	pid_t pid;
	char buf[8];
	char *echo[] = {"echo", "spawned", NULL};

	pipe(fd);
	pid = syscall(SYS_fork); /* the fork system call itself, not glibc's clone */
	if (pid == 0) {
		dup2(fd[1], STDOUT_FILENO); /* = 1<pipe:[...]> */
		write(STDOUT_FILENO, "from fork\n", 10);
		_exit(3);
	}
	waitpid(pid, NULL, 0);
	read(fd[0], buf, sizeof(buf));
	if ((pid = vfork()) == 0) {
		execlp("no-such-program", "no-such-program", (char *)NULL); /* ENOENT */
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	posix_spawnp(&pid, "echo", NULL, NULL, echo, environ); /* clone3, or clone(CLONE_VFORK) */
	waitpid(pid, NULL, 0);
	dup3(fd[0], 7, O_CLOEXEC);
	signal(SIGUSR1, on_usr1);
	kill(getpid(), SIGUSR1); /* handled */
	close(fd[0]);
	pipe2(fd, O_CLOEXEC);
	close(fd[0]);
	signal(SIGPIPE, SIG_DFL);
	write(fd[1], "nobody\n", 7); /* EPIPE, then SIGPIPE kills us */
	return 0;
}
