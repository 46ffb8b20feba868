/* threads.c: aio_to_thread's pool of worker threads, and which thread owns a loop. */
#define _POSIX_C_SOURCE 200809L
#include "task.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct thread_job {
    aio_thread_fn *fn;
    void *arg;
    intptr_t result;              /* written by the worker */
    aio_task *awaiter;            /* NULL once the task stopped waiting (loop thread only) */
    intptr_t *deliver_to;         /* where the waiting task wants the result */
    struct thread_job *next;      /* in the work queue or the finished list */
    struct thread_job *older, *newer;   /* every outstanding job (loop thread only) */
    aio_time submitted;           /* on the loop's clock */
    char started_by[24];          /* the name of the task that submitted it */
};

struct job_list {
    struct thread_job *head, **tail;
};
struct thread_pool {
    aio_loop *loop;
    pthread_mutex_t lock;            /* guards the lists, the counts and stopping */
    pthread_cond_t work_arrived;
    struct job_list work, finished;
    int queued, idle, started, max;  /* jobs in work; workers idle, started, allowed */
    bool stopping;                   /* the loop is being freed: workers leave */
    atomic_bool wake_pending;        /* a byte is in the pipe, or on its way */
    int wake_pipe[2];                /* workers write, the loop reads */
    size_t outstanding;              /* submitted, not collected (loop thread only) */
    struct thread_job *newest;       /* the outstanding jobs, newest first (loop thread only) */
    aio_timer *grace_timer;          /* says which jobs still run, after main ended */
    pthread_t workers[];
};
static void wake_the_loop(struct thread_pool *pool);
static void abandon_job(aio_task *task);
static void job_list_push(struct job_list *list, struct thread_job *job)
{
    job->next = NULL;
    *list->tail = job;
    list->tail = &job->next;
}

static struct thread_job *job_list_pop(struct job_list *list)
{
    struct thread_job *job = list->head;
    if (job && !(list->head = job->next)) list->tail = &list->head;
    return job;
}

static struct thread_job *job_list_take(struct job_list *list)   /* the whole list */
{
    struct thread_job *head = list->head;
    list->head = NULL;
    list->tail = &list->head;
    return head;
}
static void note_outstanding(struct thread_pool *pool, struct thread_job *job)
{
    job->older = pool->newest;
    job->newer = NULL;
    if (pool->newest) pool->newest->newer = job;
    pool->newest = job;
    pool->outstanding++;
}

static void forget_outstanding(struct thread_pool *pool, struct thread_job *job)
{
    if (job->newer) job->newer->older = job->older;
    else pool->newest = job->older;
    if (job->older) job->older->newer = job->newer;
    if (--pool->outstanding == 0 && pool->grace_timer) {
        aio_timer_cancel(pool->loop, pool->grace_timer);   /* all done in time */
        pool->grace_timer = NULL;
    }
}
static void report_stuck_jobs(void *arg)
{
    struct thread_pool *pool = arg;
    pool->grace_timer = NULL;
    aio_time now = aio_now(pool->loop);
    fprintf(stderr, "aio_run: main has ended, and %zu aio_to_thread job%s still running; "
            "aio_run waits for %s (a thread cannot be stopped):\n", pool->outstanding,
            pool->outstanding == 1 ? " is" : "s are", pool->outstanding == 1 ? "it" : "them");
    for (struct thread_job *job = pool->newest; job; job = job->older)
        fprintf(stderr, "  function %p, started by task '%s' %.1f s ago\n", (void *)job->fn,
                job->started_by, (double)(now - job->submitted) / AIO_SEC(1));
}

void watch_for_stuck_jobs(aio_loop *loop)
{
    struct thread_pool *pool = loop->threads;
    if (!pool || pool->outstanding == 0 || loop->thread_grace == AIO_FOREVER) return;
    pool->grace_timer = aio_call_later(loop, loop->thread_grace, report_stuck_jobs, pool);
}
static struct thread_job *pool_next_job(struct thread_pool *pool)
{
    struct thread_job *job = NULL;
    pthread_mutex_lock(&pool->lock);
    while (!pool->stopping && !(job = job_list_pop(&pool->work))) {
        pool->idle++;
        pthread_cond_wait(&pool->work_arrived, &pool->lock);
        pool->idle--;
    }
    if (job) pool->queued--;
    pthread_mutex_unlock(&pool->lock);
    return job;
}
static void *pool_worker(void *arg)
{
    struct thread_pool *pool = arg;
    struct thread_job *job;
    while ((job = pool_next_job(pool))) {
        job->result = job->fn(job->arg);
        pthread_mutex_lock(&pool->lock);
        job_list_push(&pool->finished, job);
        pthread_mutex_unlock(&pool->lock);
        wake_the_loop(pool);
    }
    return NULL;
}
static void wake_the_loop(struct thread_pool *pool)
{
    if (atomic_exchange(&pool->wake_pending, true)) return;   /* a byte is on its way */
    ssize_t written = write(pool->wake_pipe[1], "", 1);
    (void)written;   /* full: the loop has bytes to read already, and will wake */
}
int open_wake_pipe(int fds[2])
{
    if (pipe(fds) != 0) return errno;
    for (int i = 0; i < 2; i++) {
        int err = aio_set_nonblocking(fds[i]);
        if (!err && fcntl(fds[i], F_SETFD, FD_CLOEXEC) != 0) err = errno;
        if (err) {
            close_wake_pipe(fds);
            return err;
        }
    }
    return 0;
}

