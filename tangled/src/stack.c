/* stack.c: the stack pool. */
#define _GNU_SOURCE
#include "stack.h"
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#if defined(__has_include) && __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#else
#define VALGRIND_STACK_REGISTER(start, end) 0
#define VALGRIND_MAKE_MEM_NOACCESS(start, size) 0
#define RUNNING_ON_VALGRIND 0
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef PIDFD_SELF
#define PIDFD_SELF (-10000)
#endif

static void install_guards(struct stack_pool *pool, char *slab);
#define STACKS_PER_SLAB 64

static size_t stride(const struct stack_pool *pool) { return STACK_GUARD_SIZE + pool->stack_size; }

static bool grow_arrays(struct stack_pool *pool)
{
    size_t capacity = pool->slab_capacity ? 2 * pool->slab_capacity : 4;
    void **slabs = realloc(pool->slabs, capacity * sizeof *slabs);
    if (!slabs) return false;
    pool->slabs = slabs;
    void **free_stacks = realloc(pool->free, capacity * STACKS_PER_SLAB * sizeof *free_stacks);
    if (!free_stacks) return false;
    pool->free = free_stacks;
    pool->slab_capacity = capacity;
    return true;
}

static bool map_slab(struct stack_pool *pool)
{
    size_t size = stride(pool) * STACKS_PER_SLAB;
    if (pool->slab_count == pool->slab_capacity && !grow_arrays(pool)) return false;
    char *slab = mmap(NULL, size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (slab == MAP_FAILED) return false;
    madvise(slab, size, MADV_NOHUGEPAGE);   /* see below */
    pool->slabs[pool->slab_count++] = slab;
    install_guards(pool, slab);
    for (size_t i = STACKS_PER_SLAB; i-- > 0;) {
        char *stack = slab + i * stride(pool) + STACK_GUARD_SIZE;
        if (!pool->guard_pages) *(uint64_t *)stack = STACK_CANARY;
        VALGRIND_STACK_REGISTER(stack, stack + pool->stack_size);
        stack_put(pool, stack);
    }
    return true;
}
static void install_guards(struct stack_pool *pool, char *slab)
{
    if (!pool->guard_pages) return;
    struct iovec guards[STACKS_PER_SLAB];
    for (size_t i = 0; i < STACKS_PER_SLAB; i++)
        guards[i] = (struct iovec){.iov_base = slab + i * stride(pool), .iov_len = STACK_GUARD_SIZE};
    long done = RUNNING_ON_VALGRIND ? -1 : syscall(SYS_process_madvise, PIDFD_SELF, guards,
                                                   STACKS_PER_SLAB, MADV_GUARD_INSTALL, 0);
    for (size_t i = 0; done != (long)(STACKS_PER_SLAB * STACK_GUARD_SIZE) && i < STACKS_PER_SLAB; i++)
        if (madvise(guards[i].iov_base, STACK_GUARD_SIZE, MADV_GUARD_INSTALL) != 0) {
            pool->guard_pages = false;    /* an older kernel: canaries from now on */
            return;
        }
    for (size_t i = 0; i < STACKS_PER_SLAB; i++)   /* Valgrind's leak check must not read them */
        VALGRIND_MAKE_MEM_NOACCESS(guards[i].iov_base, STACK_GUARD_SIZE);
}
void *stack_get(struct stack_pool *pool)
{
    if (pool->free_count == 0 && !map_slab(pool)) return NULL;
    return pool->free[--pool->free_count];
}

void stack_put(struct stack_pool *pool, void *stack)
{
    pool->free[pool->free_count++] = stack;   /* room for every stack of every slab */
}
bool stack_pool_init(struct stack_pool *pool, size_t stack_size)
{
    *pool = (struct stack_pool){.stack_size = stack_size, .guard_pages = true};
    return stack_size % 4096 == 0 && stack_size >= 16 * 1024 && stack_size <= (size_t)1 << 30;
}

void stack_pool_free(struct stack_pool *pool)
{
    for (size_t i = 0; i < pool->slab_count; i++)
        munmap(pool->slabs[i], stride(pool) * STACKS_PER_SLAB);
    free(pool->slabs);
    free(pool->free);
    *pool = (struct stack_pool){0};
}
