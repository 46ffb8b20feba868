/* thread_demo.c: a blocking call runs on a worker thread; the loop keeps ticking. */
#define _POSIX_C_SOURCE 200809L
#include "aio.h"
#include <stdio.h>
#include <time.h>

static aio_time start;
static double ms(void) { return (aio_now(aio_running_loop()) - start) / 1e6; }
static int ticks;                 /* ticks while the thread blocked */

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
static intptr_t slow_square(void *arg)   /* runs on a worker thread: it may block */
{
    nanosleep(&(struct timespec){.tv_nsec = 225 * 1000000L}, NULL);
    return (intptr_t)arg * (intptr_t)arg;
}

static aio_outcome ticker(void *arg)
{
    (void)arg;
    for (int tick = 1;; tick++) {
        if (aio_sleep(AIO_MSEC(50)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
        printf("%4.0f ms  ticker: tick %d\n", ms(), tick);
        ticks = tick;
    }
}
static aio_outcome demo(void *arg)
{
    (void)arg;
    start = aio_now(aio_running_loop());
    aio_task *ticking = aio_spawn("ticker", ticker, NULL);
    printf("%4.0f ms  main: slow_square(12) goes to a worker thread\n", ms());
    intptr_t square = 0;
    aio_status status = aio_to_thread(slow_square, (void *)12, &square);
    printf("%4.0f ms  main: the thread says %ld\n", ms(), (long)square);
    fact("ticks_while_blocked", "%d", ticks);
    fact("clock.thread_said_ms", "%.0f", ms());
    aio_cancel(ticking, "the demo is over");
    if (aio_await(ticking, NULL) != AIO_CANCELLED) status = AIO_ERROR;
    aio_release(ticking);
    return aio_propagate(status);
}

int main(int argc, char **argv)
{
    read_options(argc, argv);   /* threads need the real clock: --real-clock changes nothing */
    aio_outcome outcome;
    return aio_exit_status(aio_run(demo, NULL, NULL, &outcome), &outcome);
}