void close_wake_pipe(int fds[2])
{
    close(fds[0]);
    close(fds[1]);
    fds[0] = fds[1] = -1;
}

void drain_wake_pipe(int fd)
{
    char bytes[64];
    while (read(fd, bytes, sizeof bytes) > 0) continue;
}
static void collect_finished_jobs(void *arg)
{
    struct thread_pool *pool = arg;
    drain_wake_pipe(pool->wake_pipe[0]);
    atomic_store(&pool->wake_pending, false);
    pthread_mutex_lock(&pool->lock);
    struct thread_job *job = job_list_take(&pool->finished);
    pthread_mutex_unlock(&pool->lock);
    while (job) {
        struct thread_job *next = job->next;
        if (job->awaiter) {
            *job->deliver_to = job->result;
            task_wake(job->awaiter, AIO_OK);
        }
        forget_outstanding(pool, job);
        free(job);
        job = next;
    }
    if (pool->outstanding == 0) aio_unwatch(pool->loop, pool->wake_pipe[0], AIO_READABLE);
}
static int default_max_threads(void)
{
    long processors = sysconf(_SC_NPROCESSORS_ONLN);
    if (processors < 1) processors = 1;
    return processors + 4 < 32 ? (int)processors + 4 : 32;
}
static int pool_create(aio_loop *loop)
{
    int max = loop->max_threads > 0 ? loop->max_threads : default_max_threads();
    struct thread_pool *pool = calloc(1, sizeof *pool + (size_t)max * sizeof(pthread_t));
    if (!pool) return ENOMEM;
    int err = open_wake_pipe(pool->wake_pipe);
    if (err) {
        free(pool);
        return err;
    }
    pool->loop = loop;
    pool->max = max;
    pool->work.tail = &pool->work.head;
    pool->finished.tail = &pool->finished.head;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->work_arrived, NULL);
    atomic_init(&pool->wake_pending, false);
    loop->threads = pool;
    return 0;
}
static int pool_start_worker(struct thread_pool *pool)
{
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    int err = pthread_create(&pool->workers[pool->started], NULL, pool_worker, pool);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (!err) pool->started++;
    return err;
}
static int submit_job(aio_loop *loop, struct thread_job *job)
{
    int err = loop->threads ? 0 : pool_create(loop);
    if (err) return err;
    struct thread_pool *pool = loop->threads;
    if (pool->outstanding == 0 &&
        (err = aio_watch(loop, pool->wake_pipe[0], AIO_READABLE, collect_finished_jobs, pool)))
        return err;
    pthread_mutex_lock(&pool->lock);
    if (pool->queued >= pool->idle && pool->started < pool->max) err = pool_start_worker(pool);
    if (pool->started > 0) {
        job_list_push(&pool->work, job);
        pool->queued++;
        pthread_cond_signal(&pool->work_arrived);
        err = 0;
    }
    pthread_mutex_unlock(&pool->lock);
    if (!err) note_outstanding(pool, job);
    else if (pool->outstanding == 0) aio_unwatch(loop, pool->wake_pipe[0], AIO_READABLE);
    return err;
}
aio_status aio_to_thread(aio_thread_fn *fn, void *arg, intptr_t *result)
{
    REQUIRE_ARGUMENT(fn, "aio_to_thread");
    aio_task *self = current_task_or_complain("aio_to_thread");
    if (!self) return AIO_ERROR;
    if (task_take_cancel(self)) return AIO_CANCELLED;
    intptr_t value = 0;
    struct thread_job *job = malloc(sizeof *job);
    if (job) *job = (struct thread_job){.fn = fn, .arg = arg, .awaiter = self, .deliver_to = &value,
                                        .submitted = aio_now(self->loop)};
    if (job) snprintf(job->started_by, sizeof job->started_by, "%s", aio_task_name(self));
    int err = job ? submit_job(self->loop, job) : ENOMEM;
    if (err) {
        free(job);
        errno = err;
        return AIO_ERROR;
    }
    self->thread_job = job;
    task_begin_wait(self, abandon_job);
    aio_status status = task_switch_out(self);
    if (status == AIO_OK && result) *result = value;
    return status;
}
static void abandon_job(aio_task *task)
{
    task->thread_job->awaiter = NULL;
    task_wake(task, AIO_CANCELLED);
}
static void free_jobs(struct thread_job *job)
{
    while (job) {
        struct thread_job *next = job->next;
        free(job);
        job = next;
    }
}

