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
	
	// 创建并打开管道
	ret = pipe(fd);
	
	if(ret == -1) {
		sys_err("pipe error");
	}
	
	pid = fork();

	if(pid > 0) {
		close(fd[0]); //父进程关闭读端
		write(fd[1], str, strlen(str)); //写入管道数据
		close(fd[1]); //父进程关闭写端
	} else if(pid == 0) {
		close(fd[1]); //子进程关闭写端
		ret = read(fd[0], buf, sizeof(buf)); //read函数返回读到的字节数  
		write(STDOUT_FILENO, buf, ret);
		close(fd[0]);
		
	}
	
	return 0;

}
