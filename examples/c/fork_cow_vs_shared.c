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

	shared[0] = 'P'; /* the parent writes both pages before it forks */
	private[0] = 'P';
	if (fork() == 0) {
		a = shared[0]; /* the child sees 'P' in both: */
		b = private[0]; /* the private page is still one page, copy on write */
		shared[0] = 'C'; /* one page for both processes: the parent sees it */
		private[0] = 'C'; /* the kernel copies the page first: the child's own */
		return 0;
	}
	wait(NULL);
	a = shared[0]; /* 'C': the child's store */
	b = private[0]; /* 'P': the parent's page never changed */
	munmap(shared, 4096);
	munmap(private, 4096);
	return a == 'C' && b == 'P' ? 0 : 1; /* 0: what this lesson says */
}
