/* d4_cancel.c: demo D4: a task cancelled mid-work, cleaning up, and the wrong way. */
#include "aio.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
static struct seen {
    bool cleaned_up;         /* the worker's cleanup ran to its end */
    aio_status awaited;      /* what main's await returned */
    long value;              /* the worker's value, if it ended normally */
    char message[64];        /* the cancellation's message, if it ended cancelled */
    int cancelling;          /* requests still counted on the worker at its end */
    double returned_ms;      /* when main's await returned */
} seen;

static void remember(aio_task *task, aio_status awaited, const aio_outcome *outcome)
{
    seen.awaited = awaited;
    seen.value = awaited == AIO_OK ? (long)outcome->value : 0;
    snprintf(seen.message, sizeof seen.message, "%s",
             awaited == AIO_CANCELLED ? outcome->message : "");
    seen.cancelling = aio_cancelling(task);
    seen.returned_ms = ms();
}
static void print_facts(const char *half)
{
    bool cancelled = seen.awaited == AIO_CANCELLED;
    printf("FACT %s.cleanup %s\n", half, seen.cleaned_up ? "ran" : "none");
    if (cancelled) printf("FACT %s.awaiter_saw cancelled: %s\n", half, seen.message);
    else if (seen.awaited == AIO_OK) printf("FACT %s.awaiter_saw value %ld\n", half, seen.value);
    else printf("FACT %s.awaiter_saw status %d\n", half, (int)seen.awaited);
    printf("FACT %s.cancellation %s\n", half,
           cancelled ? "propagated" : seen.cancelling > 0 ? "lost" : "none");
    printf("FACT clock.%s.await_returned_ms %.0f\n", half, seen.returned_ms);
    seen = (struct seen){0};   /* the next half starts afresh */
}
static aio_outcome well_behaved(void *arg)
{
    (void)arg;
    for (int item = 1; item <= 10; item++) {
        if (aio_sleep(AIO_MSEC(100)) == AIO_CANCELLED) {
            printf("%6.0f ms  worker: cancelled during item %d; cleaning up\n", ms(), item);
            if (aio_sleep(AIO_MSEC(20)) != AIO_OK) { /* cleanup interrupted: still stop */ }
            printf("%6.0f ms  worker: cleanup done, propagating the cancellation\n", ms());
            seen.cleaned_up = true;
            return aio_propagate(AIO_CANCELLED);
        }
        printf("%6.0f ms  worker: item %d done\n", ms(), item);
    }
    return aio_value(10);
}
static aio_outcome swallower(void *arg)
{
    (void)arg;
    int done = 0;
    for (int item = 1; item <= 10; item++) {
        if (aio_sleep(AIO_MSEC(100)) != AIO_OK)
            printf("%6.0f ms  worker: sleep failed; carrying on anyway\n", ms());
        done++;
    }
    printf("%6.0f ms  worker: all %d items done, returning normally\n", ms(), done);
    return aio_value(done);
}
static aio_outcome cancel_and_watch(void *worker)
{
    run_start = aio_now(aio_running_loop());
    aio_task *task = aio_spawn("worker", (aio_task_fn *)worker, NULL);
    if (aio_sleep(AIO_MSEC(250)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    printf("%6.0f ms  main: cancel(worker, \"user pressed stop\")\n", ms());
    aio_cancel(task, "user pressed stop");
    aio_outcome outcome;
    aio_status status = aio_await(task, &outcome);
    if (status == AIO_CANCELLED)
        printf("%6.0f ms  main: the worker ended CANCELLED (\"%s\")\n", ms(), outcome.message);
    else
        printf("%6.0f ms  main: the worker ended normally with %ld; the cancellation was "
               "lost (cancelling() = %d)\n", ms(), (long)outcome.value, aio_cancelling(task));
    remember(task, status, &outcome);
    aio_release(task);
    return aio_value(0);
}

int main(int argc, char **argv)
{
    read_options(argc, argv);
    aio_loop_options clock = {.virtual_clock = !real_clock};
    printf("The right way:\n");
    aio_status right = aio_run(cancel_and_watch, well_behaved, &clock, NULL);
    if (facts) print_facts("right");
    printf("\nThe wrong way:\n");
    aio_status wrong = aio_run(cancel_and_watch, swallower, &clock, NULL);
    if (facts) print_facts("wrong");
    return right == AIO_OK && wrong == AIO_OK ? 0 : 1;
}
