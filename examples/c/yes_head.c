#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) /* what a shell does for: yes | head -n 3 */
{
	int fd[2];
	char *yes[] = {"yes", NULL};
	char *head[] = {"head", "-n", "3", NULL};

	pipe(fd);
	if (fork() == 0) {
		dup2(fd[1], STDOUT_FILENO); /* yes writes into the pipe */
		close(fd[0]);
		close(fd[1]);
		execvp(yes[0], yes);
		perror("execvp");
		return 127;
	}
	if (fork() == 0) {
		dup2(fd[0], STDIN_FILENO); /* head reads from the pipe */
		close(fd[0]);
		close(fd[1]);
		execvp(head[0], head);
		perror("execvp");
		return 127;
	}
	close(fd[0]); /* the shell keeps no end: head's exit must leave yes no reader */
	close(fd[1]);
	wait(NULL);
	wait(NULL);
	return 0;
}
