#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int fd[2];
	char buf[64];
	ssize_t n;

	pipe(fd);
	if (fork() == 0) { /* 兄进程写 */
		close(fd[0]);
		write(fd[1], "hi, sibling\n", 12);
		close(fd[1]);
		return 0;
	}
	if (fork() == 0) { /* 弟进程读 */
		close(fd[1]);
		n = read(fd[0], buf, sizeof(buf));
		write(STDOUT_FILENO, buf, n);
		close(fd[0]);
		return 0;
	}
	close(fd[0]); /* 父进程两端都不用：全部关闭 */
	close(fd[1]);
	wait(NULL);
	wait(NULL);
	return 0;
}
