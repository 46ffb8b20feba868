/* sigint_demo.c: Ctrl-C cancels main; its cleanup runs; the exit status says so. */
#define _POSIX_C_SOURCE 200809L
#include "aio.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static bool facts, cleanup_done;

static aio_outcome press_ctrl_c(void *arg)
{
    (void)arg;
    if (aio_sleep(AIO_MSEC(100)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    printf("(100 ms later, the user presses Ctrl-C)\n");
    kill(getpid(), SIGINT);   /* what the terminal does */
    return aio_value(0);
}

static aio_outcome work(void *play_the_user)
{
    if (play_the_user) aio_release(aio_spawn("user", press_ctrl_c, NULL));
    printf("main: working for an hour (press Ctrl-C)\n");
    fflush(stdout);
    aio_status status = aio_sleep(AIO_SEC(3600));
    if (status == AIO_CANCELLED) {
        printf("main: cancelled; cleaning up\n");
        if (aio_sleep(AIO_MSEC(10)) == AIO_OK) {
            printf("main: cleanup done (it even awaited)\n");
            cleanup_done = true;
        }
    }
    return aio_propagate(status);
}
static int program(bool play_the_user)
{
    static const char *names[] = {"OK", "CANCELLED", "TIMEOUT", "ERROR"};
    aio_outcome outcome;
    aio_status status = aio_run(work, play_the_user ? "yes" : NULL, NULL, &outcome);
    printf("aio_run returned %s: %s\n", names[status],
           outcome.message ? outcome.message : "(no message)");
    if (facts) printf("FACT cleanup %s\nFACT run_returned %s\n", cleanup_done ? "done" : "none",
                      names[status]);
    fflush(stdout);
    return aio_exit_status(status, &outcome);
}
int main(int argc, char **argv)
{
    bool wait = false;   /* its own options: --wait, --facts */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--wait") == 0) wait = true;
        else if (strcmp(argv[i], "--facts") == 0) facts = true;
        else {
            fprintf(stderr, "usage: %s [--wait] [--facts]\n", argv[0]);
            return 2;
        }
    }
    if (wait) return program(false);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        signal(SIGINT, SIG_DFL);   /* as a program started from a terminal has it */
        exit(program(true));
    }
    int status;
    if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status)) return 1;
    printf("exit status: %d\n", WEXITSTATUS(status));
    if (facts) printf("FACT exit_status %d\n", WEXITSTATUS(status));
    return WEXITSTATUS(status) == 130 ? 0 : 1;
}
