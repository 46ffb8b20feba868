/* aio.h: the public interface of the runtime this book builds.
   A NULL pointer where a function needs an object (a task, a task function, a
   primitive, a group) is a checked runtime error: the function names itself and
   the argument on stderr and aborts. Where NULL is allowed, the comment says so. */
#ifndef AIO_H
#define AIO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t aio_time;                     /* nanoseconds */
#define AIO_USEC(us) ((aio_time)(us) * 1000)
#define AIO_MSEC(ms) ((aio_time)(ms) * 1000000)
#define AIO_SEC(s)   ((aio_time)(s) * 1000000000)
#define AIO_FOREVER INT64_MAX   /* no limit: never expires; <= 0: already due */
typedef struct aio_loop aio_loop;
typedef void aio_callback(void *arg);

typedef struct aio_loop_options {
    bool virtual_clock;    /* time jumps to the next deadline instead of passing */
    size_t stack_size;     /* bytes per task stack: a multiple of 4096, 16 KiB to 1 GiB (else
                              aio_run fails with EINVAL); 0: the default */
    int max_threads;       /* aio_to_thread's worker threads at most; 0: min(32, processors + 4) */
    aio_time thread_grace; /* after main ends, aio_run says which aio_to_thread jobs still
                              run once this has passed, and waits on; 0: 5 s; AIO_FOREVER: never */
    const char *trace_file; /* write a Chrome trace of the loop's tasks here ($AIO_TRACE) */
    size_t trace_events;    /* room for this many trace events; 0: 1,048,576 */
    bool debug;             /* report slow steps, late timers, forgotten tasks ($AIO_DEBUG) */
    aio_time slow_step;     /* debug: what counts as slow; 0: 100 ms ($AIO_SLOW_MS) */
} aio_loop_options;

aio_loop *aio_loop_new(const aio_loop_options *options);   /* NULL: defaults */
void aio_loop_free(aio_loop *loop);
aio_time aio_now(aio_loop *loop);   /* CLOCK_MONOTONIC, or the virtual clock */
int aio_call_soon(aio_loop *loop, aio_callback *fn, void *arg);

typedef struct aio_timer aio_timer;
/* delay <= 0: due at the next turn. At AIO_FOREVER: never fires, keeps no loop running. */
aio_timer *aio_call_later(aio_loop *loop, aio_time delay, aio_callback *fn, void *arg);
aio_timer *aio_call_at(aio_loop *loop, aio_time deadline, aio_callback *fn, void *arg);
bool aio_timer_cancel(aio_loop *loop, aio_timer *timer);   /* false: too late */

enum { AIO_READABLE = 1, AIO_WRITABLE = 2 };
int aio_watch(aio_loop *loop, int fd, int events, aio_callback *fn, void *arg);
int aio_unwatch(aio_loop *loop, int fd, int events);

int aio_loop_run(aio_loop *loop);   /* until nothing is left, or stopped; 0 or an errno */
void aio_loop_stop(aio_loop *loop);  /* the run returns after the current turn */
typedef enum aio_status { AIO_OK, AIO_CANCELLED, AIO_TIMEOUT, AIO_ERROR } aio_status;

typedef struct aio_outcome {
    aio_status status;
    intptr_t value;            /* the result, when status is AIO_OK */
    int error;                 /* an errno-like code, when AIO_ERROR */
    const char *message;       /* a description, or NULL */
} aio_outcome;

#define AIO_MUST_CHECK __attribute__((warn_unused_result))

static inline aio_outcome aio_value(intptr_t value)
{
    return (aio_outcome){.status = AIO_OK, .value = value};
}

/* End a task with the status of an interrupted wait (CANCELLED, TIMEOUT, ...). */
static inline aio_outcome aio_propagate(aio_status status)
{
    return (aio_outcome){.status = status};
}

/* End a task with an error; the message is formatted and kept by the task. */
aio_outcome aio_error(int code, const char *format, ...) __attribute__((format(printf, 2, 3)));
typedef struct aio_task aio_task;
typedef aio_outcome aio_task_fn(void *arg);

aio_status aio_run(aio_task_fn *main, void *arg, const aio_loop_options *options,
                   aio_outcome *outcome);

/* name NULL: "task". Returns NULL with errno ENOMEM: no memory. */
aio_task *aio_spawn(const char *name, aio_task_fn *fn, void *arg);
/* outcome may be NULL. Cancelling the caller, even before the call, cancels task
   and waits for it. The calling task itself: AIO_ERROR, errno EDEADLK. */
