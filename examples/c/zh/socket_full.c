#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int total = 400000;     /* 参数：发送端发送的总字节数 */
int chunk = 4096;       /* 参数：每次 send 的字节数 */
int reader_delay = 1000; /* 参数：接收端开始前等待的毫秒数 */

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
			if (send(sv[0], data, chunk, 0) == -1) /* 队列满时阻塞 */
				break;
		close(sv[0]);
		wait(NULL);
	} else {
		close(sv[0]);
		usleep(reader_delay * 1000);
		while ((n = recv(sv[1], buf, sizeof(buf), 0)) > 0)
			; /* 每次 recv 腾出空间，阻塞的 send 随之继续 */
		close(sv[1]);
	}
	return 0;
}
