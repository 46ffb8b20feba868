#line 173 "book/04-gather.nw"
/* d1_gather.c: demo D1: five workers, gathered, and then one after another. */
#include "aio.h"
#include <stdio.h>

enum { WORKERS = 5 };
static const int sleep_ms[WORKERS] = {300, 100, 400, 200, 250};
static aio_time run_start;

static double elapsed_ms(void) { return (aio_now(aio_running_loop()) - run_start) / 1e6; }

#line 197 "book/04-gather.nw"
static aio_outcome worker(void *arg)
{
    int i = (int)(intptr_t)arg;
    printf("  %6.1f ms  worker %d starts, will sleep %d ms\n", elapsed_ms(), i, sleep_ms[i]);
    if (aio_sleep(AIO_MSEC(sleep_ms[i])) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    printf("  %6.1f ms  worker %d ends\n", elapsed_ms(), i);
    return aio_value(i * i);
}
#line 208 "book/04-gather.nw"
static aio_outcome concurrently(void *arg)
{
    (void)arg;
    aio_task *tasks[WORKERS];
    aio_outcome results[WORKERS];
    run_start = aio_now(aio_running_loop());
    printf("gather: create %d tasks, then gather them\n", WORKERS);
    for (int i = 0; i < WORKERS; i++) tasks[i] = aio_spawn("worker", worker, (void *)(intptr_t)i);
    aio_status status = aio_gather(tasks, WORKERS, false, results);
    printf("gather: results");
    for (int i = 0; i < WORKERS; i++) printf(" %ld", (long)results[i].value);
    printf(" after %.0f ms (the longest sleep is 400 ms)\n\n", elapsed_ms());
    for (int i = 0; i < WORKERS; i++) aio_release(tasks[i]);
    return aio_propagate(status);
}
#line 226 "book/04-gather.nw"
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
    return aio_value(0);
}
#line 186 "book/04-gather.nw"

int main(void)
{
    aio_outcome outcome;
    if (aio_run(concurrently, NULL, NULL, &outcome) != AIO_OK) return 1;
    if (aio_run(sequentially, NULL, NULL, &outcome) != AIO_OK) return 1;
    return 0;
}
