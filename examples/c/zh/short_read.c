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
		write(fd[1], "first\n", 6);
		write(fd[1], "second\n", 7);
		write(fd[1], "third\n", 6);
		close(fd[1]);
		wait(NULL);
	} else {
		close(fd[1]);
		usleep(100 * 1000);                /* 等三次 write 都写进去 */
		n = read(fd[0], buf, sizeof(buf)); /* 一次 read 读到 19 字节：管道不保留消息边界 */
		write(STDOUT_FILENO, buf, n);
		close(fd[0]);
	}
	return 0;
}
