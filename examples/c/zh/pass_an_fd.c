#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* 通过 Unix 套接字发送一个 fd：SCM_RIGHTS 是内核转交打开文件的方式。 */
static void send_fd(int sock, int fd)
{
	char byte = 'x', control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = control, .msg_controllen = sizeof(control) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	sendmsg(sock, &msg, 0);
}

static int recv_fd(int sock)
{
	char byte, control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = control, .msg_controllen = sizeof(control) };
	int fd = -1;

	if (recvmsg(sock, &msg, 0) > 0 && CMSG_FIRSTHDR(&msg))
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
	return fd;
}

int main(void)
{
	int sv[2], fd[2], got;
	char buf[1024];
	ssize_t n;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if (fork() > 0) {
		close(sv[1]);
		pipe(fd); /* 在 fork 之后创建：子进程从未继承它 */
		write(fd[1], "sent through a passed fd\n", 25);
		send_fd(sv[0], fd[0]);
		close(fd[0]); /* 读端此刻不在任何进程的 fd 表中：在途中 */
		close(fd[1]);
		wait(NULL);
	} else {
		close(sv[0]);
		usleep(200 * 1000); /* 等父进程把它传过来 */
		got = recv_fd(sv[1]); /* 本进程的一个新 fd，指向父进程的管道 */
		n = read(got, buf, sizeof(buf));
		write(STDOUT_FILENO, buf, n);
		close(got);
		close(sv[1]);
	}
	return 0;
}