void thread_pool_free(struct thread_pool *pool)
{
    if (!pool) return;
    pthread_mutex_lock(&pool->lock);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->work_arrived);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->started; i++) pthread_join(pool->workers[i], NULL);
    free_jobs(job_list_take(&pool->work));
    free_jobs(job_list_take(&pool->finished));
    close_wake_pipe(pool->wake_pipe);
    pthread_cond_destroy(&pool->work_arrived);
    pthread_mutex_destroy(&pool->lock);
    free(pool);
}
const void *this_thread(void)
{
    static _Thread_local char marker;
    return &marker;
}

bool in_loop_thread(const aio_loop *loop, const char *function)
{
    if (loop->owner_thread == this_thread()) return true;
    fprintf(stderr, "%s: called from a thread that does not own the loop (a loop and its "
            "tasks belong to the thread that made the loop; use aio_call_soon_threadsafe)\n",
            function);
    return false;
}
struct foreign_call {
    aio_callback *fn;
    void *arg;
    struct foreign_call *next;
};

struct foreign_calls {
    pthread_mutex_t lock;            /* guards the list */
    struct foreign_call *head, **tail;
    atomic_bool wake_pending;        /* a byte is in the pipe, or on its way */
    int pipe[2];
    int error;                       /* why there is no pipe, or 0 */
};
int aio_call_soon_threadsafe(aio_loop *loop, aio_callback *fn, void *arg)
{
    struct foreign_calls *calls = loop->foreign;
    if (!calls) return ENOMEM;
    if (calls->error) return calls->error;
    struct foreign_call *call = malloc(sizeof *call);
    if (!call) return ENOMEM;
    *call = (struct foreign_call){.fn = fn, .arg = arg};
    pthread_mutex_lock(&calls->lock);
    *calls->tail = call;
    calls->tail = &call->next;
    pthread_mutex_unlock(&calls->lock);
    if (!atomic_exchange(&calls->wake_pending, true)) {
        ssize_t written = write(calls->pipe[1], "", 1);
        (void)written;   /* full: the loop has bytes to read already, and will wake */
    }
    return 0;
}
static struct foreign_call *take_foreign_calls(struct foreign_calls *calls)
{
    pthread_mutex_lock(&calls->lock);
    struct foreign_call *call = calls->head;
    calls->head = NULL;
    calls->tail = &calls->head;
    pthread_mutex_unlock(&calls->lock);
    return call;
}

static void run_foreign_calls(void *arg)
{
    struct foreign_calls *calls = arg;
    drain_wake_pipe(calls->pipe[0]);
    atomic_store(&calls->wake_pending, false);
    struct foreign_call *call = take_foreign_calls(calls);
    while (call) {
        struct foreign_call *next = call->next;
        call->fn(call->arg);
        free(call);
        call = next;
    }
}
void foreign_calls_open(aio_loop *loop)
{
    struct foreign_calls *calls = calloc(1, sizeof *calls);
    if (!calls) return;
    pthread_mutex_init(&calls->lock, NULL);
    calls->tail = &calls->head;
    atomic_init(&calls->wake_pending, false);
    calls->error = open_wake_pipe(calls->pipe);
    if (!calls->error) calls->error = aio_watch(loop, calls->pipe[0], AIO_READABLE,
                                                run_foreign_calls, calls);
    if (!calls->error) loop->watched.count--;   /* does not keep the loop alive */
    loop->foreign = calls;
}

void foreign_calls_close(aio_loop *loop)
{
    struct foreign_calls *calls = loop->foreign;
    if (!calls) return;
    if (!calls->error) {
        loop->watched.count++;   /* counted again, to be taken off */
        aio_unwatch(loop, calls->pipe[0], AIO_READABLE);
        close_wake_pipe(calls->pipe);
    }
    struct foreign_call *call = take_foreign_calls(calls);
    while (call) {
        struct foreign_call *next = call->next;
        free(call);
        call = next;
    }
    pthread_mutex_destroy(&calls->lock);
    free(calls);
}
const struct wait_kind thread_wait_kinds[] = {
    {abandon_job, "thread job", NULL, NULL},
    {NULL, NULL, NULL, NULL},
};
