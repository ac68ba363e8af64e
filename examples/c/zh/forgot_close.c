#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int fd[2];
	char buf[1024];
	ssize_t n;

	pipe(fd);
	if (fork() > 0) {
		close(fd[0]);
		write(fd[1], "hello pipe\n", 11);
		close(fd[1]);
		wait(NULL); /* 永远等下去：子进程永远不会结束 */
	} else {
		/* 忘了 close(fd[1]);：这个进程自己还开着一个写端 */
		while ((n = read(fd[0], buf, sizeof(buf))) > 0)
			; /* 数据读完后，read 阻塞，而不是返回 0 */
		close(fd[0]);
	}
	return 0;
}
