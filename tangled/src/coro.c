/* coro.c: starting a coroutine, for either context switch. */
#define _XOPEN_SOURCE 700
#include "coro.h"
#include <stdint.h>
#include <stdlib.h>

#ifdef AIO_CORO_UCONTEXT
static void ucontext_trampoline(unsigned fn_high, unsigned fn_low,
                                unsigned arg_high, unsigned arg_low)
{
    void (*fn)(void *) = (void (*)(void *))(((uintptr_t)fn_high << 32) | fn_low);
    void *arg = (void *)(((uintptr_t)arg_high << 32) | arg_low);
    fn(arg);
    abort();   /* the function must not return */
}

void coro_init(struct coro *c, void *stack, size_t size, void (*fn)(void *), void *arg)
{
    *c = (struct coro){.stack_bottom = stack, .stack_size = size};
    getcontext(&c->context);
    c->context.uc_stack = (stack_t){.ss_sp = stack, .ss_size = size};
    c->context.uc_link = NULL;
    uintptr_t f = (uintptr_t)fn, a = (uintptr_t)arg;
    makecontext(&c->context, (void (*)(void))ucontext_trampoline, 4,
                (unsigned)(f >> 32), (unsigned)f, (unsigned)(a >> 32), (unsigned)a);
}

void coro_switch(struct coro *from, struct coro *to)
{
    swapcontext(&from->context, &to->context);
}
#else
void coro_trampoline(void);

void coro_init(struct coro *c, void *stack, size_t size, void (*fn)(void *), void *arg)
{
    uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
    *c = (struct coro){.stack_bottom = stack, .stack_size = size};
    c->registers[0] = (void *)top;
    c->registers[1] = (void *)coro_trampoline;
    c->registers[4] = (void *)fn;
    c->registers[5] = arg;
}
#endif
