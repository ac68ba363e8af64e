#include <semaphore.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared {
	int counter; /* bytes 0-3 */
	int unused;
	sem_t lock; /* bytes 8-39: glibc's sem_t, its value in bytes 8-11 */
};

int main(void)
{
	struct shared *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int v;

	sem_init(&s->lock, 1, 1); /* with the lock only: 1 = free, shared by processes */
	if (fork() == 0) {
		sem_wait(&s->lock); /* with the lock only */
		v = s->counter; /* the child adds one: a load, */
		s->counter = v + 1; /* then a store */
		sem_post(&s->lock); /* with the lock only */
		return 0;
	}
	sem_wait(&s->lock); /* with the lock only */
	v = s->counter; /* the parent adds one: a load, */
	s->counter = v + 1; /* then a store */
	sem_post(&s->lock); /* with the lock only */
	wait(NULL);
	v = s->counter; /* 2, or 1 if one update was lost */
	munmap(s, 4096);
	return 0;
}
