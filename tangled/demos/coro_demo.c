/* coro_demo.c: two coroutines and main, switching by hand. */
#include "../src/coro.h"
#include "../src/stack.h"
#include <stdio.h>

static struct coro main_context;
static struct player { struct coro coro; const char *name; } ping = {.name = "ping"},
                                                              pong = {.name = "pong"};

static void play(void *arg)
{
    struct player *self = arg;
    for (int round = 1; round <= 3; round++) {
        printf("%s: round %d (my local 'round' survived the switch)\n", self->name, round);
        coro_switch(&self->coro, &main_context);
    }
    printf("%s: done\n", self->name);
    coro_switch(&self->coro, &main_context);   /* a coroutine never returns */
}

int main(void)
{
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
    stack_pool_free(&pool);
    return 0;
}
