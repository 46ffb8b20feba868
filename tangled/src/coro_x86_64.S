/* coro_x86_64.S: the context switch for x86-64 System V. */
#ifndef AIO_CORO_UCONTEXT
    .text
    .globl  coro_switch
    .type   coro_switch, @function
coro_switch:
    movq    (%rsp), %rax          /* where the caller resumes */
    leaq    8(%rsp), %rcx         /* the caller's stack pointer after the return */
    movq    %rcx, 0(%rdi)
    movq    %rax, 8(%rdi)
    movq    %rbx, 16(%rdi)
    movq    %rbp, 24(%rdi)
    movq    %r12, 32(%rdi)
    movq    %r13, 40(%rdi)
    movq    %r14, 48(%rdi)
    movq    %r15, 56(%rdi)
    movq    16(%rsi), %rbx
    movq    24(%rsi), %rbp
    movq    32(%rsi), %r12
    movq    40(%rsi), %r13
    movq    48(%rsi), %r14
    movq    56(%rsi), %r15
    movq    0(%rsi), %rsp
    jmpq    *8(%rsi)
    .size   coro_switch, .-coro_switch

    .globl  coro_trampoline
    .type   coro_trampoline, @function
coro_trampoline:
    .cfi_startproc
    .cfi_undefined rip
    movq    %r13, %rdi
    callq   *%r12
    ud2                           /* the function must not return */
    .cfi_endproc
    .size   coro_trampoline, .-coro_trampoline
#endif
    .section .note.GNU-stack,"",@progbits
