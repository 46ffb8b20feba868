/* coro_demo.c: two coroutines and main, switching by hand. */
#include "../src/coro.h"
#include "../src/stack.h"
#include <stdio.h>

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

static struct coro main_context;
static struct player { struct coro coro; const char *name; int rounds; } ping = {.name = "ping"},
                                                                         pong = {.name = "pong"};

static void play(void *arg)
{
    struct player *self = arg;
    for (int round = 1; round <= 3; round++) {
        printf("%s: round %d (my local 'round' survived the switch)\n", self->name, round);
        self->rounds = round;
        coro_switch(&self->coro, &main_context);
    }
    printf("%s: done\n", self->name);
    coro_switch(&self->coro, &main_context);   /* a coroutine never returns */
}

int main(int argc, char **argv)
{
    read_options(argc, argv);   /* no clock here: --real-clock changes nothing */
    struct stack_pool pool;
    if (!stack_pool_init(&pool, 64 * 1024)) return 1;
    coro_init(&ping.coro, stack_get(&pool), pool.stack_size, play, &ping);
    coro_init(&pong.coro, stack_get(&pool), pool.stack_size, play, &pong);
    for (int i = 0; i < 4; i++) {
        printf("main: resume ping\n");
        coro_switch(&main_context, &ping.coro);
        printf("main: resume pong\n");
        coro_switch(&main_context, &pong.coro);
    }
    printf("main: guard pages %s\n", pool.guard_pages ? "installed" : "unavailable, canaries instead");
    fact("rounds", "%d %d", ping.rounds, pong.rounds);
    fact("guard_pages", "%s", pool.guard_pages ? "yes" : "no");
    stack_pool_free(&pool);
    return 0;
}
