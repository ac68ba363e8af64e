#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	char buf[64];
	ssize_t n;
	int rfd, wfd;

	mkfifo("myfifo", 0644);
	wfd = open("myfifo", O_WRONLY | O_NONBLOCK); /* 没有读者：返回 -1，errno 为 ENXIO */
	rfd = open("myfifo", O_RDONLY | O_NONBLOCK); /* 读端不需要写者就能打开 */
	wfd = open("myfifo", O_WRONLY | O_NONBLOCK); /* 现在有读者了：打开成功 */
	unlink("myfifo"); /* 名字没了，管道还在：两个 fd 仍持有它 */
	write(wfd, "still here\n", 11);
	n = read(rfd, buf, sizeof(buf));
	write(STDOUT_FILENO, buf, n);
	close(wfd);
	close(rfd);
	return 0;
}
