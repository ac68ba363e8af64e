#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

volatile sig_atomic_t runs; /* pipescope 会显示处理函数的每一次运行 */

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
			_exit(i); /* 三个子进程结束：三个僵尸进程 */
	usleep(200000); /* 给它们时间结束 */
	sigprocmask(SIG_UNBLOCK, &set, NULL); /* 三次退出，只有一个 SIGCHLD 待决 */
	while (waitpid(-1, NULL, WNOHANG) > 0) /* 所以要循环回收，直到一个不剩 */
		;
	return 0;
}
