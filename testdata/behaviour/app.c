/* The test workload of dsig's behaviour tests (a stand-in for the seed's
 * main.go): it handles SIGTERM, SIGINT and SIGQUIT, prints its graceful exit,
 * writes "graceful <signal>" to $APP_MARKER when set, and exits 0.
 *
 * When $APP_RECORD is set it also appends, at start, a record of how it was
 * started to that file (one block, written with a single write(2)): its argv
 * (one per line), uid, gid, cwd and sorted environment (without `_`, SHLVL,
 * APP_MARKER, APP_RECORD, PWD and OLDPWD), ended by a `--` line; and it
 * appends "start <pid>" at start and "graceful <pid> <signal>" at its graceful
 * exit to $APP_RECORD.events, so a harness can tell whether every copy that
 * started shut down gracefully (tests/adversarial.rs).
 * `--also-stop-on=WINCH` (or HUP, USR1, USR2) makes that signal a graceful
 * stop too: the fake apache2 of tests/adversarial.rs passes it, as httpd's
 * graceful-stop signal is SIGWINCH.
 * Build: gcc -static -O2 -o app app.c */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t got = 0;

static void on_signal(int s) { got = s; }

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int skipped(const char *kv) {
    static const char *names[] = {"_", "SHLVL", "APP_MARKER", "APP_RECORD", "PWD", "OLDPWD"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen(names[i]);
        if (strncmp(kv, names[i], n) == 0 && kv[n] == '=') return 1;
    }
    return 0;
}

static char buf[1 << 16];
static size_t len = 0;

static void put(const char *a, const char *b) {
    int n = snprintf(buf + len, sizeof buf - len, "%s%s\n", a, b);
    if (n > 0 && len + (size_t)n < sizeof buf) len += (size_t)n;
}

static void append(const char *path, const char *text, size_t n) {
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0666);
    if (fd < 0) return;
    if (write(fd, text, n) < 0) { /* nothing to do */ }
    close(fd);
}

static void event(const char *record, const char *what) {
    char path[4096], line[128];
    snprintf(path, sizeof path, "%s.events", record);
    int n = snprintf(line, sizeof line, "%s\n", what);
    append(path, line, (size_t)n);
}

static void record(int argc, char **argv) {
    const char *path = getenv("APP_RECORD");
    if (!path) return;
    char num[64], cwd[4096];
    for (int i = 0; i < argc; i++) {
        snprintf(num, sizeof num, "argv[%d]=", i);
        put(num, argv[i]);
    }
    snprintf(num, sizeof num, "%d", (int)getuid());
    put("uid=", num);
    snprintf(num, sizeof num, "%d", (int)getgid());
    put("gid=", num);
    put("cwd=", getcwd(cwd, sizeof cwd) ? cwd : "?");
    size_t n = 0;
    for (char **e = environ; *e; e++) n++;
    char **env = calloc(n + 1, sizeof *env);
    size_t k = 0;
    for (char **e = environ; *e; e++)
        if (!skipped(*e)) env[k++] = *e;
    qsort(env, k, sizeof *env, cmp);
    for (size_t i = 0; i < k; i++) put("env ", env[i]);
    free(env);
    put("--", "");
    append(path, buf, len);
    snprintf(num, sizeof num, "start %d", (int)getpid());
    event(path, num);
}

int main(int argc, char **argv) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    for (int i = 1; i < argc; i++) {
        const char *also = "--also-stop-on=";
        if (strncmp(argv[i], also, strlen(also)) != 0) continue;
        const char *name = argv[i] + strlen(also);
        int sig = strcmp(name, "WINCH") == 0  ? SIGWINCH
                  : strcmp(name, "HUP") == 0  ? SIGHUP
                  : strcmp(name, "USR1") == 0 ? SIGUSR1
                  : strcmp(name, "USR2") == 0 ? SIGUSR2
                                              : 0;
        if (sig) sigaction(sig, &sa, NULL);
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    record(argc, argv);
    printf("app: started as pid %d\n", (int)getpid());
    while (!got) pause();
    printf("app: graceful shutdown on signal %d\n", (int)got);
    const char *marker = getenv("APP_MARKER");
    if (marker) {
        FILE *f = fopen(marker, "w");
        if (f) {
            fprintf(f, "graceful %d\n", (int)got);
            fclose(f);
        }
    }
    const char *rec = getenv("APP_RECORD");
    if (rec) {
        char line[64];
        snprintf(line, sizeof line, "graceful %d %d", (int)getpid(), (int)got);
        event(rec, line);
    }
    return 0;
}
