/*
 * pipescope's launcher: what strace starts. It runs one program, or a pipeline, the way a
 * shell does, with no parsing and no shell at all.
 *
 *   launch TTY_FD FILTER_FD PROGRAM [ARG]... [ "|" PROGRAM [ARG]... ]...
 *
 * First it loads the run's seccomp filter, given as BPF on FILTER_FD (app/runner/
 * syscall_filter.py builds it; strace, which must trace, runs without its ptrace line): from
 * here on nothing that runs may trace, mount, or open an inet socket. No filter on FILTER_FD
 * means the sandbox has no seccomp layer on this machine. strace's log is fd 2 of everything
 * it starts, so fd 2 is then pointed back at the terminal, TTY_FD (pipescope hides these
 * calls: they are the launcher's set-up, not the program's). One program is then exec'd in place,
 * as `exec prog` would; a pipeline gets a pipe, a fork, dup2 and execvp per stage, as sh
 * does for `a | b`, and the launcher waits for every stage. pipescope checks each argv
 * against its allowlist before it gets here.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_STAGES 8
#define MAX_FILTER 4096 /* instructions: the kernel's own BPF_MAXINSNS */

static int load_filter(int fd)
{
	static struct sock_filter code[MAX_FILTER];
	struct sock_fprog prog;
	ssize_t got = read(fd, code, sizeof(code));

	if (got < 0 && errno == EBADF)
		return 0; /* no seccomp layer here */
	close(fd);
	if (got <= 0 || got % sizeof(code[0]) != 0)
		return -1;
	prog.len = (unsigned short)(got / sizeof(code[0]));
	prog.filter = code;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

int main(int argc, char **argv)
{
	char **stage[MAX_STAGES];
	pid_t pids[MAX_STAGES];
	int nstages = 1, in = -1, fd[2] = {-1, -1}, status = 0, i;

	if (argc < 4)
		return 2;
	if (load_filter(atoi(argv[2])) != 0) {
		perror("launch: seccomp");
		return 126; /* never run a program outside the boundary */
	}
	dup2(atoi(argv[1]), STDERR_FILENO);
	close(atoi(argv[1]));
	stage[0] = &argv[3];
	for (i = 3; i < argc; i++) {
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
