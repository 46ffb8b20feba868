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
    io_init(&loop->watched);
    if (options) loop->virtual_clock = options->virtual_clock;
    loop_watch_flag(loop, NULL, NULL);
    int err = loop_extensions_init(loop, options);
    if (err) {
        free(loop->ready.items);
        free(loop);
        errno = err;
        return NULL;
    }
    return loop;
}

void aio_loop_free(aio_loop *loop)
{
    if (!loop) return;
    loop_extensions_free(loop);
    io_free(&loop->watched);
    for (size_t i = 0; i < loop->timers.count; i++)
        if (loop->timers.items[i].timer->owned_by_loop) free(loop->timers.items[i].timer);
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
    if (loop->caller_allowed && !loop->caller_allowed(loop, "aio_call_soon")) return EPERM;
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
    else if (first && (timeout = first->deadline - aio_now(loop)) < 0) timeout = 0;   /* one reading */
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
            if (loop->timer_due) loop->timer_due(loop, timer->deadline, now);
            if (!ready_push(&loop->ready, fire, timer)) return ENOMEM;
        }
    }
    loop->turn_left = loop->ready.count;
    if (atomic_load_explicit(loop->flagged.flag, memory_order_relaxed)) loop->flagged.take(loop);
    for (size_t i = 0; i < loop->before_turn.count; i++) loop->before_turn.items[i](loop);
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
void loop_add_before_turn(aio_loop *loop, void (*fn)(aio_loop *))
{
    size_t room = sizeof loop->before_turn.items / sizeof loop->before_turn.items[0];
    if (loop->before_turn.count == room)
        misuse("loop_add_before_turn", "more than %zu functions before a turn", room);
    loop->before_turn.items[loop->before_turn.count++] = fn;
}

static atomic_int never_set;

void loop_watch_flag(aio_loop *loop, atomic_int *flag, void (*take)(aio_loop *))
{
    loop->flagged.flag = flag ? flag : &never_set;
    loop->flagged.take = take;
}
