/* loop.c: the event loop: ready queue, timers, and one turn at a time. */
#define _POSIX_C_SOURCE 200809L
#include "loop.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void misuse(const char *function, const char *format, ...)
{
    char message[512];
    int length = snprintf(message, sizeof message, "%s: ", function);
    va_list args;
    va_start(args, format);
    vsnprintf(message + length, sizeof message - (size_t)length, format, args);
    va_end(args);
    fprintf(stderr, "%s\n", message);
    abort();
}
bool ready_grow(struct ready_queue *queue)
{
    size_t capacity = (queue->mask + 1) * 2;
    struct callback *items = malloc(capacity * sizeof *items);
    if (!items) return false;
    for (size_t i = 0; i < queue->count; i++)
        items[i] = queue->items[(queue->head + i) & queue->mask];
    free(queue->items);
    queue->items = items;
    queue->head = 0;
    queue->mask = capacity - 1;
    return true;
}
aio_loop *aio_loop_new(const aio_loop_options *options)
{
    aio_loop *loop = calloc(1, sizeof *loop);
    if (!loop) return NULL;
    loop->ready.mask = 255;
    loop->ready.items = malloc(256 * sizeof *loop->ready.items);
    if (!loop->ready.items) {
        free(loop);
        return NULL;
    }
    loop->watched.max_fd = -1;
    if (options) loop->virtual_clock = options->virtual_clock;
    size_t stack_size = options && options->stack_size ? options->stack_size : default_stack_size();
    struct stack_pool *shared = thread_stack_pool();   /* sets up what the thread keeps */
    loop->stacks = stack_size == default_stack_size() ? shared : &loop->own_stacks;
    if (loop->stacks == &loop->own_stacks && !stack_pool_init(loop->stacks, stack_size)) {
        fprintf(stderr, "aio_loop_new: a stack_size of %zu bytes is not allowed: a multiple of 4096, "
                "at least 16384 and at most 1 GiB (or 0, the default)\n", stack_size);
        free(loop->ready.items);
        free(loop);
        errno = EINVAL;
        return NULL;
    }
    loop->thread_grace = options && options->thread_grace ? options->thread_grace : AIO_SEC(5);
    loop->owner_thread = this_thread();
    loop->max_threads = options ? options->max_threads : 0;
    foreign_calls_open(loop);
    loop->inside = inside_new(loop, options);
    return loop;
}

void aio_loop_free(aio_loop *loop)
{
    if (!loop) return;
    free_every_task(loop);
    if (loop->stacks == &loop->own_stacks) stack_pool_free(&loop->own_stacks);
    thread_pool_free(loop->threads);
    foreign_calls_close(loop);
    inside_free(loop);
    for (size_t i = 0; i < loop->timers.count; i++)
        if (loop->timers.items[i]->owned_by_loop) free(loop->timers.items[i]);
    free(loop->timers.items);
    free(loop->ready.items);
    free(loop);
}
aio_time aio_now(aio_loop *loop)
{
    if (loop->virtual_clock) return loop->now;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (aio_time)ts.tv_sec * AIO_SEC(1) + ts.tv_nsec;
}
int aio_call_soon(aio_loop *loop, aio_callback *fn, void *arg)
{
    if (!in_loop_thread(loop, "aio_call_soon")) return EPERM;
    return ready_push(&loop->ready, fn, arg) ? 0 : ENOMEM;
}

aio_timer *aio_call_at(aio_loop *loop, aio_time deadline, aio_callback *fn, void *arg)
{
    aio_timer *timer = malloc(sizeof *timer);
    if (!timer) return NULL;
    *timer = (aio_timer){.deadline = deadline, .fn = fn, .arg = arg, .owned_by_loop = true};
    if (!timer_heap_add(&loop->timers, timer)) {
        free(timer);
        return NULL;
    }
    return timer;
}

aio_timer *aio_call_later(aio_loop *loop, aio_time delay, aio_callback *fn, void *arg)
{
    return aio_call_at(loop, deadline_after(loop, delay), fn, arg);
}
static void fire(void *arg)
{
    aio_timer *timer = arg;
    aio_callback *fn = timer->fn;
    void *fn_arg = timer->arg;
    timer->state = TIMER_IDLE;
    if (timer->owned_by_loop) free(timer);
    if (fn) fn(fn_arg);
}

bool aio_timer_cancel(aio_loop *loop, aio_timer *timer)
{
    if (timer->state == TIMER_PENDING) {
        timer_heap_remove(&loop->timers, timer);
        if (timer->owned_by_loop) free(timer);
        return true;
    }
    if (timer->state == TIMER_DUE && timer->fn) {
        timer->fn = NULL;
        return true;
    }
    return false;
}
bool timer_arm(aio_loop *loop, aio_timer *timer, aio_time delay, aio_callback *fn, void *arg)
{
    *timer = (aio_timer){.deadline = deadline_after(loop, delay), .fn = fn, .arg = arg};
    return timer->deadline == AIO_FOREVER || timer_heap_add(&loop->timers, timer);
}

void aio_timer_cancel_internal(aio_loop *loop, aio_timer *timer)
{
    if (timer->state == TIMER_PENDING) timer_heap_remove(&loop->timers, timer);
    else if (timer->state == TIMER_DUE) timer->fn = NULL;
}
static int run_once(aio_loop *loop)
{
    const struct aio_timer *first = timer_heap_first(&loop->timers);
    if (first && first->deadline == AIO_FOREVER) first = NULL;
    aio_time timeout = -1;
    if (loop->ready.count > 0) timeout = 0;
    else if (first) timeout = first->deadline > aio_now(loop) ? first->deadline - aio_now(loop) : 0;
    if (loop->virtual_clock && first) {
        if (loop->watched.count > 0) {
            int err = io_wait(loop, 0);
            if (err) return err;
        }
        if (loop->ready.count == 0 && first->deadline > loop->now) loop->now = first->deadline;
    } else if (loop->watched.count > 0 || timeout > 0) {
        int err = io_wait(loop, timeout);
        if (err) return err;
    }
    if (loop->timers.count > 0) {
        aio_time now = aio_now(loop);
        struct aio_timer *timer;
        while ((timer = timer_heap_first(&loop->timers)) && timer->deadline <= now) {
            timer_heap_remove(&loop->timers, timer);
            timer->state = TIMER_DUE;
            if (INSIDE(loop)) inside_timer_due(loop, timer->deadline, now);
            if (!ready_push(&loop->ready, fire, timer)) return ENOMEM;
        }
    }
    loop->turn_left = loop->ready.count;
    if (loop->catching_sigint && atomic_load_explicit(&sigint_arrived, memory_order_relaxed))
        take_sigint(loop);
    if (INSIDE(loop)) inside_turn(loop);
    while (loop->turn_left > 0) {
        loop->turn_left--;
        struct callback next = ready_pop(&loop->ready);
        if (loop->ready.count > 0) __builtin_prefetch(loop->ready.items[loop->ready.head].arg);
        next.fn(next.arg);
    }
    return 0;
}
static bool anything_left(const aio_loop *loop)
{
    const struct aio_timer *first = timer_heap_first(&loop->timers);
    return loop->ready.count > 0 || (first && first->deadline != AIO_FOREVER) ||
           loop->watched.count > 0;
}

int aio_loop_run(aio_loop *loop)
{
    loop->stop_requested = false;
    while (!loop->stop_requested && anything_left(loop)) {
        int err = run_once(loop);
        if (err) return err;
    }
    return 0;
}

void aio_loop_stop(aio_loop *loop) { loop->stop_requested = true; }
