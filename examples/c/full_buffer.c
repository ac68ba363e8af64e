#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int total = 100000;     /* parameter: bytes the writer sends */
int chunk = 4096;       /* parameter: bytes per write */
int reader_delay = 300; /* parameter: ms before the reader starts */
int nonblock = 0;       /* parameter: O_NONBLOCK on the write end */

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
			if (write(fd[1], data, chunk) == -1) /* blocks while the ring is full */
				break; /* EAGAIN: full, and this writer may not wait */
		close(fd[1]);
		wait(NULL);
	} else {
		close(fd[1]);
		usleep(reader_delay * 1000);
		while ((n = read(fd[0], buf, sizeof(buf))) > 0)
			; /* each read frees whole pages, and a blocked writer goes on */
		close(fd[0]);
	}
	return 0;
}
