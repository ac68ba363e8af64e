#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Send one fd over a Unix socket: SCM_RIGHTS, the kernel's way to hand over an open file. */
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
		pipe(fd); /* made after the fork: the child never inherits it */
		write(fd[1], "sent through a passed fd\n", 25);
		send_fd(sv[0], fd[0]);
		close(fd[0]); /* the read end is now in no process's fd table: in flight */
		close(fd[1]);
		wait(NULL);
	} else {
		close(sv[0]);
		usleep(200 * 1000); /* let the parent pass it */
		got = recv_fd(sv[1]); /* a new fd in this process, to the parent's pipe */
		n = read(got, buf, sizeof(buf));
		write(STDOUT_FILENO, buf, n);
		close(got);
		close(sv[1]);
	}
	return 0;
}
