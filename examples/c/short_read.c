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
		usleep(100 * 1000);                /* let all three writes land */
		n = read(fd[0], buf, sizeof(buf)); /* one read, 19 bytes: no message boundaries */
		write(STDOUT_FILENO, buf, n);
		close(fd[0]);
	}
	return 0;
}
