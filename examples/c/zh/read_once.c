#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int fd[2];
	char buf[4];

	pipe(fd);
	write(fd[1], "AAAABBBBCCCCDDDD", 16); /* 在任何人读之前就已写入管道 */
	if (fork() == 0) {                   /* 第一个读进程 */
		close(fd[1]);
		while (read(fd[0], buf, sizeof(buf)) > 0)
			;
		return 0;
	}
	if (fork() == 0) {                   /* 第二个读进程，用同一个读端 */
		close(fd[1]);
		while (read(fd[0], buf, sizeof(buf)) > 0)
			;
		return 0;
	}
	close(fd[0]);
	close(fd[1]);
	wait(NULL);
	wait(NULL);
	return 0;
}
