/* d2_semaphore.c: demo D2: fifty workers, at most five inside a semaphore at once. */
#include "aio.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WORKERS = 50, LIMIT = 5, SLEEP_MS = 10 };

static aio_semaphore *semaphore;
static aio_time run_start;
static double entered_ms[WORKERS], left_ms[WORKERS];
static int entry_order[WORKERS], entries;   /* who got in, in the order they did */
static int inside, peak;
static double wave_ms[WORKERS];             /* when each wave got in */

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
static aio_outcome worker(void *arg)
{
    int i = (int)(intptr_t)arg;
    aio_status status = aio_semaphore_acquire(semaphore);
    if (status != AIO_OK) return aio_propagate(status);
    entered_ms[i] = elapsed_ms();
    entry_order[entries++] = i;
    if (++inside > peak) peak = inside;
    status = aio_sleep(AIO_MSEC(SLEEP_MS));   /* the work */
    inside--;
    left_ms[i] = elapsed_ms();
    aio_semaphore_release(semaphore);
    return aio_propagate(status);
}
static int print_waves(bool show)
{
    int waves = 0;
    if (show) printf("         0         50       100 ms\n");
    for (int n = 0; n < entries; waves++) {
        int first = n;
        double start = wave_ms[waves] = entered_ms[entry_order[first]], end = 0;
        double first_exit = left_ms[entry_order[first]];   /* the wave closes then */
        for (; n < entries && (n == first || entered_ms[entry_order[n]] < first_exit); n++) {
            int worker = entry_order[n];
            if (left_ms[worker] > end) end = left_ms[worker];
            if (left_ms[worker] < first_exit) first_exit = left_ms[worker];
        }
        if (!show) continue;
        printf("wave %2d  |", waves + 1);
        for (int cell = 0; cell < 20; cell++)
            putchar(start <= cell * 5 + 2.5 && cell * 5 + 2.5 < end ? '#' : '.');
        printf("|  in at %5.1f ms: workers", start);
        for (int k = first; k < n; k++) printf(" %2d", entry_order[k]);
        putchar('\n');
    }
    return waves;
}
static void print_facts(int limit, int waves, double total_ms)
{
    bool as_created = entries == WORKERS;
    for (int n = 0; n < entries; n++) as_created &= entry_order[n] == n;
    printf("FACT semaphore_%d.peak_inside %d\n", limit, peak);
    printf("FACT semaphore_%d.waves %d\n", limit, waves);
    printf("FACT semaphore_%d.entry_order %s\n", limit, as_created ? "as created" : "other");
    printf("FACT clock.semaphore_%d.wave_ms", limit);
    for (int w = 0; w < waves; w++) printf(" %.0f", wave_ms[w]);
    printf("\nFACT clock.semaphore_%d.total_ms %.0f\n", limit, total_ms);
}
static aio_outcome run_workers(void *arg)
{
    int limit = (int)(intptr_t)arg;
    aio_task *tasks[WORKERS];
    aio_outcome outcomes[WORKERS];
    if (!(semaphore = aio_semaphore_new(limit))) return aio_error(errno, "no semaphore");
    entries = inside = peak = 0;
    run_start = aio_now(aio_running_loop());
    for (int i = 0; i < WORKERS; i++) tasks[i] = aio_spawn("worker", worker, (void *)(intptr_t)i);
    aio_status status = aio_gather(tasks, WORKERS, false, outcomes);
    double total_ms = elapsed_ms();
    for (int i = 0; i < WORKERS; i++) aio_release(tasks[i]);
    aio_semaphore_free(semaphore);
    printf("%d workers, a semaphore of %d, each sleeps %d ms inside it\n", WORKERS, limit, SLEEP_MS);
    int waves = print_waves(limit < WORKERS);
    printf("peak inside: %d   waves: %d   total: %.1f ms\n\n", peak, waves, total_ms);
    if (facts) print_facts(limit, waves, total_ms);
    return aio_propagate(status);
}

int main(int argc, char **argv)
{
    read_options(argc, argv);
    aio_loop_options clock = {.virtual_clock = !real_clock};
    if (aio_run(run_workers, (void *)(intptr_t)LIMIT, &clock, NULL) != AIO_OK) return 1;
    if (aio_run(run_workers, (void *)(intptr_t)WORKERS, &clock, NULL) != AIO_OK) return 1;
    return 0;
}
