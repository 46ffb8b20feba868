/* queue.c: a FIFO queue of items: a ring buffer, two semaphores and an event. */
#include "task.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct aio_queue {
    intptr_t *buffer;             /* a ring of size places */
    size_t first, count, size;
    aio_semaphore *items;         /* a permit per item a get may take */
    aio_semaphore *room;          /* a permit per free place; NULL: unbounded */
    size_t unfinished;            /* items put and not yet marked done */
    aio_event *all_done;          /* set whenever nothing is unfinished */
};
aio_queue *aio_queue_new(size_t capacity)
{
    if (capacity > INT_MAX) {
        fprintf(stderr, "aio_queue_new: a capacity of %zu is more than INT_MAX\n", capacity);
        errno = EINVAL;
        return NULL;
    }
    aio_queue *queue = calloc(1, sizeof *queue);
    if (!queue) return NULL;
    queue->items = aio_semaphore_new(0);
    queue->room = capacity ? aio_semaphore_new((int)capacity) : NULL;
    queue->all_done = aio_event_new();
    if (!queue->items || (capacity && !queue->room) || !queue->all_done) {
        aio_queue_free(queue);
        errno = ENOMEM;
        return NULL;
    }
    event_set(queue->all_done, "aio_queue_new");   /* nothing put, nothing unfinished */
    return queue;
}
void aio_queue_free(aio_queue *queue)
{
    if (!queue) return;
    bool orphans = semaphore_orphan(queue->items);
    orphans |= semaphore_orphan(queue->room);
    orphans |= event_orphan(queue->all_done);
    if (orphans) report_orphans("aio_queue_free");
    aio_semaphore_free(queue->items);
    aio_semaphore_free(queue->room);
    aio_event_free(queue->all_done);
    free(queue->buffer);
    free(queue);
}
static bool buffer_grow(aio_queue *queue)
{
    if (queue->size > INT_MAX / 2) return false;   /* 2 * size must stay an int */
    size_t size = queue->size ? 2 * queue->size : 16;
    intptr_t *buffer = realloc(queue->buffer, size * sizeof *buffer);
    if (!buffer) return false;
    /* full: the items run from first to the old end, then from 0 to first */
    memcpy(buffer + queue->size, buffer, queue->first * sizeof *buffer);
    queue->buffer = buffer;
    queue->size = size;
    return true;
}
static bool buffer_push(aio_queue *queue, intptr_t item)
{
    if (queue->count == queue->size && !buffer_grow(queue)) return false;
    queue->buffer[(queue->first + queue->count++) % queue->size] = item;
    return true;
}

static intptr_t buffer_pop(aio_queue *queue)
{
    intptr_t item = queue->buffer[queue->first];
    queue->first = (queue->first + 1) % queue->size;
    queue->count--;
    return item;
}
static int add_item(aio_queue *queue, intptr_t item, const char *function)
{
    if (!buffer_push(queue, item)) {
        if (queue->room) (void)semaphore_release(queue->room, function);   /* the place, back */
        return ENOMEM;
    }
    queue->unfinished++;
    event_clear(queue->all_done, function);
    (void)semaphore_release(queue->items, function);   /* to the first waiting getter, if any */
    return 0;
}
aio_status aio_queue_put(aio_queue *queue, intptr_t item)
{
    if (queue->room) {
        aio_status status = semaphore_acquire(queue->room, "aio_queue_put");
        if (status != AIO_OK) return status;
    }
    int err = add_item(queue, item, "aio_queue_put");
    return err ? errno = err, AIO_ERROR : AIO_OK;
}

int aio_queue_try_put(aio_queue *queue, intptr_t item)
{
    if (queue->room && !semaphore_try_acquire(queue->room, "aio_queue_try_put")) return EAGAIN;
    return add_item(queue, item, "aio_queue_try_put");
}
static intptr_t take_item(aio_queue *queue, const char *function)
{
    intptr_t item = buffer_pop(queue);
    if (queue->room) (void)semaphore_release(queue->room, function);   /* to the first waiting putter */
    return item;
}

aio_status aio_queue_get(aio_queue *queue, intptr_t *item)
{
    aio_status status = semaphore_acquire(queue->items, "aio_queue_get");
    if (status == AIO_OK) *item = take_item(queue, "aio_queue_get");
    return status;
}

int aio_queue_try_get(aio_queue *queue, intptr_t *item)
{
    if (!semaphore_try_acquire(queue->items, "aio_queue_try_get")) return EAGAIN;
    *item = take_item(queue, "aio_queue_try_get");
    return 0;
}

size_t aio_queue_size(const aio_queue *queue) { return queue->count; }
int aio_queue_task_done(aio_queue *queue)
{
    if (queue->unfinished == 0) {
        fprintf(stderr, "aio_queue_task_done: called more times than items were put\n");
        return EINVAL;
    }
    if (--queue->unfinished == 0) event_set(queue->all_done, "aio_queue_task_done");
    return 0;
}

aio_status aio_queue_join(aio_queue *queue) { return event_wait(queue->all_done, "aio_queue_join"); }
