#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

volatile sig_atomic_t runs; /* pipescope shows each run of the handler */

static void on_child(int sig)
{
	runs++;
}

int main(void)
{
	struct sigaction sa;
	sigset_t set;
	int i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (i = 1; i <= 3; i++)
		if (fork() == 0)
			_exit(i); /* three children end: three zombies */
	usleep(200000); /* give them time to end */
	sigprocmask(SIG_UNBLOCK, &set, NULL); /* one SIGCHLD is pending, for three exits */
	while (waitpid(-1, NULL, WNOHANG) > 0) /* so reap in a loop, until none is left */
		;
	return 0;
}
