/* sync.c: semaphores, locks and events, on the wait queues of wait.c. */
#include "task.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

static void free_object(void *object, struct wait_queue *waiters, const char *function)
{
    if (waiters->first) {
        fprintf(stderr, "%s: tasks are still waiting on it; they wake with AIO_ERROR\n", function);
        wake_everyone_in_line(waiters, AIO_ERROR);
    }
    free(object);
}
struct aio_semaphore {
    int permits;                  /* free now; 0 whenever a task waits */
    int bound;                    /* the most it may hold: the initial count, or INT_MAX */
    struct wait_queue waiters;
};
static aio_semaphore *semaphore_new(int initial, int bound, const char *function)
{
    if (initial < 0) {
        fprintf(stderr, "%s: the initial count %d is negative\n", function, initial);
        errno = EINVAL;
        return NULL;
    }
    aio_semaphore *semaphore = malloc(sizeof *semaphore);
    if (semaphore) *semaphore = (aio_semaphore){.permits = initial, .bound = bound};
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
    if (semaphore) free_object(semaphore, &semaphore->waiters, "aio_semaphore_free");
}
bool aio_semaphore_try_acquire(aio_semaphore *semaphore)
{
    if (semaphore->permits == 0) return false;
    semaphore->permits--;
    if (__builtin_expect(inside_tracing, 0)) trace_hold(true);
    return true;
}

aio_status aio_semaphore_acquire(aio_semaphore *semaphore)
{
    aio_task *self = current_task_or_complain("aio_semaphore_acquire");
    if (!self) return AIO_ERROR;
    if (aio_semaphore_try_acquire(semaphore)) return AIO_OK;
    bool granted;
    aio_status status = wait_in_line(&semaphore->waiters, self, &granted);
    if (status != AIO_OK && granted) (void)aio_semaphore_release(semaphore);
    if (__builtin_expect(inside_tracing, 0) && status == AIO_OK) trace_hold(true);
    return status;
}
int aio_semaphore_release(aio_semaphore *semaphore)
{
    if (__builtin_expect(inside_tracing, 0)) trace_hold(false);
    if (wake_first_in_line(&semaphore->waiters, AIO_OK)) return 0;
    if (semaphore->permits == semaphore->bound) {
        fprintf(stderr, "aio_semaphore_release: released more often than acquired "
                        "(it would hold more than %d permits)\n", semaphore->bound);
        return EOVERFLOW;
    }
    semaphore->permits++;
    return 0;
}

bool aio_semaphore_locked(const aio_semaphore *semaphore) { return semaphore->permits == 0; }
struct aio_lock {
    aio_semaphore permit;
};

aio_lock *aio_lock_new(void)
{
    aio_lock *lock = malloc(sizeof *lock);
    if (lock) lock->permit = (aio_semaphore){.permits = 1, .bound = 1};
    return lock;
}

void aio_lock_free(aio_lock *lock)
{
    if (lock) free_object(lock, &lock->permit.waiters, "aio_lock_free");
}
aio_status aio_lock_acquire(aio_lock *lock) { return aio_semaphore_acquire(&lock->permit); }

bool aio_lock_locked(const aio_lock *lock) { return aio_semaphore_locked(&lock->permit); }

int aio_lock_release(aio_lock *lock)
{
    if (!aio_lock_locked(lock)) {
        fprintf(stderr, "aio_lock_release: the lock is not locked\n");
        return EPERM;
    }
    return aio_semaphore_release(&lock->permit);
}
struct aio_event {
    bool is_set;
    struct wait_queue waiters;
};

aio_event *aio_event_new(void) { return calloc(1, sizeof(aio_event)); }

void aio_event_free(aio_event *event)
{
    if (event) free_object(event, &event->waiters, "aio_event_free");
}
aio_status aio_event_wait(aio_event *event)
{
    aio_task *self = current_task_or_complain("aio_event_wait");
    if (!self) return AIO_ERROR;
    if (event->is_set) return AIO_OK;
    return wait_in_line(&event->waiters, self, NULL);
}

void aio_event_set(aio_event *event)
{
    event->is_set = true;
    wake_everyone_in_line(&event->waiters, AIO_OK);
}

void aio_event_clear(aio_event *event) { event->is_set = false; }

bool aio_event_is_set(const aio_event *event) { return event->is_set; }
