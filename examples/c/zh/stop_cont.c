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
		read(fd[0], buf, sizeof buf); /* 睡眠，直到父进程写入 */
		write(STDOUT_FILENO, "resumed\n", 8);
		return 0;
	}
	usleep(50000); /* 此时子进程已经睡在 read 里了 */
	kill(pid, SIGSTOP); /* 暂停：状态为 T，它什么也不运行 */
	usleep(50000);
	kill(pid, SIGCONT); /* 它继续：回到 read 里睡眠 */
	write(fd[1], "x", 1);
	waitpid(pid, NULL, 0);
	return 0;
}
