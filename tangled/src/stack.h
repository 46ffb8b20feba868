/* stack.h: a pool of coroutine stacks, mapped in slabs, reused. */
#ifndef STACK_H
#define STACK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stack_pool {
    size_t stack_size;        /* bytes per stack, guard page included */
    bool guard_pages;         /* MADV_GUARD_INSTALL worked; otherwise canaries */
    void *free_list;          /* free stacks, linked through their top word */
    void **slabs;             /* every region mapped, to unmap at the end */
    size_t slab_count;
};

#define STACK_GUARD_SIZE 4096
#define STACK_CANARY UINT64_C(0x5AFE57ACC0DECAFE)

bool stack_pool_init(struct stack_pool *pool, size_t stack_size);
void stack_pool_free(struct stack_pool *pool);
void *stack_get(struct stack_pool *pool);    /* lowest address; NULL: out of memory */
void stack_put(struct stack_pool *pool, void *stack);
static inline bool stack_intact(const struct stack_pool *pool, const void *stack)
{
    return pool->guard_pages ||
           *(const uint64_t *)((const char *)stack + STACK_GUARD_SIZE) == STACK_CANARY;
}
#endif
