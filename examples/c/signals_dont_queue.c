#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int realtime = 0; /* a parameter: 1 sends SIGRTMIN+1, a real-time signal, instead */

volatile sig_atomic_t runs; /* pipescope shows each run of the handler */

static void handler(int sig)
{
	runs++;
}

int main(void)
{
	int fd[2];
	char buf[2];
	int sig = realtime ? SIGRTMIN + 1 : SIGUSR1;
	struct sigaction sa;
	sigset_t set;
	pid_t pid;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL); /* blocked: the child inherits mask and handler */
	pipe(fd);
	pid = fork();
	if (pid > 0) {
		kill(pid, sig); /* one: pending */
		kill(pid, sig); /* two: SIGUSR1 is pending already */
		kill(pid, sig); /* three */
		write(fd[1], "go", 2);
		waitpid(pid, NULL, 0);
	} else {
		read(fd[0], buf, 2); /* until all three are sent */
		sigprocmask(SIG_UNBLOCK, &set, NULL); /* what is pending is delivered now */
	}
	return 0;
}
