#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int fd[2];
	char buf[16];
	ssize_t n;

	pipe(fd);
	if (fork() > 0) {
		close(fd[0]);
		write(fd[1], "one ", 4);
		write(fd[1], "two ", 4);
		write(fd[1], "three\n", 6);
		close(fd[1]); /* 最后一个写端关闭：读进程看到 EOF */
		wait(NULL);
	} else {
		close(fd[1]);
		while ((n = read(fd[0], buf, sizeof(buf))) > 0)
			; /* 每次 read 取走已有的数据；返回 0 表示 EOF */
		close(fd[0]);
	}
	return 0;
}
