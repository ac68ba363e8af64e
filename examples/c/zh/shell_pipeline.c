#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) /* shell 为 ls | wc -l 做的事 */
{
	int fd[2];
	char *ls[] = {"ls", NULL};
	char *wc[] = {"wc", "-l", NULL};

	pipe(fd);
	if (fork() == 0) {
		dup2(fd[1], STDOUT_FILENO); /* ls 写入管道 */
		close(fd[0]);
		close(fd[1]);
		execvp(ls[0], ls);
		perror("execvp");
		return 127;
	}
	if (fork() == 0) {
		dup2(fd[0], STDIN_FILENO); /* wc 从管道读 */
		close(fd[0]);
		close(fd[1]);
		execvp(wc[0], wc);
		perror("execvp");
		return 127;
	}
	close(fd[0]); /* shell 自己不留任何一端，否则 wc 永远等不到 EOF */
	close(fd[1]);
	wait(NULL);
	wait(NULL);
	return 0;
}
