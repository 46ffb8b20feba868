/* task.h: the task structure, shared by the runtime's files (not public). */
#ifndef TASK_H
#define TASK_H
#include "loop.h"

enum task_state { TASK_CREATED, TASK_READY, TASK_RUNNING, TASK_SUSPENDED, TASK_DONE, TASK_FREED };
struct done_watcher {
    void (*notify)(struct done_watcher *self, aio_task *finished);
    struct done_watcher *next;
};
struct aio_task {
    struct coro context;
    aio_loop *loop;
    aio_task_fn *fn;
    void *arg;
    void *stack;                      /* from the loop's pool, until the task ends */
    enum task_state state;
    aio_status wake_status;           /* what the current suspending call returns */
    int references;                   /* the creator's handle, and one while not done */
    int cancel_requests;              /* aio_cancelling */
    int read_found_empty;   /* 1 + the descriptor this task's last aio_read found empty; 0: none */
    bool outcome_read;                /* someone awaited or gathered it */
    bool cancel_requested;            /* to deliver at the next suspension point */
    bool handle_released;             /* its creator called aio_release */
    bool wait_granted;                    /* a waker, not a cancellation, ended the wait */
    void (*abort_wait)(aio_task *);   /* undoes the current wait, for cancellation */
    struct aio_timer timer;           /* for aio_sleep */
    aio_task *awaited;                /* the task this one awaits, if any */
    struct done_watcher awaiting;     /* this task's watcher on it */
    struct done_watcher *watchers, **watchers_tail;
    aio_outcome outcome;
    char *message;                    /* storage for outcome.message */
    char *cancel_message;             /* a copy of the first request's message */
    aio_task *previous, *next;        /* the loop's list of every task */
    struct gather *gathering;         /* the gather this task waits in, if any */
    aio_task *wait_previous, *wait_next;  /* neighbours in a wait queue */
    struct wait_queue *wait_queue;        /* the wait queue this task is in, if any */
    struct aio_group *group;          /* the group whose end this task waits for */
    struct thread_job *thread_job;    /* what aio_to_thread waits for */
    char name[24];                    /* for messages and traces; cut to fit */
};
aio_task *current_task_or_complain(const char *function);
void task_begin_wait(aio_task *task, void (*abort_wait)(aio_task *));
aio_status task_switch_out(aio_task *task);
void task_wake(aio_task *task, aio_status status);
bool task_take_cancel(aio_task *task);
void task_watch(aio_task *task, struct done_watcher *watcher);
void task_check_handle(const aio_task *task, const char *function);   /* stops on a freed one */
aio_status task_await(aio_task *self, aio_task *task, void (*abort_wait)(aio_task *),
                      aio_outcome *outcome);
aio_status task_refuse(aio_outcome *outcome, int error, const char *message);
void forget_cancel_message(aio_task *task);

/* A finished task's outcome, noted as read (see "A failure nobody reads"). */
static inline const aio_outcome *task_read_outcome(aio_task *task)
{
    task->outcome_read = true;
    return &task->outcome;
}
struct wait_queue {
    aio_task *first, *last;   /* the line */
    aio_task *woken;          /* taken out of the line by a waker, not yet run */
};

aio_status wait_in_line(struct wait_queue *queue, aio_task *self, bool *granted);
bool wake_first_in_line(struct wait_queue *queue, aio_status status);
void wake_everyone_in_line(struct wait_queue *queue, aio_status status);
bool orphan_the_line(struct wait_queue *queue);
aio_status semaphore_acquire(aio_semaphore *semaphore, const char *function);
bool semaphore_try_acquire(aio_semaphore *semaphore, const char *function);
int semaphore_release(aio_semaphore *semaphore, const char *function);
aio_status event_wait(aio_event *event, const char *function);
void event_set(aio_event *event, const char *function);
void event_clear(aio_event *event, const char *function);
bool semaphore_orphan(aio_semaphore *semaphore);   /* orphan_the_line; NULL: false */
bool event_orphan(aio_event *event);
void report_orphans(const char *function);
void task_unwatch(aio_task *task, struct done_watcher *watcher);
struct wait_kind {
    void (*abort_wait)(aio_task *);
    const char *reason;
    void (*describe)(const aio_task *task, char *text, size_t size);   /* or NULL */
    /* the tasks this one waits for, at most max of them; or NULL: none */
    size_t (*awaits)(const aio_task *task, const aio_task **tasks, size_t max);
};
extern bool inside_tracing;
void trace_hold(bool taken);
#endif
