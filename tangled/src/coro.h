/* coro.h: stackful coroutines: a context, a stack, and a switch. */
#ifndef CORO_H
#define CORO_H
#include <stddef.h>
#ifdef AIO_CORO_UCONTEXT
#include <ucontext.h>
#endif

struct coro {
#ifdef AIO_CORO_UCONTEXT
    ucontext_t context;
#else
    void *registers[8];        /* rsp, rip, rbx, rbp, r12, r13, r14, r15 */
#endif
    const void *stack_bottom;  /* for AddressSanitizer */
    size_t stack_size;
#if defined(__SANITIZE_ADDRESS__)
    void *asan_fake_stack;
#endif
};
/* Prepare c to run fn(arg) on the stack [stack, stack + size) when first switched to.
   fn must never return: a finished coroutine switches away for the last time. */
void coro_init(struct coro *c, void *stack, size_t size, void (*fn)(void *), void *arg);

/* Save the running context in from, continue in to. Returns when someone
   switches back to from. */
void coro_switch(struct coro *from, struct coro *to);

/* Where a suspended coroutine's saved frames are: a hint for prefetching. */
static inline const void *coro_saved_frames(const struct coro *c)
{
#ifdef AIO_CORO_UCONTEXT
    return (const char *)c->stack_bottom + c->stack_size - 64;
#else
    return c->registers[0];
#endif
}
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
static inline void coro_leaving(struct coro *from, const struct coro *to, int finished)
{
    __sanitizer_start_switch_fiber(finished ? NULL : &from->asan_fake_stack,
                                   to->stack_bottom, to->stack_size);
}
static inline void coro_arrived(struct coro *self, const void **previous_bottom,
                                size_t *previous_size)
{
    __sanitizer_finish_switch_fiber(self ? self->asan_fake_stack : NULL,
                                    previous_bottom, previous_size);
}
#else
static inline void coro_leaving(struct coro *from, const struct coro *to, int finished)
{
    (void)from, (void)to, (void)finished;
}
static inline void coro_arrived(struct coro *self, const void **previous_bottom,
                                size_t *previous_size)
{
    (void)self, (void)previous_bottom, (void)previous_size;
}
#endif
#endif
