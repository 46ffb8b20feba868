/* task_demo.c: create, yield, await, an error, and the cleanup at the end of run. */
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
static aio_outcome worker(void *arg)
{
    printf("%5.0f ms  worker %ld starts\n", ms(), (long)(intptr_t)arg);
    if (aio_sleep(AIO_MSEC(100)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    printf("%5.0f ms  worker %ld returns\n", ms(), (long)(intptr_t)arg);
    return aio_value(10 * (intptr_t)arg);
}

static aio_outcome failing(void *arg)
{
    (void)arg;
    return aio_error(EIO, "the disk said no");
}

static aio_outcome sleeper(void *arg)
{
    (void)arg;
    aio_status status = aio_sleep(AIO_SEC(3600));
    printf("%5.0f ms  sleeper woke up %s, cleaning up\n", ms(),
           status == AIO_CANCELLED ? "CANCELLED" : "normally");
    return aio_propagate(status);
}
static aio_outcome main_task(void *arg)
{
    (void)arg;
    run_start = aio_now(aio_running_loop());
    aio_task *w = aio_spawn("worker", worker, (void *)1);
    aio_task *f = aio_spawn("failing", failing, NULL);
    aio_release(aio_spawn("sleeper", sleeper, NULL));   /* detached */
    printf("%5.0f ms  main spawned; worker done? %s\n", ms(), aio_task_done(w) ? "yes" : "no");
    fact("worker_done_after_spawn", "%s", aio_task_done(w) ? "yes" : "no");
    if (aio_yield() != AIO_OK) return aio_propagate(AIO_CANCELLED);
    printf("%5.0f ms  main yielded once\n", ms());
    aio_outcome result, error;
    if (aio_await(w, &result) == AIO_OK) printf("%5.0f ms  main got %ld\n", ms(), (long)result.value);
    fact("clock.main_got_ms", "%.0f", ms());
    if (aio_await(f, &error) == AIO_ERROR)
        printf("%5.0f ms  'failing' ended with error %d: %s\n", ms(), error.error, error.message);
    aio_release(w);
    aio_release(f);
    return aio_value(result.value);
}

int main(int argc, char **argv)
{
    read_options(argc, argv);
    aio_outcome outcome;
    aio_status status = aio_run(main_task, NULL, &(aio_loop_options){.virtual_clock = !real_clock},
                                &outcome);
    printf("aio_run returned %s with value %ld\n",
           status == AIO_OK ? "OK" : "an error", (long)outcome.value);
    fact("run_returned", "%s %ld", status == AIO_OK ? "OK" : "error", (long)outcome.value);
    return status == AIO_OK ? 0 : 1;
}
