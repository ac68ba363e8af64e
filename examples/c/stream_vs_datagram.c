#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int type = SOCK_STREAM; /* parameter: SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET */

int main(void)
{
	int sv[2];
	char buf[1024];

	socketpair(AF_UNIX, type, 0, sv);
	if (fork() > 0) {
		close(sv[1]);
		send(sv[0], "first\n", 6, 0);
		send(sv[0], "second\n", 7, 0);
		send(sv[0], "third\n", 6, 0);
		close(sv[0]);
		wait(NULL);
	} else {
		close(sv[0]);
		usleep(100 * 1000); /* let all three sends land */
		for (int i = 0; i < 3; i++)
			recv(sv[1], buf, sizeof(buf), 0); /* stream: 19, 0, 0; datagram: 6, 7, 6 */
		close(sv[1]);
	}
	return 0;
}
