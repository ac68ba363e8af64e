#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* What a shell does for: stage[0] | stage[1] | ... | stage[n-1] */
void run_pipeline(char **stage[], int n)
{
	int in = STDIN_FILENO; /* the read end the next stage takes as its fd 0 */
	int fd[2];

	for (int i = 0; i < n; i++) {
		if (i < n - 1)
			pipe(fd); /* one pipe between each two stages */
		if (fork() == 0) {
			if (in != STDIN_FILENO) {
				dup2(in, STDIN_FILENO); /* read from the stage before */
				close(in);
			}
			if (i < n - 1) {
				dup2(fd[1], STDOUT_FILENO); /* write to the stage after */
				close(fd[0]);
				close(fd[1]);
			}
			execvp(stage[i][0], stage[i]);
			perror("execvp");
			_exit(127);
		}
		if (in != STDIN_FILENO)
			close(in); /* the shell keeps no end, or a reader never sees EOF */
		if (i < n - 1) {
			close(fd[1]);
			in = fd[0];
		}
	}
	for (int i = 0; i < n; i++)
		wait(NULL); /* every stage, in any order */
}
