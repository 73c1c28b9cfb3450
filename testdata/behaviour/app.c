/* The test workload of dsig's behaviour tests (a stand-in for the seed's
 * main.go): it handles SIGTERM, SIGINT and SIGQUIT, prints its graceful exit,
 * writes "graceful <signal>" to $APP_MARKER when set, and exits 0.
 * Build: gcc -static -O2 -o app app.c */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got = 0;

static void on_signal(int s) { got = s; }

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    setvbuf(stdout, NULL, _IONBF, 0);
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
    return 0;
}
