#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int req[2], rep[2];
	char buf[64];
	ssize_t n;

	pipe(req); /* 父进程 -> 子进程 */
	pipe(rep); /* 子进程 -> 父进程：管道只能单向流动 */
	if (fork() > 0) {
		close(req[0]);
		close(rep[1]);
		write(req[1], "ping\n", 5);
		n = read(rep[0], buf, sizeof(buf)); /* 等待回复 */
		write(STDOUT_FILENO, buf, n);
		close(req[1]);
		close(rep[0]);
		wait(NULL);
	} else {
		close(req[1]);
		close(rep[0]);
		n = read(req[0], buf, sizeof(buf));
		write(rep[1], "pong\n", 5);
		close(req[0]);
		close(rep[1]);
	}
	return 0;
}
