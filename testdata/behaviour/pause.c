/* A stand-in for Kubernetes' pause container, the PID 1 of a pod whose
 * containers share one PID namespace (shareProcessNamespace: true). Like
 * the real one it does nothing but wait: it handles SIGINT and SIGTERM (it
 * exits 0), reaps every child it inherits (SIGCHLD), and never forwards a
 * signal to anyone. tests/k8s.rs runs it as PID 1 of a new PID namespace
 * and starts the "container's main process" in that namespace beside it.
 * Build: gcc -static -O2 -o pause pause.c */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_stop(int sig) {
    static const char msg[] = "pause: shutting down\n";
    (void)sig;
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) { /* nothing to do */ }
    _exit(0);
}

static void on_child(int sig) {
    int saved = errno;
    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    errno = saved;
}

int main(void) {
    if (getpid() != 1) {
        fprintf(stderr, "pause: warning: not PID 1\n");
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0) {
        perror("pause: sigaction");
        return 1;
    }
    sa.sa_handler = on_child;
    sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
    if (sigaction(SIGCHLD, &sa, NULL) < 0) {
        perror("pause: sigaction");
        return 1;
    }
    for (;;) {
        pause();
    }
}
