/* timeout.c: timeout scopes (asyncio.timeout) and wait_for, built on them. */
#include "task.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static aio_status report(aio_outcome *outcome, aio_outcome result);
struct aio_timeout {
    aio_task *task;             /* whose block has the deadline */
    aio_timer *timer;           /* the loop's; NULL once it has fired */
    aio_time deadline;
    int cancelling_at_entry;    /* aio_cancelling(task) when the scope began */
    bool expired;
};
static void scope_expire(void *arg)
{
    aio_timeout *scope = arg;
    scope->timer = NULL;   /* the loop frees it */
    scope->expired = true;
    aio_cancel(scope->task, "timeout");
}

static bool scope_arm(aio_timeout *scope, aio_time deadline)
{
    scope->deadline = deadline;
    scope->timer = NULL;
    if (deadline == AIO_FOREVER) return true;
    scope->timer = aio_call_at(scope->task->loop, deadline, scope_expire, scope);
    return scope->timer != NULL;
}
static bool scope_begin(aio_timeout *scope, aio_task *task, aio_time deadline)
{
    *scope = (aio_timeout){.task = task, .cancelling_at_entry = aio_cancelling(task)};
    return scope_arm(scope, deadline);
}

aio_timeout *aio_timeout_enter(aio_time delay)
{
    aio_task *self = current_task_or_complain("aio_timeout_enter");
    if (!self) return NULL;
    aio_timeout *scope = malloc(sizeof *scope);
    if (scope && !scope_begin(scope, self, deadline_after(self->loop, delay))) {
        free(scope);
        scope = NULL;
    }
    return scope;
}
int aio_timeout_reschedule(aio_timeout *scope, aio_time deadline)
{
    if (scope->expired) {
        fprintf(stderr, "aio_timeout_reschedule: the scope has expired already\n");
        return EINVAL;
    }
    if (scope->timer) aio_timer_cancel(scope->task->loop, scope->timer);
    return scope_arm(scope, deadline) ? 0 : ENOMEM;
}

aio_time aio_timeout_deadline(const aio_timeout *scope) { return scope->deadline; }
static aio_status scope_end(aio_timeout *scope, aio_status body_status)
{
    if (scope->timer) aio_timer_cancel(scope->task->loop, scope->timer);
    if (!scope->expired) return body_status;
    bool only_ours = aio_uncancel(scope->task) <= scope->cancelling_at_entry;
    return only_ours && body_status == AIO_CANCELLED ? AIO_TIMEOUT : body_status;
}

aio_status aio_timeout_exit(aio_timeout *scope, aio_status body_status)
{
    if (!scope) return AIO_ERROR;   /* aio_timeout_enter failed */
    aio_status status = scope_end(scope, body_status);
    free(scope);
    return status;
}
static aio_status cancel_and_wait(aio_task *self, aio_task *task, aio_outcome *outcome)
{
    int requests = aio_cancelling(self);
    aio_cancel(task, "timeout");
    aio_status status = aio_await(task, outcome);
    if (status == AIO_CANCELLED && aio_cancelling(self) <= requests)
        return report(outcome, aio_propagate(AIO_TIMEOUT));
    return status;
}
static aio_status report(aio_outcome *outcome, aio_outcome result)
{
    if (outcome) *outcome = result;
    return result.status;
}

aio_status aio_wait_for(aio_task *task, aio_time timeout, aio_outcome *outcome)
{
    REQUIRE_ARGUMENT(task, "aio_wait_for");
    aio_task *self = current_task_or_complain("aio_wait_for");
    if (!self) return AIO_ERROR;
    if (task == self) return task_refuse(outcome, EDEADLK, "aio_wait_for: a task cannot wait for itself");
    if (aio_task_done(task)) return aio_await(task, outcome);   /* nothing to wait for */
    if (self->cancel_requested) return aio_await(task, outcome);   /* passed on to task */
    if (timeout <= 0) return cancel_and_wait(self, task, outcome);
    aio_timeout scope;
    if (!scope_begin(&scope, self, deadline_after(self->loop, timeout)))
        return report(outcome, (aio_outcome){.status = AIO_ERROR, .error = ENOMEM,
                                             .message = "aio_wait_for: no memory for the timer"});
    aio_status status = scope_end(&scope, aio_await(task, outcome));
    return status == AIO_TIMEOUT ? report(outcome, aio_propagate(AIO_TIMEOUT)) : status;
}
