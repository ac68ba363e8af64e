#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int size = 4096; /* 参数：F_SETPIPE_SZ 的值，向上取整到整页 */

int main(void)
{
	int fd[2];
	char buf[4096];
	static char data[1024];
	ssize_t n;

	memset(data, 'x', sizeof(data));
	pipe(fd);
	fcntl(fd[1], F_SETPIPE_SZ, size); /* 4096：只有一个页槽的环形队列 */
	if (fork() > 0) {
		close(fd[0]);
		for (int i = 0; i < 12; i++)
			write(fd[1], data, sizeof(data)); /* 环形队列满了就阻塞 */
		close(fd[1]);
		wait(NULL);
	} else {
		close(fd[1]);
		usleep(300 * 1000);
		while ((n = read(fd[0], buf, sizeof(buf))) > 0)
			;
		close(fd[0]);
	}
	return 0;
}
