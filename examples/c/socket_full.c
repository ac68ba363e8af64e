#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int total = 400000;     /* parameter: bytes the sender sends */
int chunk = 4096;       /* parameter: bytes per send */
int reader_delay = 1000; /* parameter: ms before the receiver starts */

int main(void)
{
	int sv[2];
	char buf[4096];
	static char data[65536];
	ssize_t n;

	memset(data, 'x', sizeof(data));
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if (fork() > 0) {
		close(sv[1]);
		for (int sent = 0; sent < total; sent += chunk)
			if (send(sv[0], data, chunk, 0) == -1) /* blocks while the queue is full */
				break;
		close(sv[0]);
		wait(NULL);
	} else {
		close(sv[0]);
		usleep(reader_delay * 1000);
		while ((n = recv(sv[1], buf, sizeof(buf), 0)) > 0)
			; /* each recv frees room, and the blocked send goes on */
		close(sv[1]);
	}
	return 0;
}
