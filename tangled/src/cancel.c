/* cancel.c: counting cancellations, shield, task groups. */
#define _POSIX_C_SOURCE 200809L
#include "task.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void group_child_ended(struct done_watcher *watcher, aio_task *task);
static void cancel_the_group(aio_group *group, const char *why);
int aio_cancelling(const aio_task *task) { return task->cancel_requests; }

int aio_uncancel(aio_task *task)
{
    if (task->cancel_requests > 0 && --task->cancel_requests == 0) {
        task->cancel_requested = false;
        forget_cancel_message(task);
    }
    return task->cancel_requests;
}
void task_unwatch(aio_task *task, struct done_watcher *watcher)
{
    for (struct done_watcher **link = &task->watchers; *link; link = &(*link)->next) {
        if (*link != watcher) continue;
        *link = watcher->next;
        if (task->watchers_tail == &watcher->next) task->watchers_tail = link;
        return;
    }
}
static void stop_shielding(aio_task *self)
{
    task_unwatch(self->awaited, &self->awaiting);
    task_wake(self, AIO_CANCELLED);
}

aio_status aio_shield(aio_task *task, aio_outcome *outcome)
{
    REQUIRE_ARGUMENT(task, "aio_shield");
    aio_task *self = current_task_or_complain("aio_shield");
    if (!self) return AIO_ERROR;
    if (task == self) return task_refuse(outcome, EDEADLK, "aio_shield: a task cannot await itself");
    return task_await(self, task, stop_shielding, outcome);
}
struct group_child {
    struct done_watcher watcher;
    aio_group *group;
    aio_task *task;
};

struct aio_group {
    aio_task *body;
    struct group_child *children;
    size_t count, capacity, running;
    aio_outcome *failures;
    size_t failure_count;
    bool cancelled_body;       /* the group, not someone else, cancelled the body */
    bool cancelled_outside;    /* someone else cancelled the body */
    bool cancel_scheduled;     /* a failure's cancellation is on the ready queue */
    bool waiting;              /* the body is in aio_group_wait */
    bool ended;                /* aio_group_wait has returned: no more children */
};
static void keep_failure(aio_group *group, aio_outcome failure)
{
    aio_outcome *failures = realloc(group->failures,
                                    (group->failure_count + 1) * sizeof *failures);
    if (!failures) return;   /* the first failure was kept; this one is lost, not the group */
    group->failures = failures;
    if (failure.message) failure.message = strdup(failure.message);
    group->failures[group->failure_count++] = failure;
}
static void cancel_after_failure(void *group)
{
    ((aio_group *)group)->cancel_scheduled = false;
    cancel_the_group(group, "a task in the group failed");
}

static void group_child_ended(struct done_watcher *watcher, aio_task *task)
{
    aio_group *group = ((struct group_child *)watcher)->group;
    group->running--;
    aio_status status = task->outcome.status;
    if (status == AIO_ERROR || status == AIO_TIMEOUT) {
        if (group->failure_count == 0 && aio_call_soon(task->loop, cancel_after_failure, group) == 0)
            group->cancel_scheduled = true;
        keep_failure(group, *task_read_outcome(task));
    }
    if (group->running == 0 && group->waiting) task_wake(group->body, AIO_OK);
}

static void cancel_the_children(aio_group *group, const char *why)
{
    for (size_t i = 0; i < group->count; i++) aio_cancel(group->children[i].task, why);
}

static void cancel_the_group(aio_group *group, const char *why)
{
    cancel_the_children(group, why);
    if (!group->waiting && !group->cancelled_body) {
        group->cancelled_body = true;
        aio_cancel(group->body, why);
    }
}
aio_group *aio_group_new(void)
{
    aio_task *body = current_task_or_complain("aio_group_new");
    aio_group *group = body ? calloc(1, sizeof *group) : NULL;
    if (group) group->body = body;
    return group;
}

