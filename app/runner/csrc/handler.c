/* pipescope's signal handler: a real C handler, so signals behave as they do in C.
 *
 * Python runs its handlers later, in its main loop, coalesces even real-time signals, leaves
 * the mask as it was and retries calls on EINTR. This handler runs where the kernel puts
 * it: on the way back to user space, in whatever call the signal interrupted. All it does
 * is tell the supervisor it ran, with one send() (async-signal-safe) of one packet on the
 * process's handler channel: its pid, the signal, who sent it (siginfo) and the mask the
 * kernel set for the handler's run. Nothing here allocates, locks or touches Python.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int pipescope_fd = -1; /* the handler channel, set once by the runner */

static char *put_unum(char *p, unsigned long u)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = '0' + u % 10;
		u /= 10;
	} while (u);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_num(char *p, long v)
{
	if (v < 0) {
		*p++ = '-';
		return put_unum(p, -(unsigned long)v);
	}
	return put_unum(p, (unsigned long)v);
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static void handler(int sig, siginfo_t *info, void *context)
{
	int saved = errno;
	char buf[256], *p = buf;
	sigset_t now;
	unsigned long mask = 0;
	int i;
	(void)context;
	sigprocmask(SIG_BLOCK, NULL, &now); /* the mask while this handler runs */
	for (i = 1; i <= 64; i++)
		if (sigismember(&now, i) == 1)
			mask |= 1UL << (i - 1);
	p = put_str(p, "{\"pid\":");
	p = put_num(p, getpid());
	p = put_str(p, ",\"signo\":");
	p = put_num(p, sig);
	p = put_str(p, ",\"from\":");
	p = put_num(p, info ? info->si_pid : 0);
	p = put_str(p, ",\"code\":");
	p = put_num(p, info ? info->si_code : 0);
	p = put_str(p, ",\"mask\":");
	p = put_unum(p, mask);
	p = put_str(p, "}");
	if (pipescope_fd >= 0)
		send(pipescope_fd, buf, p - buf, MSG_DONTWAIT | MSG_NOSIGNAL);
	errno = saved;
}

/* kind: 0 SIG_DFL, 1 SIG_IGN, 2 the handler. mask: bit n-1 for signal n. */
int pipescope_sigaction(int sig, int kind, int flags, unsigned long mask)
{
	struct sigaction sa;
	int i;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	for (i = 1; i <= 64; i++)
		if (mask & (1UL << (i - 1)))
			sigaddset(&sa.sa_mask, i);
	if (kind == 2) {
		sa.sa_sigaction = handler;
		sa.sa_flags = flags | SA_SIGINFO;
	} else {
		sa.sa_handler = kind == 1 ? SIG_IGN : SIG_DFL;
		sa.sa_flags = flags;
	}
	return sigaction(sig, &sa, NULL);
}

/* A C program's start: every signal SIG_DFL (32 and 33 too, which glibc's sigaction refuses:
 * the kernel's own call, with its own struct), none blocked. A disposition of SIG_IGN
 * survives fork and exec, so whatever ignored a signal above the runner must not show. */
struct kernel_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	unsigned long mask;
};

void pipescope_reset(void)
{
	struct kernel_sigaction dfl = { 0 };
	sigset_t none;
	int sig;
	for (sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}
