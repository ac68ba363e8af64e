#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Two programs that share no fd meet at a name, as from two terminals: */
/*   "$ mkfifo myfifo", then "$ ./reader &" (its open waits: no writer yet) */
/*   "$ ./writer" (its open lets both go on) */
/* Here one launcher starts both; neither uses an fd it inherited. */

static void reader(void)
{
	char buf[64];
	ssize_t n;
	int rfd = open("myfifo", O_RDONLY); /* sleeps until a writer opens */

	while ((n = read(rfd, buf, sizeof(buf))) > 0)
		write(STDOUT_FILENO, buf, n);
	close(rfd);
}

static void writer(void)
{
	int wfd = open("myfifo", O_WRONLY); /* sleeps until a reader opens */

	write(wfd, "hello fifo\n", 11);
	close(wfd); /* the last writer: the reader sees EOF */
}

int main(void)
{
	pid_t r, w;

	mkfifo("myfifo", 0644); /* a name in the file system, a pipe in the kernel */
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
	unlink("myfifo"); /* the name goes; the pipe went with its last fd */
	return 0;
}
