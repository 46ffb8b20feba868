/* pitfall_blocking.c: blocking calls and CPU-bound work starve the loop; the fixes. */
#define _POSIX_C_SOURCE 200809L
#include "aio.h"
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static volatile bool working;
static double worst_late_ms;

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
static aio_outcome ticker(void *arg)
{
    (void)arg;
    aio_loop *loop = aio_running_loop();
    aio_time next = aio_now(loop);
    while (working) {
        next += AIO_MSEC(10);
        if (aio_sleep(next - aio_now(loop)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
        double late = (aio_now(loop) - next) / 1e6;
        if (late > worst_late_ms) worst_late_ms = late;
    }
    return aio_value(0);
}
static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static intptr_t block_100_ms(void *arg)
{
    (void)arg;
    return nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);   /* blocks the thread */
}

static aio_status crunch_100_ms(bool yielding)
{
    double start = seconds(), slice = start;
    volatile double x = 0;
    while (seconds() - start < 0.100) {
        for (int i = 0; i < 1000; i++) x += i * 0.5;
        if (yielding && seconds() - slice >= 0.001) {
            if (aio_yield() != AIO_OK) return AIO_CANCELLED;
            slice = seconds();
        }
    }
    return AIO_OK;
}
enum way { POLITE_SLEEP, BLOCKING_SLEEP, SLEEP_ON_A_THREAD, CRUNCH_IN_ONE_GO, CRUNCH_AND_YIELD };

static aio_outcome work(void *way)
{
    aio_status status = AIO_OK;
    switch ((enum way)(intptr_t)way) {
    case POLITE_SLEEP:      status = aio_sleep(AIO_MSEC(100)); break;
    case BLOCKING_SLEEP:    block_100_ms(NULL); break;
    case SLEEP_ON_A_THREAD: status = aio_to_thread(block_100_ms, NULL, NULL); break;
    case CRUNCH_IN_ONE_GO:  status = crunch_100_ms(false); break;
    case CRUNCH_AND_YIELD:  status = crunch_100_ms(true); break;
    }
    working = false;
    return aio_propagate(status);
}

static aio_outcome race(void *way)
{
    working = true;
    worst_late_ms = 0;
    aio_task *tasks[2] = {aio_spawn("ticker", ticker, NULL), aio_spawn("work", work, way)};
    aio_outcome outcomes[2];
    aio_status status = aio_gather(tasks, 2, false, outcomes);
    aio_release(tasks[0]);
    aio_release(tasks[1]);
    return aio_propagate(status);
}

int main(int argc, char **argv)
{
    static const char *names[] = {"aio_sleep(100 ms): the baseline", "usleep(100 ms) in the task",
                                  "the same, with aio_to_thread", "100 ms of arithmetic in one go",
                                  "the same, yielding every ms"};
    static const char *keys[] = {"clock.polite_sleep.late_ms", "clock.blocking_sleep.late_ms",
                                 "clock.sleep_on_a_thread.late_ms", "clock.crunch_in_one_go.late_ms",
                                 "clock.crunch_and_yield.late_ms"};
    read_options(argc, argv);   /* real time is the point here: --real-clock changes nothing */
    for (intptr_t way = POLITE_SLEEP; way <= CRUNCH_AND_YIELD; way++) {
        if (aio_run(race, (void *)way, NULL, NULL) != AIO_OK) return 1;
        printf("%-32s the ticker was up to %5.1f ms late\n", names[way], worst_late_ms);
        fact(keys[way], "%.1f", worst_late_ms);
    }
    return 0;
}
