#line 350 "book/06-cancellation.nw"
/* d4_cancel.c: demo D4: a task cancelled mid-work, cleaning up, and the wrong way. */
#include "aio.h"
#include <stdio.h>

static double ms(void) { return aio_now(aio_running_loop()) / 1e6; }

#line 372 "book/06-cancellation.nw"
static aio_outcome well_behaved(void *arg)
{
    (void)arg;
    for (int item = 1; item <= 10; item++) {
        if (aio_sleep(AIO_MSEC(100)) == AIO_CANCELLED) {
            printf("%6.0f ms  worker: cancelled during item %d; cleaning up\n", ms(), item);
            if (aio_sleep(AIO_MSEC(20)) != AIO_OK) { /* cleanup interrupted: still stop */ }
            printf("%6.0f ms  worker: cleanup done, propagating the cancellation\n", ms());
            return aio_propagate(AIO_CANCELLED);
        }
        printf("%6.0f ms  worker: item %d done\n", ms(), item);
    }
    return aio_value(10);
}
#line 389 "book/06-cancellation.nw"
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
#line 404 "book/06-cancellation.nw"
static aio_outcome cancel_and_watch(void *worker)
{
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
    aio_release(task);
    return aio_value(0);
}
#line 359 "book/06-cancellation.nw"

int main(void)
{
    aio_loop_options virtual = {.virtual_clock = true};
    printf("The right way:\n");
    aio_status right = aio_run(cancel_and_watch, well_behaved, &virtual, NULL);
    printf("\nThe wrong way:\n");
    aio_status wrong = aio_run(cancel_and_watch, swallower, &virtual, NULL);
    return right == AIO_OK && wrong == AIO_OK ? 0 : 1;
}
