#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int fd[2];
	char buf[16];
	ssize_t n;

	pipe(fd);
	if (fork() > 0) {
		close(fd[0]);
		write(fd[1], "one ", 4);
		write(fd[1], "two ", 4);
		write(fd[1], "three\n", 6);
		close(fd[1]); /* the last write end closes: the reader sees EOF */
		wait(NULL);
	} else {
		close(fd[1]);
		while ((n = read(fd[0], buf, sizeof(buf))) > 0)
			; /* each read takes what is there; 0 means EOF */
		close(fd[0]);
	}
	return 0;
}
