/* stack.c: the stack pool. */
#define _DEFAULT_SOURCE
#include "stack.h"
#include <stdlib.h>
#include <sys/mman.h>
#if defined(__has_include) && __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define VALGRIND_STACK_REGISTER(start, end) 0
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

#define STACKS_PER_SLAB 64

static bool map_slab(struct stack_pool *pool)
{
    size_t size = pool->stack_size * STACKS_PER_SLAB;
    char *slab = mmap(NULL, size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (slab == MAP_FAILED) return false;
    madvise(slab, size, MADV_NOHUGEPAGE);   /* see below */
    void **slabs = realloc(pool->slabs, (pool->slab_count + 1) * sizeof *slabs);
    if (!slabs) {
        munmap(slab, size);
        return false;
    }
    pool->slabs = slabs;
    pool->slabs[pool->slab_count++] = slab;
    for (size_t i = STACKS_PER_SLAB; i-- > 0;) {
        char *stack = slab + i * pool->stack_size;
        if (pool->guard_pages && madvise(stack, STACK_GUARD_SIZE, MADV_GUARD_INSTALL) != 0)
            pool->guard_pages = false;    /* an older kernel: canaries from now on */
        if (!pool->guard_pages) *(uint64_t *)(stack + STACK_GUARD_SIZE) = STACK_CANARY;
        VALGRIND_STACK_REGISTER(stack, stack + pool->stack_size);
        stack_put(pool, stack);
    }
    return true;
}
void *stack_get(struct stack_pool *pool)
{
    if (!pool->free_list && !map_slab(pool)) return NULL;
    char *stack = pool->free_list;
    pool->free_list = *(void **)(stack + pool->stack_size - sizeof(void *));
    return stack;
}

void stack_put(struct stack_pool *pool, void *stack)
{
    *(void **)((char *)stack + pool->stack_size - sizeof(void *)) = pool->free_list;
    pool->free_list = stack;
}
bool stack_pool_init(struct stack_pool *pool, size_t stack_size)
{
    *pool = (struct stack_pool){.stack_size = stack_size, .guard_pages = true};
    return stack_size % 4096 == 0 && stack_size >= 4 * STACK_GUARD_SIZE;
}

void stack_pool_free(struct stack_pool *pool)
{
    for (size_t i = 0; i < pool->slab_count; i++)
        munmap(pool->slabs[i], pool->stack_size * STACKS_PER_SLAB);
    free(pool->slabs);
    *pool = (struct stack_pool){0};
}
