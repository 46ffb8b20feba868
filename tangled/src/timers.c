/* timers.c: the timer heap, a binary min-heap ordered by (deadline, sequence). */
#include "loop.h"
#include <stdlib.h>

static bool fires_before(const struct aio_timer *a, const struct aio_timer *b)
{
    if (a->deadline != b->deadline) return a->deadline < b->deadline;
    return a->sequence < b->sequence;
}

static void place(struct timer_heap *heap, size_t index, struct aio_timer *timer)
{
    heap->items[index] = timer;
    timer->index = index;
}
static void sift_up(struct timer_heap *heap, size_t index)
{
    struct aio_timer *timer = heap->items[index];
    while (index > 0) {
        size_t parent = (index - 1) / 2;
        if (!fires_before(timer, heap->items[parent])) break;
        place(heap, index, heap->items[parent]);
        index = parent;
    }
    place(heap, index, timer);
}

static void sift_down(struct timer_heap *heap, size_t index)
{
    struct aio_timer *timer = heap->items[index];
    for (;;) {
        size_t child = 2 * index + 1;
        if (child >= heap->count) break;
        if (child + 1 < heap->count && fires_before(heap->items[child + 1], heap->items[child]))
            child++;
        if (!fires_before(heap->items[child], timer)) break;
        place(heap, index, heap->items[child]);
        index = child;
    }
    place(heap, index, timer);
}
bool timer_heap_add(struct timer_heap *heap, struct aio_timer *timer)
{
    if (heap->count == heap->capacity) {
        size_t capacity = heap->capacity ? 2 * heap->capacity : 64;
        struct aio_timer **items = realloc(heap->items, capacity * sizeof *items);
        if (!items) return false;
        heap->items = items;
        heap->capacity = capacity;
    }
    timer->sequence = heap->next_sequence++;
    timer->state = TIMER_PENDING;
    place(heap, heap->count++, timer);
    sift_up(heap, timer->index);
    return true;
}

void timer_heap_remove(struct timer_heap *heap, struct aio_timer *timer)
{
    size_t index = timer->index;
    struct aio_timer *last = heap->items[--heap->count];
    if (last != timer) {
        place(heap, index, last);
        sift_up(heap, index);
        sift_down(heap, last->index);
    }
    timer->state = TIMER_IDLE;
}
