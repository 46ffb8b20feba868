/* extensions.c: what later chapters add to every loop, made and freed with it. */
#define _POSIX_C_SOURCE 200809L
#include "loop.h"
#include <errno.h>
#include <stdio.h>

int loop_extensions_init(aio_loop *loop, const aio_loop_options *options)
{
    (void)loop, (void)options;
    size_t stack_size = options && options->stack_size ? options->stack_size : default_stack_size();
    loop->stacks = &loop->own_stacks;
    use_the_thread_pools(loop, stack_size);
    if (loop->stacks == &loop->own_stacks && !stack_pool_init(loop->stacks, stack_size)) {
        fprintf(stderr, "aio_loop_new: a stack_size of %zu bytes is not allowed: a multiple of 4096, "
                "at least 16384 and at most 1 GiB (or 0, the default)\n", stack_size);
        return EINVAL;
    }
    loop->thread_grace = options && options->thread_grace ? options->thread_grace : AIO_SEC(5);
    loop->owner_thread = this_thread();
    loop->caller_allowed = in_loop_thread;
    loop->max_threads = options ? options->max_threads : 0;
    foreign_calls_open(loop);
    loop->inside = inside_new(loop, options);
    if (loop->inside) {
        loop->timer_due = inside_timer_due;
        loop_add_before_turn(loop, inside_turn);
    }
    return 0;
}

void loop_extensions_free(aio_loop *loop)
{
    (void)loop;
    free_every_task(loop);
    if (loop->stacks == &loop->own_stacks) stack_pool_free(&loop->own_stacks);
    give_the_spare_tasks_back(loop);
    free_spare_tasks(&loop->spare_tasks);
    thread_pool_free(loop->threads);
    foreign_calls_close(loop);
    inside_free(loop);
}
