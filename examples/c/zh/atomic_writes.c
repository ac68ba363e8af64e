#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int size = 4096; /* 参数：每次 write 的字节数；PIPE_BUF 是 4096 */
int writes = 6;  /* 参数：每个写进程 write 的次数 */

static void writer(int fd, char fill)
{
	static char data[65536];

	memset(data, fill, size);
	for (int i = 0; i < writes; i++)
		write(fd, data, size); /* 不超过 PIPE_BUF：一次写完；更大：可能被拆开 */
}

int main(void)
{
	int fd[2];
	char buf[4096];
	ssize_t n;

	pipe(fd);
	if (fork() == 0) {
		close(fd[0]);
		writer(fd[1], 'A');
		return 0;
	}
	if (fork() == 0) {
		close(fd[0]);
		writer(fd[1], 'B');
		return 0;
	}
	close(fd[1]);
	usleep(200 * 1000); /* 让两个写进程把管道写满并等待 */
	while ((n = read(fd[0], buf, sizeof(buf))) > 0)
		; /* 一段段的 A 和 B：有没有哪次 write 被另一个打断？ */
	close(fd[0]);
	wait(NULL);
	wait(NULL);
	return 0;
}
