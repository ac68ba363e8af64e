#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int fd[2];
	char buf[64];
	ssize_t n;

	pipe(fd);
	if (fork() > 0) {
		close(fd[0]);
		usleep(100 * 1000);
		write(fd[1], "late\n", 5);
		close(fd[1]);
		wait(NULL);
	} else {
		close(fd[1]);
		fcntl(fd[0], F_SETFL, O_NONBLOCK);
		n = read(fd[0], buf, sizeof(buf)); /* -1 EAGAIN：管道空，但还有写端 */
		usleep(200 * 1000);
		n = read(fd[0], buf, sizeof(buf)); /* 读到数据 */
		n = read(fd[0], buf, sizeof(buf)); /* 0：管道空，而且没有写端了 */
		close(fd[0]);
	}
	return 0;
}
