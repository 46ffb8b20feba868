/* inside_demo.c: the task tree mid-flight, and a task left pending, in debug mode. */
#include "aio.h"
#include <errno.h>
#include <stdio.h>

enum { WORKERS = 10, LIMIT = 5 };
static aio_semaphore *semaphore;

static aio_outcome worker(void *arg)
{
    (void)arg;
    if (aio_semaphore_acquire(semaphore) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    aio_status status = aio_sleep(AIO_MSEC(10));
    (void)aio_semaphore_release(semaphore);
    return aio_propagate(status);
}

static aio_outcome look(void *arg)
{
    (void)arg;
    if (aio_sleep(AIO_MSEC(5)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    aio_dump_tasks(stdout);
    return aio_value(0);
}

static aio_outcome heartbeat(void *arg)
{
    (void)arg;
    while (aio_sleep(AIO_SEC(1)) == AIO_OK) continue;
    return aio_propagate(AIO_CANCELLED);
}
static aio_outcome gather_the_workers(void *arg)
{
    (void)arg;
    if (!(semaphore = aio_semaphore_new(LIMIT))) return aio_error(ENOMEM, "no semaphore");
    aio_release(aio_spawn("heartbeat", heartbeat, NULL));   /* started, and forgotten */
    aio_task *looker = aio_spawn("look", look, NULL), *workers[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        char name[16];
        snprintf(name, sizeof name, "worker %d", i);
        workers[i] = aio_spawn(name, worker, NULL);
    }
    aio_outcome outcomes[WORKERS], seen;
    aio_status status = aio_gather(workers, WORKERS, false, outcomes);
    if (aio_await(looker, &seen) != AIO_OK && status == AIO_OK) status = seen.status;
    for (int i = 0; i < WORKERS; i++) aio_release(workers[i]);
    aio_release(looker);
    aio_semaphore_free(semaphore);
    printf("main: the workers are done at %.0f ms\n", aio_now(aio_running_loop()) / 1e6);
    return aio_propagate(status);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);   /* keep stdout and stderr in order */
    aio_loop_options options = {.virtual_clock = true, .debug = true};
    return aio_run(gather_the_workers, NULL, &options, NULL) == AIO_OK ? 0 : 1;
}
