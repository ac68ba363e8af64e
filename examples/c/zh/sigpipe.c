#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int ignore_sigpipe = 0; /* 场景的参数 */

int main(void)
{
	int fd[2];
	pid_t pid;

	pipe(fd);
	pid = fork();
	if (pid > 0) {
		close(fd[0]);
		waitpid(pid, NULL, 0); /* 读进程已经退出：没有打开的读端了 */
		if (ignore_sigpipe)
			signal(SIGPIPE, SIG_IGN);
		if (write(fd[1], "anyone?\n", 8) == -1) { /* EPIPE；但 SIGPIPE 会先杀死我们 */
			perror("write");
			return 1;
		}
	} else {
		close(fd[1]);
		close(fd[0]); /* 唯一的读进程关闭读端，然后退出 */
	}
	return 0;
}
