#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sys_err(const char* str ) 
{
	perror(str);
	exit(1);
}


int main(int argc, char** argv)
{
	int ret;
	int fd[2];
	pid_t pid;
	
	char *str = "hello pipe\n";
	char buf[1024];  
	
	// create and open the pipe
	ret = pipe(fd);
	
	if(ret == -1) {
		sys_err("pipe error");
	}
	
	pid = fork();

	if(pid > 0) {
		close(fd[0]); //the parent closes the read end
		write(fd[1], str, strlen(str)); //write the data into the pipe
		close(fd[1]); //the parent closes the write end
	} else if(pid == 0) {
		close(fd[1]); //the child closes the write end
		ret = read(fd[0], buf, sizeof(buf)); //read returns the number of bytes it read
		write(STDOUT_FILENO, buf, ret);
		close(fd[0]);
		
	}
	
	return 0;

}
