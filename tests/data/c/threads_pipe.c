/* Two threads of one process on one pipe: one writes three messages, the other reads each
   and answers on a second pipe before the next is written. */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

static int data[2], ack[2];

static void *writer(void *arg) {
    const char *words[] = {"one", "two", "three"};
    char c;
    for (int i = 0; i < 3; i++) {
        write(data[1], words[i], strlen(words[i]));
        read(ack[0], &c, 1);
    }
    return arg;
}

static void *reader(void *arg) {
    char buf[16];
    for (int i = 0; i < 3; i++) {
        read(data[0], buf, sizeof buf);
        write(ack[1], "k", 1);
    }
    return arg;
}

int main(void) {
    pthread_t w, r;
    pipe(data); pipe(ack);
    pthread_create(&r, NULL, reader, NULL);
    pthread_create(&w, NULL, writer, NULL);
    pthread_join(w, NULL);
    pthread_join(r, NULL);
    write(STDOUT_FILENO, "joined\n", 7);
    return 0;
}
