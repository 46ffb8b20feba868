/* sync.c: semaphores, locks and events, on the wait queues of wait.c. */
#include "task.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

struct aio_semaphore {
    int permits;                  /* free now; 0 whenever a task waits */
    int bound;                    /* the most it may hold: the initial count, or INT_MAX */
    struct wait_queue waiters;
    const void *thread;           /* the thread that made it (see chapter 9) */
};
static const void *calling_thread(void)
{
    return this_thread();
    return NULL;
}

static bool in_object_thread(const void *thread, const char *function)
{
    (void)thread, (void)function;
    if (thread != this_thread()) {
        fprintf(stderr, "%s: called from a thread that did not make it (it belongs to one "
                "thread, as a loop does; use aio_call_soon_threadsafe)\n", function);
        return false;
    }
    return true;
}
void report_orphans(const char *function)
{
    fprintf(stderr, "%s: tasks still wait on it, or were woken by it and have not run yet; "
                    "their wait fails with AIO_ERROR and errno EIDRM\n", function);
}

static void free_object(void *object, struct wait_queue *waiters, const void *thread,
                        const char *function)
{
    if (!in_object_thread(thread, function)) return;   /* leaked rather than corrupted */
    if (orphan_the_line(waiters)) report_orphans(function);
    free(object);
}
static aio_semaphore *semaphore_new(int initial, int bound, const char *function)
{
    if (initial < 0) {
        fprintf(stderr, "%s: the initial count %d is negative\n", function, initial);
        errno = EINVAL;
        return NULL;
    }
    aio_semaphore *semaphore = malloc(sizeof *semaphore);
    if (semaphore)
        *semaphore = (aio_semaphore){.permits = initial, .bound = bound, .thread = calling_thread()};
    return semaphore;
}

aio_semaphore *aio_semaphore_new(int initial)
{
    return semaphore_new(initial, INT_MAX, "aio_semaphore_new");
}

aio_semaphore *aio_bounded_semaphore_new(int initial)
{
    return semaphore_new(initial, initial, "aio_bounded_semaphore_new");
}
void aio_semaphore_free(aio_semaphore *semaphore)
{
    if (semaphore)
        free_object(semaphore, &semaphore->waiters, semaphore->thread, "aio_semaphore_free");
}

bool semaphore_orphan(aio_semaphore *semaphore)
{
    return semaphore && orphan_the_line(&semaphore->waiters);
}
bool semaphore_try_acquire(aio_semaphore *semaphore, const char *function)
{
    if (!in_object_thread(semaphore->thread, function) || semaphore->permits == 0) return false;
    semaphore->permits--;
    if (TRACING_ANY_LOOP()) trace_hold(true);
    return true;
}

aio_status semaphore_acquire(aio_semaphore *semaphore, const char *function)
{
    REQUIRE_ARGUMENT(semaphore, function);
    aio_task *self = current_task_or_complain(function);
    if (!self) return AIO_ERROR;
    if (!in_object_thread(semaphore->thread, function)) return errno = EPERM, AIO_ERROR;
    if (semaphore_try_acquire(semaphore, function)) return AIO_OK;
    bool granted;
    aio_status status = wait_in_line(&semaphore->waiters, self, &granted);
    if (status != AIO_OK && granted) (void)semaphore_release(semaphore, function);
    if (TRACING_ANY_LOOP() && status == AIO_OK) trace_hold(true);
    return status;
}

bool aio_semaphore_try_acquire(aio_semaphore *semaphore)
{
    return semaphore_try_acquire(semaphore, "aio_semaphore_try_acquire");
}

aio_status aio_semaphore_acquire(aio_semaphore *semaphore)
{
    return semaphore_acquire(semaphore, "aio_semaphore_acquire");
}
int semaphore_release(aio_semaphore *semaphore, const char *function)
{
    REQUIRE_ARGUMENT(semaphore, function);
    if (!in_object_thread(semaphore->thread, function)) return EPERM;
    if (TRACING_ANY_LOOP()) trace_hold(false);
    if (wake_first_in_line(&semaphore->waiters, AIO_OK)) return 0;
    if (semaphore->permits == semaphore->bound) {
        fprintf(stderr, "%s: released more often than acquired "
                        "(it would hold more than %d permits)\n", function, semaphore->bound);
        return EOVERFLOW;
    }
    semaphore->permits++;
    return 0;
}

int aio_semaphore_release(aio_semaphore *semaphore)
{
    return semaphore_release(semaphore, "aio_semaphore_release");
}

bool aio_semaphore_locked(const aio_semaphore *semaphore) { return semaphore->permits == 0; }
struct aio_lock {
    aio_semaphore permit;
};

aio_lock *aio_lock_new(void)
{
    aio_lock *lock = malloc(sizeof *lock);
    if (lock) lock->permit = (aio_semaphore){.permits = 1, .bound = 1, .thread = calling_thread()};
    return lock;
}

void aio_lock_free(aio_lock *lock)
{
    if (lock) free_object(lock, &lock->permit.waiters, lock->permit.thread, "aio_lock_free");
}
aio_status aio_lock_acquire(aio_lock *lock) { return semaphore_acquire(&lock->permit, "aio_lock_acquire"); }

bool aio_lock_locked(const aio_lock *lock) { return aio_semaphore_locked(&lock->permit); }

int aio_lock_release(aio_lock *lock)
{
    if (!aio_lock_locked(lock)) {
        fprintf(stderr, "aio_lock_release: the lock is not locked\n");
        return EPERM;
    }
    return semaphore_release(&lock->permit, "aio_lock_release");
}
struct aio_event {
    bool is_set;
    struct wait_queue waiters;
    const void *thread;           /* the thread that made it */
};

aio_event *aio_event_new(void)
{
    aio_event *event = calloc(1, sizeof *event);
    if (event) event->thread = calling_thread();
    return event;
}

void aio_event_free(aio_event *event)
{
    if (event) free_object(event, &event->waiters, event->thread, "aio_event_free");
}

bool event_orphan(aio_event *event) { return event && orphan_the_line(&event->waiters); }
aio_status event_wait(aio_event *event, const char *function)
{
    aio_task *self = current_task_or_complain(function);
    if (!self) return AIO_ERROR;
    if (!in_object_thread(event->thread, function)) return errno = EPERM, AIO_ERROR;
    if (event->is_set) return AIO_OK;
    return wait_in_line(&event->waiters, self, NULL);
}

void event_set(aio_event *event, const char *function)
{
    if (!in_object_thread(event->thread, function)) return;
    event->is_set = true;
    wake_everyone_in_line(&event->waiters, AIO_OK);
}

void event_clear(aio_event *event, const char *function)
{
    if (in_object_thread(event->thread, function)) event->is_set = false;
}

aio_status aio_event_wait(aio_event *event) { return event_wait(event, "aio_event_wait"); }
void aio_event_set(aio_event *event) { event_set(event, "aio_event_set"); }
void aio_event_clear(aio_event *event) { event_clear(event, "aio_event_clear"); }

bool aio_event_is_set(const aio_event *event) { return event->is_set; }