AIO_MUST_CHECK aio_status aio_await(aio_task *task, aio_outcome *outcome);
void aio_release(aio_task *task);                         /* NULL: does nothing */
/* false: already done. message (may be NULL) is copied; the first one is kept. */
bool aio_cancel(aio_task *task, const char *message);

AIO_MUST_CHECK aio_status aio_sleep(aio_time delay);   /* <= 0: a yield; AIO_FOREVER: no timer */
AIO_MUST_CHECK aio_status aio_yield(void);               /* asyncio.sleep(0) */

aio_loop *aio_running_loop(void);
aio_task *aio_current_task(void);
const char *aio_task_name(const aio_task *task);
bool aio_task_done(const aio_task *task);
/* Wait for every task; outcomes[i] is tasks[i]'s. Without return_exceptions the
   first failure is returned at once, and the outcomes of tasks still running are
   left untouched (aio_task_done tells which). Cancelling the caller, even before
   the call, cancels every task. tasks, every tasks[i] and outcomes
   must not be NULL (count 0: they may). AIO_ERROR with errno ENOMEM: no memory to
   wait (a message on stderr); EDEADLK: the calling task is among tasks. */
AIO_MUST_CHECK aio_status aio_gather(aio_task **tasks, size_t count, bool return_exceptions,
                                     aio_outcome *outcomes);
/* Semaphores, locks, events and queues. Freeing one while tasks wait on it (or were
   woken by it and have not run yet) is reported; those waits fail with AIO_ERROR and
   errno EIDRM. Each belongs to the thread that made it: calls from another thread are
   refused with a message (EPERM where a status or an errno is returned). */
typedef struct aio_semaphore aio_semaphore;

aio_semaphore *aio_semaphore_new(int initial);           /* NULL: errno EINVAL or ENOMEM */
aio_semaphore *aio_bounded_semaphore_new(int initial);   /* never holds more than initial */
void aio_semaphore_free(aio_semaphore *semaphore);
AIO_MUST_CHECK aio_status aio_semaphore_acquire(aio_semaphore *semaphore);
AIO_MUST_CHECK bool aio_semaphore_try_acquire(aio_semaphore *semaphore);
int aio_semaphore_release(aio_semaphore *semaphore);     /* 0, or EOVERFLOW */
bool aio_semaphore_locked(const aio_semaphore *semaphore);
typedef struct aio_lock aio_lock;

aio_lock *aio_lock_new(void);
void aio_lock_free(aio_lock *lock);
AIO_MUST_CHECK aio_status aio_lock_acquire(aio_lock *lock);
int aio_lock_release(aio_lock *lock);                    /* 0, or EPERM: not locked */
bool aio_lock_locked(const aio_lock *lock);
typedef struct aio_event aio_event;

aio_event *aio_event_new(void);
void aio_event_free(aio_event *event);
AIO_MUST_CHECK aio_status aio_event_wait(aio_event *event);
void aio_event_set(aio_event *event);
void aio_event_clear(aio_event *event);
bool aio_event_is_set(const aio_event *event);
typedef struct aio_queue aio_queue;

aio_queue *aio_queue_new(size_t capacity);               /* 0: unbounded */
void aio_queue_free(aio_queue *queue);
AIO_MUST_CHECK aio_status aio_queue_put(aio_queue *queue, intptr_t item);
AIO_MUST_CHECK aio_status aio_queue_get(aio_queue *queue, intptr_t *item);
AIO_MUST_CHECK int aio_queue_try_put(aio_queue *queue, intptr_t item);    /* EAGAIN: full */
AIO_MUST_CHECK int aio_queue_try_get(aio_queue *queue, intptr_t *item);   /* EAGAIN: empty */
int aio_queue_task_done(aio_queue *queue);               /* 0, or EINVAL: too often */
AIO_MUST_CHECK aio_status aio_queue_join(aio_queue *queue);
size_t aio_queue_size(const aio_queue *queue);
int aio_cancelling(const aio_task *task);   /* cancellations requested, not taken back */
int aio_uncancel(aio_task *task);           /* take one back; returns the count left */
/* As aio_await; cancelling the caller stops its wait only, never task. */
AIO_MUST_CHECK aio_status aio_shield(aio_task *task, aio_outcome *outcome);
typedef struct aio_group aio_group;

aio_group *aio_group_new(void);            /* the body is the calling task */
/* As aio_spawn. NULL with errno EINVAL (and a message): the group's wait has ended. */
aio_task *aio_group_spawn(aio_group *group, const char *name, aio_task_fn *fn, void *arg);
/* Wait for every child. A failing body (body_status AIO_ERROR or AIO_TIMEOUT)
   cancels every child at once, and its status is returned. Otherwise AIO_OK;
   AIO_ERROR if any child failed (see failures); AIO_CANCELLED if the body was
   cancelled from outside. Called twice: AIO_ERROR, errno EINVAL. */
