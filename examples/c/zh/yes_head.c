#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) /* shell 为 yes | head -n 3 做的事 */
{
	int fd[2];
	char *yes[] = {"yes", NULL};
	char *head[] = {"head", "-n", "3", NULL};

	pipe(fd);
	if (fork() == 0) {
		dup2(fd[1], STDOUT_FILENO); /* yes 写入管道 */
		close(fd[0]);
		close(fd[1]);
		execvp(yes[0], yes);
		perror("execvp");
		return 127;
	}
	if (fork() == 0) {
		dup2(fd[0], STDIN_FILENO); /* head 从管道读 */
		close(fd[0]);
		close(fd[1]);
		execvp(head[0], head);
		perror("execvp");
		return 127;
	}
	close(fd[0]); /* shell 自己不留任何一端：head 退出后 yes 就没有读端了 */
	close(fd[1]);
	wait(NULL);
	wait(NULL);
	return 0;
}
