/* d3_timeouts.c: demo D3: workers under a timeout, every outcome gathered, a summary. */
#include "aio.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
enum { JOBS = 7, TIMEOUT_MS = 100, CLEANUP_MS = 20 };

struct job {
    const char *name;
    int work_ms;
    int error;              /* 0, or the errno it fails with */
    const char *why;
    aio_task *task;
    bool cleaned_up;        /* its cleanup after a cancellation ran to its end */
    double timed_out_ms;    /* when its timeout was reported, if it was */
};

static struct job jobs[JOBS] = {
    {.name = "users", .work_ms = 40},
    {.name = "orders", .work_ms = 300},
    {.name = "prices", .work_ms = 20, .error = ECONNREFUSED, .why = "connection refused"},
    {.name = "stock", .work_ms = 80},
    {.name = "reviews", .work_ms = 500},
    {.name = "images", .work_ms = 60, .error = EIO, .why = "checksum mismatch"},
    {.name = "search", .work_ms = 90},
};

static aio_time run_start;
static double elapsed_ms(void) { return (aio_now(aio_running_loop()) - run_start) / 1e6; }
static aio_outcome worker(void *arg)
{
    struct job *job = arg;
    if (aio_sleep(AIO_MSEC(job->work_ms)) == AIO_CANCELLED) {
        printf("%4.0f ms  %-7s cancelled: closing its connection\n", elapsed_ms(), job->name);
        aio_status cleanup = aio_sleep(AIO_MSEC(CLEANUP_MS));
        printf("%4.0f ms  %-7s cleanup %s\n", elapsed_ms(), job->name,
               cleanup == AIO_OK ? "done" : "interrupted");
        job->cleaned_up = cleanup == AIO_OK;
        return aio_propagate(AIO_CANCELLED);
    }
    if (job->error) {
        printf("%4.0f ms  %-7s fails: %s\n", elapsed_ms(), job->name, job->why);
        return aio_error(job->error, "%s", job->why);
    }
    printf("%4.0f ms  %-7s done\n", elapsed_ms(), job->name);
    return aio_value(job->work_ms);
}
static aio_outcome under_timeout(void *arg)
{
    struct job *job = arg;
    job->task = aio_spawn(job->name, worker, job);
    if (!job->task) return aio_error(ENOMEM, "no memory for %s", job->name);
    aio_outcome outcome;
    if (aio_wait_for(job->task, AIO_MSEC(TIMEOUT_MS), &outcome) == AIO_TIMEOUT) {
        job->timed_out_ms = elapsed_ms();
        printf("%4.0f ms  %-7s timed out\n", job->timed_out_ms, job->name);
    }
    return outcome;
}
static void summarize(const aio_outcome *outcomes)
{
    static const aio_status kinds[] = {AIO_OK, AIO_TIMEOUT, AIO_ERROR};
    static const char *const titles[] = {"succeeded", "timed out", "failed"};
    for (int k = 0; k < 3; k++) {
        int count = 0;
        for (int i = 0; i < JOBS; i++) count += outcomes[i].status == kinds[k];
        printf("  %-9s %d:", titles[k], count);
        const char *separator = " ";
        for (int i = 0; i < JOBS; i++) {
            if (outcomes[i].status != kinds[k]) continue;
            printf("%s%s", separator, jobs[i].name);
            if (kinds[k] == AIO_OK) printf(" (%ld ms)", (long)outcomes[i].value);
            if (kinds[k] == AIO_ERROR) printf(" (%s)", outcomes[i].message);
            separator = ", ";
        }
        printf("\n");
    }
}
static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void print_names(const char *key, const char **names, int count)
{
    qsort(names, count, sizeof *names, by_name);
    printf("FACT %s", key);
    for (int i = 0; i < count; i++) printf(" %s", names[i]);
    printf("\n");
}
static void print_facts(const aio_outcome *outcomes, double returned_ms)
{
    static const aio_status kinds[] = {AIO_OK, AIO_TIMEOUT, AIO_ERROR};
    static const char *const keys[] = {"succeeded", "timed_out", "failed"};
    const char *names[JOBS];
    for (int k = 0; k < 3; k++) {
        int count = 0;
        for (int i = 0; i < JOBS; i++)
            if (outcomes[i].status == kinds[k]) names[count++] = jobs[i].name;
        print_names(keys[k], names, count);
    }
    int count = 0;
    for (int i = 0; i < JOBS; i++)
        if (jobs[i].cleaned_up) names[count++] = jobs[i].name;
    print_names("cleaned_up", names, count);
    for (int i = 0; i < JOBS; i++)
        if (outcomes[i].status == AIO_TIMEOUT)
            printf("FACT clock.%s.timed_out_ms %.0f\n", jobs[i].name, jobs[i].timed_out_ms);
    printf("FACT clock.gather_returned_ms %.0f\n", returned_ms);
}
static aio_outcome main_task(void *arg)
{
    (void)arg;
    aio_task *guarded[JOBS];
    aio_outcome outcomes[JOBS];
    run_start = aio_now(aio_running_loop());
    printf("%d workers, each under a %d ms timeout, one gather for every outcome\n",
           JOBS, TIMEOUT_MS);
    for (int i = 0; i < JOBS; i++) guarded[i] = aio_spawn("under_timeout", under_timeout, &jobs[i]);
    aio_status status = aio_gather(guarded, JOBS, true, outcomes);
    double returned_ms = elapsed_ms();
    printf("%4.0f ms  gather returned %d outcomes:\n", returned_ms, JOBS);
    summarize(outcomes);
    if (facts) print_facts(outcomes, returned_ms);
    for (int i = 0; i < JOBS; i++) {
        aio_release(guarded[i]);
        aio_release(jobs[i].task);
    }
    return aio_propagate(status);
}

int main(int argc, char **argv)
{
    read_options(argc, argv);
    aio_outcome outcome;
    aio_loop_options clock = {.virtual_clock = !real_clock};
    return aio_run(main_task, NULL, &clock, &outcome) == AIO_OK ? 0 : 1;
}