AIO_MUST_CHECK aio_status aio_group_wait(aio_group *group, aio_status body_status);
size_t aio_group_failures(const aio_group *group, const aio_outcome **failures);
void aio_group_free(aio_group *group);
typedef struct aio_timeout aio_timeout;

/* asyncio.timeout: a deadline `delay` from now for a block of the calling task,
   which is cancelled when it passes (delay <= 0: at the next turn; AIO_FOREVER:
   never). NULL: no memory, or not in a task. */
aio_timeout *aio_timeout_enter(aio_time delay);
/* Move the deadline (on aio_now's clock; AIO_FOREVER: none). 0; EINVAL: expired; ENOMEM. */
int aio_timeout_reschedule(aio_timeout *scope, aio_time deadline);
aio_time aio_timeout_deadline(const aio_timeout *scope);
/* End the block, free the scope. AIO_TIMEOUT if the scope expired and the
   block ended CANCELLED by it alone; otherwise body_status. */
AIO_MUST_CHECK aio_status aio_timeout_exit(aio_timeout *scope, aio_status body_status);

/* asyncio.wait_for: await task for at most timeout (<= 0: cancel it at once;
   AIO_FOREVER: a plain await). Late: task is cancelled and awaited to its end,
   then AIO_TIMEOUT (or its value, if it caught the cancellation). Cancelling
   the caller cancels task too, even a cancellation pending at the call.
   The calling task itself: AIO_ERROR, errno EDEADLK. */
AIO_MUST_CHECK aio_status aio_wait_for(aio_task *task, aio_time timeout,
                                       aio_outcome *outcome);
/* Wait until fd is readable or writable (events), or timeout passes (AIO_FOREVER:
   none; <= 0: a poll, AIO_TIMEOUT unless fd is ready at the next turn). AIO_OK only
   when fd was reported ready for this wait. AIO_TIMEOUT, AIO_CANCELLED, or AIO_ERROR
   with errno: EBADF (bad or closed; with select(), also >= FD_SETSIZE), EINVAL (events
   not a non-empty set of AIO_READABLE | AIO_WRITABLE), EBUSY (another task waits for
   the same event), EPERM (with epoll: a regular file, which epoll cannot watch). */
AIO_MUST_CHECK aio_status aio_wait_fd(int fd, int events, aio_time timeout);

int aio_set_nonblocking(int fd);      /* 0 or an errno value */
AIO_MUST_CHECK aio_status aio_read(int fd, void *buffer, size_t size, size_t *got);
AIO_MUST_CHECK aio_status aio_write_all(int fd, const void *data, size_t size);
AIO_MUST_CHECK aio_status aio_accept(int listener, int *client);
AIO_MUST_CHECK aio_status aio_connect(int fd, const void *address, unsigned address_length);
typedef intptr_t aio_thread_fn(void *arg);   /* runs on a worker thread: it may block */

/* asyncio.to_thread: run fn(arg) on a worker thread while the loop serves other tasks.
   AIO_OK with *result (if not NULL) = fn's value; AIO_CANCELLED at once if the calling
   task is cancelled (fn still runs to its end; its value is dropped); AIO_ERROR with
   errno: ENOMEM, EAGAIN (no thread could be started), EMFILE or EBADF (no pipe
   the loop can watch). */
AIO_MUST_CHECK aio_status aio_to_thread(aio_thread_fn *fn, void *arg, intptr_t *result);
/* The exit status for what aio_run returned: 0 for AIO_OK, 130 (128 + SIGINT) when
   Ctrl-C interrupted main (AIO_CANCELLED, outcome->error == EINTR), 1 otherwise. */
int aio_exit_status(aio_status status, const aio_outcome *outcome);
/* asyncio's call_soon_threadsafe: from any thread, have the loop call fn(arg) on its own
   thread, soon. 0, or ENOMEM, or the errno of the loop's pipe (EMFILE...). The loop must
   outlive the call. A loop that has nothing else to wait for does not wait for such
   calls: it ends, and calls that arrive later never run. */
int aio_call_soon_threadsafe(aio_loop *loop, aio_callback *fn, void *arg);
#include <stdio.h>
void aio_dump_tasks(FILE *out);

struct aio_spawn_site { const char *file; int line; };
extern _Thread_local struct aio_spawn_site aio_spawn_site;
#ifndef AIO_WITHOUT_INSIDE
#define aio_spawn(name, fn, arg) \
    (aio_spawn_site = (struct aio_spawn_site){__FILE__, __LINE__}, aio_spawn(name, fn, arg))
#endif
#endif
