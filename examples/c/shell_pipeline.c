#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) /* what a shell does for: ls | wc -l */
{
	int fd[2];
	char *ls[] = {"ls", NULL};
	char *wc[] = {"wc", "-l", NULL};

	pipe(fd);
	if (fork() == 0) {
		dup2(fd[1], STDOUT_FILENO); /* ls writes into the pipe */
		close(fd[0]);
		close(fd[1]);
		execvp(ls[0], ls);
		perror("execvp");
		return 127;
	}
	if (fork() == 0) {
		dup2(fd[0], STDIN_FILENO); /* wc reads from the pipe */
		close(fd[0]);
		close(fd[1]);
		execvp(wc[0], wc);
		perror("execvp");
		return 127;
	}
	close(fd[0]); /* the shell keeps no end, or wc never sees EOF */
	close(fd[1]);
	wait(NULL);
	wait(NULL);
	return 0;
}
