/* loop_demo.c: callbacks, timers and a pipe, interleaved by one loop. */
#include "aio.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static aio_loop *loop;
static aio_time start;
static int pipe_fds[2];

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
static int turn, d_turn;       /* turns counted by tick; the turn timer D ran in */
static char b_c_order[8];      /* "B C" if B ran first */
static double pipe_read_ms;

static double since_start(void) { return (aio_now(loop) - start) / 1e6; }

static void say(void *what) { printf("%6.1f ms  %s\n", since_start(), (char *)what); }

static void tick(void *what)
{
    turn++;
    say(what);
    if (turn < 3) aio_call_soon(loop, tick, what);
}

static void timer_d(void *what) { d_turn = turn; say(what); }

static void timer_b_or_c(void *what)
{
    if (b_c_order[0]) strcat(b_c_order, " ");
    strncat(b_c_order, (char *)what + strlen("timer "), 1);
    say(what);
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
    pipe_read_ms = since_start();
    if (read(pipe_fds[0], &byte, 1) == 1) say("the pipe is readable: select() woke the loop");
    aio_unwatch(loop, pipe_fds[0], AIO_READABLE);
}

int main(int argc, char **argv)
{
    read_options(argc, argv);
    loop = aio_loop_new(&(aio_loop_options){.virtual_clock = !real_clock});
    if (!loop || pipe(pipe_fds) != 0) return 1;
    start = aio_now(loop);
    aio_time b_and_c = start + AIO_MSEC(10);   /* one deadline for both */
    aio_call_later(loop, AIO_MSEC(20), say, "timer A (20 ms)");
    aio_call_at(loop, b_and_c, timer_b_or_c, "timer B (10 ms)");
    aio_call_at(loop, b_and_c, timer_b_or_c, "timer C (10 ms, scheduled after B)");
    aio_call_later(loop, 0, timer_d, "timer D (0 ms)");
    aio_call_later(loop, AIO_MSEC(15), write_pipe, NULL);
    aio_watch(loop, pipe_fds[0], AIO_READABLE, read_pipe, NULL);
    aio_call_soon(loop, say, "soon 1");
    aio_call_soon(loop, tick, "soon 2 (re-adds itself)");
    int err = aio_loop_run(loop);
    printf("%6.1f ms  nothing left: the loop returns %d\n", since_start(), err);
    fact("timer_d.turn", "%d", d_turn);
    fact("timers_b_c.order", "%s", b_c_order);
    fact("clock.pipe_read_ms", "%.1f", pipe_read_ms);
    fact("clock.end_ms", "%.1f", since_start());
    aio_loop_free(loop);
    return err;
}
