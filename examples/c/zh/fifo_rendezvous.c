#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* 两个没有共享任何 fd 的程序凭一个名字会合，就像在两个终端里分别运行： */
/*   "$ mkfifo myfifo"，然后 "$ ./reader &"（它的 open 等待：还没有写者） */
/*   "$ ./writer"（它的 open 让双方都继续） */
/* 这里由一个启动进程启动两者；两者都不使用继承来的 fd。 */

static void reader(void)
{
	char buf[64];
	ssize_t n;
	int rfd = open("myfifo", O_RDONLY); /* 睡眠，直到有写者打开 */

	while ((n = read(rfd, buf, sizeof(buf))) > 0)
		write(STDOUT_FILENO, buf, n);
	close(rfd);
}

static void writer(void)
{
	int wfd = open("myfifo", O_WRONLY); /* 睡眠，直到有读者打开 */

	write(wfd, "hello fifo\n", 11);
	close(wfd); /* 最后一个写端关闭：读进程看到 EOF */
}

int main(void)
{
	pid_t r, w;

	mkfifo("myfifo", 0644); /* 文件系统里的一个名字，内核里的一个管道 */
	if ((r = fork()) == 0) {
		reader();
		return 0;
	}
	if ((w = fork()) == 0) {
		writer();
		return 0;
	}
	waitpid(r, NULL, 0);
	waitpid(w, NULL, 0);
	unlink("myfifo"); /* 删掉名字；管道已随最后一个 fd 释放 */
	return 0;
}
