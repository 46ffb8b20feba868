/* pitfall_forgot.c: a status checked and ignored, and a task never awaited. */
#include "aio.h"
#include <errno.h>
#include <stdio.h>

static aio_time run_start;
static double ms(void) { return (aio_now(aio_running_loop()) - run_start) / 1e6; }

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --facts: after the usual output, print FACT lines, which the book's prose
   quotes and checks. --real-clock: run in real time a demo that the book
   captures on the virtual clock. */
static bool facts, real_clock;

static void read_options(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--facts") == 0) facts = true;
        else if (strcmp(argv[i], "--real-clock") == 0) real_clock = true;
        else {
            fprintf(stderr, "usage: %s [--facts] [--real-clock]\n", argv[0]);
            exit(2);
        }
    }
}

/* With --facts, print the line FACT KEY VALUE. */
static inline void fact(const char *key, const char *format, ...)
{
    if (!facts) return;
    va_list values;
    va_start(values, format);
    printf("FACT %s ", key);
    vprintf(format, values);
    putchar('\n');
    va_end(values);
}
static int requests_sent;

static aio_outcome rate_limited(void *arg)
{
    (void)arg;
    for (int request = 1; request <= 3; request++) {
        printf("%5.0f ms  sending request %d\n", ms(), request);
        requests_sent++;
        if (aio_sleep(AIO_SEC(1)) != AIO_OK) { /* "can't happen" */ }
    }
    return aio_value(0);
}

static aio_outcome cut_short(void *sender_fn)
{
    run_start = aio_now(aio_running_loop());
    requests_sent = 0;
    aio_task *sender = aio_spawn("sender", (aio_task_fn *)sender_fn, NULL);
    if (aio_sleep(AIO_MSEC(1500)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    aio_cancel(sender, "shutting down");
    aio_outcome outcome;
    aio_status status = aio_await(sender, &outcome);
    printf("%5.0f ms  the sender ended %s\n", ms(), status == AIO_OK ? "normally" : "cancelled");
    fact(sender_fn == (void *)rate_limited ? "failure.requests_sent" : "fix.requests_sent",
         "%d", requests_sent);
    aio_release(sender);
    return aio_value(0);
}
static aio_outcome save_file(void *arg)
{
    (void)arg;
    if (aio_sleep(AIO_MSEC(10)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    return aio_error(ENOSPC, "disk full while saving");
}

static aio_outcome fire_and_forget(void *arg)
{
    (void)arg;
    run_start = aio_now(aio_running_loop());
    aio_release(aio_spawn("save file", save_file, NULL));   /* never awaited */
    if (aio_sleep(AIO_MSEC(50)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    printf("%5.0f ms  main: all done (or is it?)\n", ms());
    return aio_value(0);
}
static aio_outcome rate_limited_fixed(void *arg)
{
    (void)arg;
    for (int request = 1; request <= 3; request++) {
        printf("%5.0f ms  sending request %d\n", ms(), request);
        requests_sent++;
        if (aio_sleep(AIO_SEC(1)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    }
    return aio_value(0);
}

static aio_outcome save_and_await(void *arg)
{
    (void)arg;
    run_start = aio_now(aio_running_loop());
    aio_task *saving = aio_spawn("save file", save_file, NULL);
    aio_outcome outcome;
    if (aio_await(saving, &outcome) == AIO_ERROR)
        printf("%5.0f ms  main: saving failed: %s\n", ms(), outcome.message);
    fact("fix.main_saw", "%s", outcome.status == AIO_ERROR ? "the error" : "no error");
    aio_release(saving);
    return aio_value(0);
}

int main(int argc, char **argv)
{
    read_options(argc, argv);
    aio_loop_options clock = {.virtual_clock = !real_clock};
    setvbuf(stdout, NULL, _IOLBF, 0);   /* keep stdout and stderr in order */
    printf("The failures:\n");
    if (aio_run(cut_short, rate_limited, &clock, NULL) != AIO_OK) return 1;
    if (aio_run(fire_and_forget, NULL, &clock, NULL) != AIO_OK) return 1;
    printf("\nThe fixes:\n");
    if (aio_run(cut_short, rate_limited_fixed, &clock, NULL) != AIO_OK) return 1;
    return aio_run(save_and_await, NULL, &clock, NULL) == AIO_OK ? 0 : 1;
}
