#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *private = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char a, b;

	shared[0] = 'P'; /* 父进程在 fork 之前写了这两页 */
	private[0] = 'P';
	if (fork() == 0) {
		a = shared[0]; /* 子进程在两页里都看到 'P'： */
		b = private[0]; /* 私有页仍是同一页：写时复制 */
		shared[0] = 'C'; /* 两个进程共用一页：父进程看得到 */
		private[0] = 'C'; /* 内核先复制这一页：成为子进程自己的 */
		return 0;
	}
	wait(NULL);
	a = shared[0]; /* 'C'：子进程写入的 */
	b = private[0]; /* 'P'：父进程的页从未改变 */
	munmap(shared, 4096);
	munmap(private, 4096);
	return a == 'C' && b == 'P' ? 0 : 1; /* 0：正如这一课所说 */
}
