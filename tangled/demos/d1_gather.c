/* d1_gather.c: demo D1: five workers, gathered, and then one after another. */
#include "aio.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WORKERS = 5 };
static const int sleep_ms[WORKERS] = {300, 100, 400, 200, 250};
static aio_time run_start;
static int events, started[WORKERS], ended[WORKERS];   /* when, counted in events */

static double elapsed_ms(void) { return (aio_now(aio_running_loop()) - run_start) / 1e6; }

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
static void print_facts(const char *run, const long *results)
{
    int last_start = started[0], first_end = ended[0];
    for (int i = 0; i < WORKERS; i++) {
        if (started[i] > last_start) last_start = started[i];
        if (ended[i] < first_end) first_end = ended[i];
    }
    printf("FACT %s.results", run);
    for (int i = 0; i < WORKERS; i++) printf(" %ld", results[i]);
    printf("\nFACT %s.end_order", run);
    for (int event = first_end; event < events; event++)
        for (int i = 0; i < WORKERS; i++)
            if (ended[i] == event) printf(" %d", i);
    printf("\nFACT %s.overlapped %s\n", run, last_start < first_end ? "yes" : "no");
    printf("FACT clock.%s.total_ms %.0f\n", run, elapsed_ms());
}
static aio_outcome worker(void *arg)
{
    int i = (int)(intptr_t)arg;
    printf("  %6.1f ms  worker %d starts, will sleep %d ms\n", elapsed_ms(), i, sleep_ms[i]);
    started[i] = events++;
    if (aio_sleep(AIO_MSEC(sleep_ms[i])) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    ended[i] = events++;
    printf("  %6.1f ms  worker %d ends\n", elapsed_ms(), i);
    return aio_value(i * i);
}
static aio_outcome concurrently(void *arg)
{
    (void)arg;
    aio_task *tasks[WORKERS];
    aio_outcome results[WORKERS];
    run_start = aio_now(aio_running_loop());
    printf("gather: create %d tasks, then gather them\n", WORKERS);
    for (int i = 0; i < WORKERS; i++) tasks[i] = aio_spawn("worker", worker, (void *)(intptr_t)i);
    aio_status status = aio_gather(tasks, WORKERS, false, results);
    long values[WORKERS];
    printf("gather: results");
    for (int i = 0; i < WORKERS; i++) printf(" %ld", values[i] = (long)results[i].value);
    printf(" after %.0f ms (the longest sleep is 400 ms)\n\n", elapsed_ms());
    if (facts) print_facts("gather", values);
    for (int i = 0; i < WORKERS; i++) aio_release(tasks[i]);
    return aio_propagate(status);
}
static aio_outcome sequentially(void *arg)
{
    (void)arg;
    run_start = aio_now(aio_running_loop());
    printf("sequential: call each worker and wait for it, no tasks\n");
    long results[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        aio_outcome result = worker((void *)(intptr_t)i);
        if (result.status != AIO_OK) return result;
        results[i] = (long)result.value;
    }
    printf("sequential: results");
    for (int i = 0; i < WORKERS; i++) printf(" %ld", results[i]);
    printf(" after %.0f ms (the sum of the sleeps is 1250 ms)\n", elapsed_ms());
    if (facts) print_facts("sequential", results);
    return aio_value(0);
}

int main(int argc, char **argv)
{
    read_options(argc, argv);
    aio_outcome outcome;
    aio_loop_options clock = {.virtual_clock = !real_clock};
    if (aio_run(concurrently, NULL, &clock, &outcome) != AIO_OK) return 1;
    if (aio_run(sequentially, NULL, &clock, &outcome) != AIO_OK) return 1;
    return 0;
}
