#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int realtime = 0; /* 参数：1 表示改发实时信号 SIGRTMIN+1 */

volatile sig_atomic_t runs; /* pipescope 会显示处理函数的每一次运行 */

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
	sigprocmask(SIG_BLOCK, &set, NULL); /* 已阻塞：子进程继承信号掩码和处理函数 */
	pipe(fd);
	pid = fork();
	if (pid > 0) {
		kill(pid, sig); /* 第一个：待决 */
		kill(pid, sig); /* 第二个：SIGUSR1 已经待决 */
		kill(pid, sig); /* 第三个 */
		write(fd[1], "go", 2);
		waitpid(pid, NULL, 0);
	} else {
		read(fd[0], buf, 2); /* 等三个都发完 */
		sigprocmask(SIG_UNBLOCK, &set, NULL); /* 待决的信号现在递送 */
	}
	return 0;
}
