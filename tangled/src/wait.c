/* wait.c: wait queues, the FIFO lines of suspended tasks under every primitive of sync.c. */
#include "task.h"
#include <errno.h>

static void join_line(struct wait_queue *queue, aio_task *task)
{
    task->wait_queue = queue;
    task->wait_previous = queue->last;
    task->wait_next = NULL;
    if (queue->last) queue->last->wait_next = task;
    else queue->first = task;
    queue->last = task;
}

static void step_out_of_line(aio_task *task)
{
    struct wait_queue *queue = task->wait_queue;
    if (task->wait_previous) task->wait_previous->wait_next = task->wait_next;
    else queue->first = task->wait_next;
    if (task->wait_next) task->wait_next->wait_previous = task->wait_previous;
    else queue->last = task->wait_previous;
    task->wait_queue = NULL;
}
static void join_the_woken(struct wait_queue *queue, aio_task *task)
{
    task->wait_queue = queue;
    task->wait_previous = NULL;
    task->wait_next = queue->woken;
    if (queue->woken) queue->woken->wait_previous = task;
    queue->woken = task;
}

static void leave_the_woken(aio_task *task)
{
    if (task->wait_previous) task->wait_previous->wait_next = task->wait_next;
    else task->wait_queue->woken = task->wait_next;
    if (task->wait_next) task->wait_next->wait_previous = task->wait_previous;
    task->wait_queue = NULL;
}
static void abort_wait_in_line(aio_task *task)
{
    step_out_of_line(task);
    task_wake(task, AIO_CANCELLED);
}

aio_status wait_in_line(struct wait_queue *queue, aio_task *self, bool *granted)
{
    if (granted) *granted = false;
    if (task_take_cancel(self)) return AIO_CANCELLED;
    join_line(queue, self);
    self->wait_granted = false;
    task_begin_wait(self, abort_wait_in_line);
    aio_status status = task_switch_out(self);
    if (self->wait_queue) leave_the_woken(self);   /* else the primitive was freed */
    if (status == AIO_ERROR) errno = EIDRM;
    if (granted) *granted = self->wait_granted;
    return status;
}
bool wake_first_in_line(struct wait_queue *queue, aio_status status)
{
    aio_task *first = queue->first;
    if (!first) return false;
    step_out_of_line(first);
    join_the_woken(queue, first);
    first->wait_granted = status == AIO_OK;
    task_wake(first, status);
    return true;
}

void wake_everyone_in_line(struct wait_queue *queue, aio_status status)
{
    while (wake_first_in_line(queue, status)) continue;
}
bool orphan_the_line(struct wait_queue *queue)
{
    bool anyone = queue->first || queue->woken;
    wake_everyone_in_line(queue, AIO_ERROR);
    for (aio_task *task = queue->woken; task; task = task->wait_next) {
        task->wait_queue = NULL;
        task->wait_granted = false;
        if (task->wake_status == AIO_OK) task->wake_status = AIO_ERROR;
    }
    queue->woken = NULL;
    return anyone;
}
static void describe_line(const aio_task *task, char *text, size_t size)
{
    int ahead = 0;
    for (const aio_task *other = task->wait_previous; other; other = other->wait_previous) ahead++;
    snprintf(text, size, "%d ahead", ahead);
}

const struct wait_kind line_wait_kinds[] = {
    {abort_wait_in_line, "in line", describe_line, NULL},
    {NULL, NULL, NULL, NULL},
};
