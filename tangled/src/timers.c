/* timers.c: the timer heap, a binary min-heap ordered by (deadline, sequence). */
#include "loop.h"
#include <errno.h>
#include <stdlib.h>

static bool fires_before(const struct heap_entry *a, const struct heap_entry *b)
{
    if (a->deadline != b->deadline) return a->deadline < b->deadline;
    return a->sequence < b->sequence;
}

static void place(struct timer_heap *heap, size_t index, struct heap_entry entry)
{
    heap->items[index] = entry;
    entry.timer->index = index;
}
static void sift_up(struct timer_heap *heap, size_t index)
{
    struct heap_entry entry = heap->items[index];
    while (index > 0) {
        size_t parent = (index - 1) / 2;
        if (!fires_before(&entry, &heap->items[parent])) break;
        place(heap, index, heap->items[parent]);
        index = parent;
    }
    place(heap, index, entry);
}

static void sift_down(struct timer_heap *heap, size_t index)
{
    struct heap_entry entry = heap->items[index];
    for (;;) {
        size_t child = 2 * index + 1;
        if (child >= heap->count) break;
        if (child + 1 < heap->count && fires_before(&heap->items[child + 1], &heap->items[child]))
            child++;
        if (!fires_before(&heap->items[child], &entry)) break;
        place(heap, index, heap->items[child]);
        index = child;
    }
    place(heap, index, entry);
}
bool timer_heap_add(struct timer_heap *heap, struct aio_timer *timer)
{
    if (heap->count == UINT32_MAX) {   /* an index is 32 bits: 96 GiB of entries */
        errno = ENOMEM;
        return false;
    }
    if (heap->count == heap->capacity) {
        size_t capacity = heap->capacity ? 2 * heap->capacity : 64;
        struct heap_entry *items = realloc(heap->items, capacity * sizeof *items);
        if (!items) return false;
        heap->items = items;
        heap->capacity = capacity;
    }
    timer->state = TIMER_PENDING;
    place(heap, heap->count++, (struct heap_entry){timer->deadline, heap->next_sequence++, timer});
    sift_up(heap, timer->index);
    return true;
}

void timer_heap_remove(struct timer_heap *heap, struct aio_timer *timer)
{
    size_t index = timer->index;
    struct heap_entry last = heap->items[--heap->count];
    if (last.timer != timer) {
        place(heap, index, last);
        sift_up(heap, index);
        sift_down(heap, last.timer->index);
    }
    timer->state = TIMER_IDLE;
}
