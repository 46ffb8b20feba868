/* pitfall_forgot.c: a status checked and ignored, and a task never awaited. */
#include "aio.h"
#include <errno.h>
#include <stdio.h>

static double ms(void) { return aio_now(aio_running_loop()) / 1e6; }

static aio_outcome rate_limited(void *arg)
{
    (void)arg;
    for (int request = 1; request <= 3; request++) {
        printf("%5.0f ms  sending request %d\n", ms(), request);
        if (aio_sleep(AIO_SEC(1)) != AIO_OK) { /* "can't happen" */ }
    }
    return aio_value(0);
}

static aio_outcome cut_short(void *arg)
{
    (void)arg;
    aio_task *sender = aio_spawn("sender", rate_limited, NULL);
    if (aio_sleep(AIO_MSEC(1500)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    aio_cancel(sender, "shutting down");
    aio_outcome outcome;
    aio_status status = aio_await(sender, &outcome);
    printf("%5.0f ms  the sender ended %s\n\n", ms(), status == AIO_OK ? "normally" : "cancelled");
    aio_release(sender);
    return aio_value(0);
}
static aio_outcome save_file(void *arg)
{
    (void)arg;
    if (aio_sleep(AIO_MSEC(10)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    return aio_error(ENOSPC, "disk full while saving");
}

static aio_outcome fire_and_forget(void *arg)
{
    (void)arg;
    aio_release(aio_spawn("save file", save_file, NULL));   /* never awaited */
    if (aio_sleep(AIO_MSEC(50)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    printf("%5.0f ms  main: all done (or is it?)\n", ms());
    return aio_value(0);
}

int main(void)
{
    aio_loop_options virtual = {.virtual_clock = true};
    setvbuf(stdout, NULL, _IOLBF, 0);   /* keep stdout and stderr in order */
    if (aio_run(cut_short, NULL, &virtual, NULL) != AIO_OK) return 1;
    return aio_run(fire_and_forget, NULL, &virtual, NULL) == AIO_OK ? 0 : 1;
}