aio_task *aio_group_spawn(aio_group *group, const char *name, aio_task_fn *fn, void *arg)
{
    REQUIRE_ARGUMENT(group, "aio_group_spawn");
    REQUIRE_ARGUMENT(fn, "aio_group_spawn");
    if (group->ended) {
        fprintf(stderr, "aio_group_spawn: the group's wait has ended (task '%s' not "
                "created); spawn into a new group\n", name ? name : "task");
        errno = EINVAL;
        return NULL;
    }
    if (group->count == group->capacity) {
        size_t capacity = group->capacity ? 2 * group->capacity : 8;
        struct group_child *children = realloc(group->children, capacity * sizeof *children);
        if (!children) return NULL;
        group->children = children;
        group->capacity = capacity;
        for (size_t i = 0; i < group->count; i++) {
            aio_task *task = group->children[i].task;
            if (task->state == TASK_DONE) continue;
            task->watchers = NULL;
            task->watchers_tail = &task->watchers;
            task_watch(task, &group->children[i].watcher);
        }
    }
    aio_task *task = aio_spawn(name, fn, arg);
    if (!task) return NULL;
    struct group_child *child = &group->children[group->count++];
    *child = (struct group_child){{.notify = group_child_ended}, group, task};
    task_watch(task, &child->watcher);
    group->running++;
    return task;
}
static void abort_group_wait(aio_task *body)
{
    body->group->cancelled_outside = true;
    cancel_the_group(body->group, body->cancel_message);
}

aio_status aio_group_wait(aio_group *group, aio_status body_status)
{
    REQUIRE_ARGUMENT(group, "aio_group_wait");
    if (group->ended) {
        fprintf(stderr, "aio_group_wait: the group's wait has ended already\n");
        errno = EINVAL;
        return AIO_ERROR;
    }
    aio_task *body = group->body;
    if (body_status != AIO_CANCELLED && !group->cancelled_body && task_take_cancel(body))
        body_status = AIO_CANCELLED;
    bool body_failed = body_status == AIO_ERROR || body_status == AIO_TIMEOUT;
    if (body_failed) cancel_the_children(group, "the body of the group failed");
    if (body_status == AIO_CANCELLED && !group->cancelled_body) {
        group->cancelled_outside = true;
        cancel_the_group(group, body->cancel_message);
    }
    while (group->running > 0 || group->cancel_scheduled) {
        group->waiting = true;
        body->group = group;
        task_begin_wait(body, abort_group_wait);
        if (group->running == 0) task_wake(body, AIO_OK);   /* only the cancel to let run */
        if (task_switch_out(body) == AIO_CANCELLED) group->cancelled_outside = true;
    }
    group->waiting = false;
    group->ended = true;
    if (group->cancelled_body) aio_uncancel(body);
    if (body_failed) return body_status;
    if (group->failure_count > 0) return AIO_ERROR;
    return group->cancelled_outside ? AIO_CANCELLED : body_status;
}
size_t aio_group_failures(const aio_group *group, const aio_outcome **failures)
{
    REQUIRE_ARGUMENT(group, "aio_group_failures");
    REQUIRE_ARGUMENT(failures, "aio_group_failures");
    *failures = group->failures;
    return group->failure_count;
}

void aio_group_free(aio_group *group)
{
    if (!group) return;
    if (group->running > 0 || group->cancel_scheduled) {
        fprintf(stderr, "aio_group_free: children are still running; call aio_group_wait "
                "first (the group is not freed)\n");
        return;
    }
    for (size_t i = 0; i < group->count; i++) aio_release(group->children[i].task);
    for (size_t i = 0; i < group->failure_count; i++) free((char *)group->failures[i].message);
    free(group->failures);
    free(group->children);
    free(group);
}
const struct wait_kind cancel_wait_kinds[] = {
    {stop_shielding, "await (shielded)", NULL, NULL},
    {abort_group_wait, "task group", NULL, NULL},
    {NULL, NULL, NULL, NULL},
};
