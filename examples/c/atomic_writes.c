#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int size = 4096; /* parameter: bytes per write; PIPE_BUF is 4096 */
int writes = 6;  /* parameter: writes per writer */

static void writer(int fd, char fill)
{
	static char data[65536];

	memset(data, fill, size);
	for (int i = 0; i < writes; i++)
		write(fd, data, size); /* <= PIPE_BUF: all at once; larger: may be split */
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
	usleep(200 * 1000); /* let both writers fill the pipe and wait */
	while ((n = read(fd[0], buf, sizeof(buf))) > 0)
		; /* runs of A and B: is any write cut by the other? */
	close(fd[0]);
	wait(NULL);
	wait(NULL);
	return 0;
}
