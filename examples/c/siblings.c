#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int fd[2];
	char buf[64];
	ssize_t n;

	pipe(fd);
	if (fork() == 0) { /* the elder child writes */
		close(fd[0]);
		write(fd[1], "hi, sibling\n", 12);
		close(fd[1]);
		return 0;
	}
	if (fork() == 0) { /* the younger child reads */
		close(fd[1]);
		n = read(fd[0], buf, sizeof(buf));
		write(STDOUT_FILENO, buf, n);
		close(fd[0]);
		return 0;
	}
	close(fd[0]); /* the parent uses neither end: it closes both */
	close(fd[1]);
	wait(NULL);
	wait(NULL);
	return 0;
}
