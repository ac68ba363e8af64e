#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX, .sun_path = "server.sock" };
	int srv, cli, conn;
	char buf[1024];

	srv = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(srv, (struct sockaddr *)&addr, sizeof(addr)); /* 目录中的一个套接字文件 */
	listen(srv, 5);
	if (fork() > 0) {
		usleep(200 * 1000); /* 让客户端先连接 */
		conn = accept(srv, NULL, NULL); /* 取走等待队列中保存的连接 */
		recv(conn, buf, sizeof(buf), 0);
		close(conn);
		close(srv);
		wait(NULL);
	} else {
		close(srv);
		cli = socket(AF_UNIX, SOCK_STREAM, 0);
		connect(cli, (struct sockaddr *)&addr, sizeof(addr)); /* 在任何 accept 之前就完成 */
		send(cli, "hello, server\n", 14, 0);
		close(cli);
	}
	return 0;
}
