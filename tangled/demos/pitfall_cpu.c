#line 20 "book/10-pitfalls.nw"
/* pitfall_cpu.c: CPU-bound work starves the loop; yielding fixes it. */
#define _POSIX_C_SOURCE 200809L
#include "aio.h"
#include <stdio.h>
#include <time.h>

static volatile bool crunching;
static double worst_late_ms;

#line 35 "book/10-pitfalls.nw"
static aio_outcome ticker(void *arg)
{
    (void)arg;
    aio_loop *loop = aio_running_loop();
    aio_time next = aio_now(loop);
    while (crunching) {
        next += AIO_MSEC(10);
        if (aio_sleep(next - aio_now(loop)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
        double late = (aio_now(loop) - next) / 1e6;
        if (late > worst_late_ms) worst_late_ms = late;
    }
    return aio_value(0);
}
#line 54 "book/10-pitfalls.nw"
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static aio_outcome cruncher(void *yield_every_ms)
{
    double start = cpu_now(), slice_start = start;
    volatile double x = 0;
    while (cpu_now() - start < 0.100) {
        for (int i = 0; i < 1000; i++) x += i * 0.5;
        intptr_t slice = (intptr_t)yield_every_ms;
        if (slice && (cpu_now() - slice_start) * 1e3 >= slice) {
            if (aio_yield() != AIO_OK) return aio_propagate(AIO_CANCELLED);
            slice_start = cpu_now();
        }
    }
    crunching = false;
    return aio_value(0);
}
#line 79 "book/10-pitfalls.nw"
static aio_outcome race(void *yield_every_ms)
{
    crunching = true;
    worst_late_ms = 0;
    aio_task *tasks[2] = {aio_spawn("ticker", ticker, NULL),
                          aio_spawn("cruncher", cruncher, yield_every_ms)};
    aio_outcome outcomes[2];
    aio_status status = aio_gather(tasks, 2, false, outcomes);
    aio_release(tasks[0]);
    aio_release(tasks[1]);
    return aio_propagate(status);
}

int main(void)
{
    if (aio_run(race, (void *)0, NULL, NULL) != AIO_OK) return 1;
    printf("crunching 100 ms in one go:      the ticker was up to %5.1f ms late\n", worst_late_ms);
    if (aio_run(race, (void *)1, NULL, NULL) != AIO_OK) return 1;
    printf("yielding every millisecond:      the ticker was up to %5.1f ms late\n", worst_late_ms);
    return 0;
}
