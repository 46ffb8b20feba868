/* gather.c: wait for many tasks, outcomes in argument order. */
#include "task.h"
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct gather_watcher {
    struct done_watcher watcher;
    size_t index;                 /* in the gather's arrays, and among the watchers */
};

struct gather {
    aio_task *waiter;             /* the gathering task */
    aio_task **tasks;
    aio_outcome *outcomes;        /* the caller's, written only while it waits */
    size_t total;                 /* children */
    size_t remaining;             /* children not finished yet */
    size_t references;
    bool return_exceptions, waiting, cancelled;
    struct gather_watcher watchers[];
};
static struct gather *gather_of(struct gather_watcher *w)
{
    return (struct gather *)((char *)(w - w->index) - offsetof(struct gather, watchers));
}

static void drop_reference(struct gather *g)
{
    if (--g->references == 0) free(g);
}

static void child_ended(struct done_watcher *watcher, aio_task *child)
{
    struct gather_watcher *w = (struct gather_watcher *)watcher;
    struct gather *g = gather_of(w);
    if (g->waiting) {
        g->outcomes[w->index] = *task_read_outcome(child);
        g->remaining--;
        bool failed = child->outcome.status != AIO_OK && !g->return_exceptions;
        if (failed || g->remaining == 0) {
            g->waiting = false;
            task_wake(g->waiter, g->cancelled ? AIO_CANCELLED : failed ? child->outcome.status : AIO_OK);
        }
    }
    drop_reference(g);
}
static void abort_gather(aio_task *task)
{
    struct gather *g = task->gathering;
    g->cancelled = true;
    for (size_t i = 0; i < g->total; i++)
        aio_cancel(g->tasks[i], task->cancel_message);
}
aio_status aio_gather(aio_task **tasks, size_t count, bool return_exceptions,
                      aio_outcome *outcomes)
{
    if (count > 0) {
        REQUIRE_ARGUMENT(tasks, "aio_gather");
        REQUIRE_ARGUMENT(outcomes, "aio_gather");
        for (size_t i = 0; i < count; i++) REQUIRE_ARGUMENT(tasks[i], "aio_gather");
    }
    aio_task *self = current_task_or_complain("aio_gather");
    if (!self) return AIO_ERROR;
    size_t pending = 0;
    for (size_t i = 0; i < count; i++) {
        if (tasks[i] == self)
            return task_refuse(&outcomes[i], EDEADLK, "aio_gather: a task cannot gather itself");
        if (tasks[i]->state != TASK_DONE) {
            pending++;
            continue;
        }
        outcomes[i] = *task_read_outcome(tasks[i]);
        if (outcomes[i].status != AIO_OK && !return_exceptions) return outcomes[i].status;
    }
    if (pending == 0) return AIO_OK;
    struct gather *g = NULL;
    if (count <= (SIZE_MAX - sizeof *g) / sizeof g->watchers[0])
        g = malloc(sizeof *g + count * sizeof g->watchers[0]);
    if (!g) {
        fprintf(stderr, "aio_gather: no memory to wait for %zu tasks\n", count);
        errno = ENOMEM;
        return AIO_ERROR;
    }
    *g = (struct gather){.waiter = self, .tasks = tasks, .outcomes = outcomes, .total = count,
                         .remaining = pending, .references = pending + 1,
                         .return_exceptions = return_exceptions, .waiting = true};
    for (size_t i = 0; i < count; i++) {
        if (tasks[i]->state == TASK_DONE) continue;
        g->watchers[i] = (struct gather_watcher){{.notify = child_ended}, i};
        task_watch(tasks[i], &g->watchers[i].watcher);
    }
    self->gathering = g;
    task_begin_wait(self, abort_gather);
    if (task_take_cancel(self)) {   /* pending: it arrives now, like any other */
        self->abort_wait = NULL;
        abort_gather(self);
    }
    aio_status status = task_switch_out(self);
    self->gathering = NULL;
    g->waiting = false;
    drop_reference(g);
    return status;
}
static void describe_gather(const aio_task *task, char *text, size_t size)
{
    snprintf(text, size, "%zu of %zu still running", task->gathering->remaining,
             task->gathering->total);
}

static size_t awaits_children(const aio_task *task, const aio_task **tasks, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < task->gathering->total && n < max; i++)
        if (!aio_task_done(task->gathering->tasks[i])) tasks[n++] = task->gathering->tasks[i];
    return n;
}

const struct wait_kind gather_wait_kinds[] = {
    {abort_gather, "gather", describe_gather, awaits_children},
    {NULL, NULL, NULL, NULL},
};
