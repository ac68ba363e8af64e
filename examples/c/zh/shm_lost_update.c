#include <semaphore.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared {
	int counter; /* 第 0-3 字节 */
	int unused;
	sem_t lock; /* 第 8-39 字节：glibc 的 sem_t，它的值在第 8-11 字节 */
};

int main(void)
{
	struct shared *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int v;

	sem_init(&s->lock, 1, 1); /* 仅在加锁时：1 表示空闲，进程间共享 */
	if (fork() == 0) {
		sem_wait(&s->lock); /* 仅在加锁时 */
		v = s->counter; /* 子进程加一：先读， */
		s->counter = v + 1; /* 再写 */
		sem_post(&s->lock); /* 仅在加锁时 */
		return 0;
	}
	sem_wait(&s->lock); /* 仅在加锁时 */
	v = s->counter; /* 父进程加一：先读， */
	s->counter = v + 1; /* 再写 */
	sem_post(&s->lock); /* 仅在加锁时 */
	wait(NULL);
	v = s->counter; /* 2；如果丢失了一次更新，就是 1 */
	munmap(s, 4096);
	return 0;
}
