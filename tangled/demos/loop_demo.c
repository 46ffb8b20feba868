/* loop_demo.c: callbacks, timers and a pipe, interleaved by one loop. */
#include "aio.h"
#include <stdio.h>
#include <unistd.h>

static aio_loop *loop;
static aio_time start;
static int pipe_fds[2];

static double since_start(void) { return (aio_now(loop) - start) / 1e6; }

static void say(void *what) { printf("%6.1f ms  %s\n", since_start(), (char *)what); }

static void tick(void *what)
{
    static int ticks;
    say(what);
    if (++ticks < 3) aio_call_soon(loop, tick, what);
}

static void write_pipe(void *unused)
{
    (void)unused;
    say("timer E (15 ms) writes to the pipe");
    if (write(pipe_fds[1], "x", 1) != 1) perror("write");
}

static void read_pipe(void *unused)
{
    char byte;
    (void)unused;
    if (read(pipe_fds[0], &byte, 1) == 1) say("the pipe is readable: select() woke the loop");
    aio_unwatch(loop, pipe_fds[0], AIO_READABLE);
}

int main(void)
{
    loop = aio_loop_new(NULL);
    if (!loop || pipe(pipe_fds) != 0) return 1;
    start = aio_now(loop);
    aio_call_later(loop, AIO_MSEC(20), say, "timer A (20 ms)");
    aio_call_later(loop, AIO_MSEC(10), say, "timer B (10 ms)");
    aio_call_later(loop, AIO_MSEC(10), say, "timer C (10 ms, scheduled after B)");
    aio_call_later(loop, 0, say, "timer D (0 ms)");
    aio_call_later(loop, AIO_MSEC(15), write_pipe, NULL);
    aio_watch(loop, pipe_fds[0], AIO_READABLE, read_pipe, NULL);
    aio_call_soon(loop, say, "soon 1");
    aio_call_soon(loop, tick, "soon 2 (re-adds itself)");
    int err = aio_loop_run(loop);
    printf("%6.1f ms  nothing left: the loop returns %d\n", since_start(), err);
    aio_loop_free(loop);
    return err;
}
