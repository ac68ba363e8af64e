#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* shell 为 stage[0] | stage[1] | ... | stage[n-1] 做的事 */
void run_pipeline(char **stage[], int n)
{
	int in = STDIN_FILENO; /* 下一个命令要作为 fd 0 的读端 */
	int fd[2];

	for (int i = 0; i < n; i++) {
		if (i < n - 1)
			pipe(fd); /* 每两个相邻命令之间一个管道 */
		if (fork() == 0) {
			if (in != STDIN_FILENO) {
				dup2(in, STDIN_FILENO); /* 从前一个命令读 */
				close(in);
			}
			if (i < n - 1) {
				dup2(fd[1], STDOUT_FILENO); /* 写给后一个命令 */
				close(fd[0]);
				close(fd[1]);
			}
			execvp(stage[i][0], stage[i]);
			perror("execvp");
			_exit(127);
		}
		if (in != STDIN_FILENO)
			close(in); /* shell 自己不留任何一端，否则读进程永远等不到 EOF */
		if (i < n - 1) {
			close(fd[1]);
			in = fd[0];
		}
	}
	for (int i = 0; i < n; i++)
		wait(NULL); /* 等待每一个命令，顺序不限 */
}
