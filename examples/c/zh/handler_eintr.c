#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int restart = 0; /* 参数：1 表示设置 SA_RESTART */

static void on_usr1(int sig)
{
	/* 它只是运行一下；接下来怎样，由被它打断的 read 决定 */
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
		if (read(fd[0], buf, sizeof buf) == -1) /* 睡眠中：管道是空的 */
			perror("read"); /* EINTR：系统调用被中断 */
		return 0;
	}
	usleep(50000); /* 此时子进程已经睡在 read 里了 */
	kill(pid, SIGUSR1);
	write(fd[1], "late\n", 5);
	waitpid(pid, NULL, 0);
	return 0;
}
