/* aio_bench.c: the workloads of the performance appendix, on this runtime. */
#define _POSIX_C_SOURCE 200809L
#include "aio.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static long n;

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double peak_rss_bytes(void)
{
    char line[256];
    long kib = -1;
    FILE *status = fopen("/proc/self/status", "r");
    while (status && kib < 0 && fgets(line, sizeof line, status))
        if (sscanf(line, "VmHWM: %ld kB", &kib) != 1) kib = -1;
    if (status) fclose(status);
    return kib * 1024.0;
}

static void report(const char *workload, const char *metric, double value)
{
    printf("RESULT %s aio %s %.4g\n", workload, metric, value);
}
static aio_outcome spawn_and_gather(void *fn)
{
    aio_task **tasks = malloc(n * sizeof *tasks);
    aio_outcome *outcomes = malloc(n * sizeof *outcomes);
    if (!tasks || !outcomes) return aio_error(12, "no memory for %ld tasks", n);
    for (long i = 0; i < n; i++)
        if (!(tasks[i] = aio_spawn("bench", (aio_task_fn *)fn, (void *)(intptr_t)i)))
            return aio_error(12, "no memory for task %ld", i);
    aio_status status = aio_gather(tasks, (size_t)n, false, outcomes);
    for (long i = 0; i < n; i++) aio_release(tasks[i]);
    free(tasks);
    free(outcomes);
    return aio_propagate(status);
}

static bool run_main(aio_task_fn *main, void *arg)
{
    aio_outcome outcome;
    if (aio_run(main, arg, NULL, &outcome) == AIO_OK) return true;
    fprintf(stderr, "aio_bench: %s\n", outcome.message ? outcome.message : "failed");
    return false;
}
static aio_outcome yield_once(void *arg)
{
    (void)arg;
    return aio_propagate(aio_yield());
}

static aio_outcome yield_many(void *arg)
{
    (void)arg;
    for (long i = 0; i < n / 2; i++)
        if (aio_yield() != AIO_OK) return aio_propagate(AIO_CANCELLED);
    return aio_value(0);
}

static void w1(void)
{
    for (int run = 0; run < 2; run++) {
        double start = seconds();
        if (!run_main(spawn_and_gather, yield_once)) exit(1);
        report("W1", run == 0 ? "us_per_task" : "us_per_task_warm", (seconds() - start) / n * 1e6);
    }
}

static aio_outcome ping_pong(void *arg)
{
    (void)arg;
    aio_task *players[2] = {aio_spawn("ping", yield_many, NULL), aio_spawn("pong", yield_many, NULL)};
    aio_outcome outcomes[2];
    aio_status status = aio_gather(players, 2, false, outcomes);
    aio_release(players[0]);
    aio_release(players[1]);
    return aio_propagate(status);
}

static void w2(void)
{
    double start = seconds();
    if (!run_main(ping_pong, NULL)) exit(1);
    report("W2", "ns_per_switch", (seconds() - start) / n * 1e9);
}
static aio_outcome sleep_random(void *arg)
{
    unsigned long x = (unsigned long)(intptr_t)arg * 2654435761ul % 4294967291ul;
    return aio_propagate(aio_sleep(AIO_USEC(x % 100000)));
}

static aio_outcome sleep_one_second(void *arg)
{
    (void)arg;
    return aio_propagate(aio_sleep(AIO_SEC(1)));
}

static void w3(void)
{
    for (int run = 0; run < 2; run++) {
        double start = seconds();
        if (!run_main(spawn_and_gather, sleep_random)) exit(1);
        report("W3", run == 0 ? "late_ms" : "late_ms_warm", (seconds() - start - 0.1) * 1e3);
    }
}

static void w5(void)
{
    double rss = peak_rss_bytes(), start = seconds();
    if (!run_main(spawn_and_gather, sleep_one_second)) exit(1);
    report("W5", "past_sleep_s", seconds() - start - 1.0);
    report("W5", "bytes_per_task", (peak_rss_bytes() - rss) / n);
}
static aio_semaphore *limit;

static aio_outcome limited_sleeper(void *arg)
{
    (void)arg;
    if (aio_semaphore_acquire(limit) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    aio_status status = aio_sleep(AIO_MSEC(10));
    aio_semaphore_release(limit);
    return aio_propagate(status);
}

static double cpu_seconds(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static void w4(void)
{
    limit = aio_semaphore_new(5);
    double start = seconds(), cpu = cpu_seconds();
    if (!limit || !run_main(spawn_and_gather, limited_sleeper)) exit(1);
    report("W4", "wall_ms", (seconds() - start) * 1e3);
    report("W4", "cpu_ms", (cpu_seconds() - cpu) * 1e3);
    aio_semaphore_free(limit);
}
int main(int argc, char **argv)
{
    static const struct { const char *name; long n; void (*run)(void); } workloads[] = {
        {"W1", 100000, w1}, {"W2", 1000000, w2}, {"W3", 100000, w3}, {"W4", 50, w4},
        {"W5", 1000000, w5},
    };
    for (size_t i = 0; argc >= 2 && i < sizeof workloads / sizeof workloads[0]; i++) {
        if (strcmp(argv[1], workloads[i].name) != 0) continue;
        n = argc >= 3 ? atol(argv[2]) : workloads[i].n;
        if (n < 2) break;
        workloads[i].run();
        return 0;
    }
    fprintf(stderr, "usage: aio_bench W1|W2|W3|W4|W5 [N >= 2]\n");
    return 2;
}
