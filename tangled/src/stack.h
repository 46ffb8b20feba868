/* stack.h: a pool of coroutine stacks, mapped in slabs, reused. */
#ifndef STACK_H
#define STACK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stack_pool {
    size_t stack_size;        /* usable bytes per stack; the guard lies below */
    bool guard_pages;         /* MADV_GUARD_INSTALL worked; otherwise canaries */
    void **free;              /* free stacks, the most recently freed last */
    size_t free_count;
    void **slabs;             /* every region mapped, to unmap at the end */
    size_t slab_count, slab_capacity;
};

#define STACK_GUARD_SIZE (64 * 1024)
#define STACK_CANARY UINT64_C(0x5AFE57ACC0DECAFE)

bool stack_pool_init(struct stack_pool *pool, size_t stack_size);
void stack_pool_free(struct stack_pool *pool);
void *stack_get(struct stack_pool *pool);    /* lowest address; NULL: out of memory */
void stack_put(struct stack_pool *pool, void *stack);
static inline bool stack_intact(const struct stack_pool *pool, const void *stack)
{
    return pool->guard_pages || *(const uint64_t *)stack == STACK_CANARY;
}

static inline bool stack_guard_holds(const void *stack, const void *address)
{
    uintptr_t bottom = (uintptr_t)stack, at = (uintptr_t)address;
    return at < bottom && at >= bottom - STACK_GUARD_SIZE;
}
#endif
