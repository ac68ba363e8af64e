#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int total = 100000;     /* 参数：写进程发送的字节数 */
int chunk = 4096;       /* 参数：每次 write 的字节数 */
int reader_delay = 300; /* 参数：读进程开始前等待的毫秒数 */
int nonblock = 0;       /* 参数：写端是否设置 O_NONBLOCK */

int main(void)
{
	int fd[2];
	char buf[4096];
	static char data[65536];
	ssize_t n;

	memset(data, 'x', sizeof(data));
	pipe(fd);
	if (fork() > 0) {
		close(fd[0]);
		if (nonblock)
			fcntl(fd[1], F_SETFL, O_NONBLOCK);
		for (int sent = 0; sent < total; sent += chunk)
			if (write(fd[1], data, chunk) == -1) /* 环形队列满时阻塞 */
				break; /* EAGAIN：已满，而这个写进程不能等待 */
		close(fd[1]);
		wait(NULL);
	} else {
		close(fd[1]);
		usleep(reader_delay * 1000);
		while ((n = read(fd[0], buf, sizeof(buf))) > 0)
			; /* 每次 read 释放整页，阻塞的写进程随之继续 */
		close(fd[0]);
	}
	return 0;
}
