#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	char buf[64];
	ssize_t n;
	int rfd, wfd;

	mkfifo("myfifo", 0644);
	wfd = open("myfifo", O_WRONLY | O_NONBLOCK); /* no reader: -1, errno ENXIO */
	rfd = open("myfifo", O_RDONLY | O_NONBLOCK); /* a reader needs no writer */
	wfd = open("myfifo", O_WRONLY | O_NONBLOCK); /* now there is a reader: it works */
	unlink("myfifo"); /* the name goes, the pipe stays: both fds still hold it */
	write(wfd, "still here\n", 11);
	n = read(rfd, buf, sizeof(buf));
	write(STDOUT_FILENO, buf, n);
	close(wfd);
	close(rfd);
	return 0;
}
