/*
 * pipescope's launcher: what strace starts. It runs one program, or a pipeline, the way a
 * shell does, with no parsing and no shell at all.
 *
 *   launch TTY_FD PROGRAM [ARG]... [ "|" PROGRAM [ARG]... ]...
 *
 * strace's log is fd 2 of everything it starts, so fd 2 is first pointed back at the
 * terminal, TTY_FD (pipescope hides these two calls). One program is then exec'd in place,
 * as `exec prog` would; a pipeline gets a pipe, a fork, dup2 and execvp per stage, as sh
 * does for `a | b`, and the launcher waits for every stage. pipescope checks each argv
 * against its allowlist before it gets here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_STAGES 8

int main(int argc, char **argv)
{
	char **stage[MAX_STAGES];
	pid_t pids[MAX_STAGES];
	int nstages = 1, in = -1, fd[2] = {-1, -1}, status = 0, i;

	if (argc < 3)
		return 2;
	dup2(atoi(argv[1]), STDERR_FILENO);
	close(atoi(argv[1]));
	stage[0] = &argv[2];
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "|") != 0)
			continue;
		if (nstages == MAX_STAGES || i + 1 == argc)
			return 2;
		argv[i] = NULL; /* ends the stage before it */
		stage[nstages++] = &argv[i + 1];
	}
	if (nstages == 1) {
		char *path = stage[0][0], *name = strrchr(path, '/');

		if (name) /* a compiled example: it is called by its name, as a shell calls ./a.out */
			stage[0][0] = name + 1;
		execvp(path, stage[0]);
		perror(path);
		return 127;
	}
	for (i = 0; i < nstages; i++) {
		int last = i == nstages - 1;

		if (!last)
			pipe(fd);
		pids[i] = fork();
		if (pids[i] == 0) {
			if (in != -1) { /* stdin: the previous stage's pipe */
				dup2(in, STDIN_FILENO);
				close(in);
			}
			if (!last) { /* stdout: the next stage's pipe */
				close(fd[0]);
				dup2(fd[1], STDOUT_FILENO);
				close(fd[1]);
			}
			execvp(stage[i][0], stage[i]);
			perror(stage[i][0]);
			_exit(127);
		}
		if (in != -1)
			close(in); /* the shell keeps no end, or a reader never sees EOF */
		if (!last) {
			close(fd[1]);
			in = fd[0];
		}
	}
	for (i = 0; i < nstages; i++)
		waitpid(pids[i], &status, 0); /* the last stage's status is the pipeline's */
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
