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
	bind(srv, (struct sockaddr *)&addr, sizeof(addr)); /* a socket file in the directory */
	listen(srv, 5);
	if (fork() > 0) {
		usleep(200 * 1000); /* let the client connect first */
		conn = accept(srv, NULL, NULL); /* takes the connection the backlog holds */
		recv(conn, buf, sizeof(buf), 0);
		close(conn);
		close(srv);
		wait(NULL);
	} else {
		close(srv);
		cli = socket(AF_UNIX, SOCK_STREAM, 0);
		connect(cli, (struct sockaddr *)&addr, sizeof(addr)); /* done before any accept */
		send(cli, "hello, server\n", 14, 0);
		close(cli);
	}
	return 0;
}
