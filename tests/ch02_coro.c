/* ch02_coro.c: coroutines and stacks of chapter 2. */
#include "test_util.h"
#include "coro.h"
#include "stack.h"
#include <string.h>

static struct stack_pool pool;
static struct coro main_context, a, b;
static char trace[64];

static void setup(void) { ck_assert(stack_pool_init(&pool, 64 * 1024)); trace[0] = '\0'; }
static void teardown(void) { stack_pool_free(&pool); }

static void append(const char *s) { strcat(trace, s); }

static void run_a(void *arg)
{
    long local = (long)(intptr_t)arg;      /* survives switches */
    append("a1 ");
    coro_switch(&a, &b);
    append("a2 ");
    local += 1;
    ck_assert_int_eq(local, 8);
    coro_switch(&a, &main_context);
    ck_abort_msg("a resumed after its end");
}

static void run_b(void *arg)
{
    (void)arg;
    append("b1 ");
    coro_switch(&b, &a);
    ck_abort_msg("b resumed after its end");
}

START_TEST(coroutines_switch_in_the_order_asked)
{
    coro_init(&a, stack_get(&pool), pool.stack_size, run_a, (void *)(intptr_t)7);
    coro_init(&b, stack_get(&pool), pool.stack_size, run_b, NULL);
    append("m1 ");
    coro_switch(&main_context, &a);
    append("m2");
    ck_assert_str_eq(trace, "m1 a1 b1 a2 m2");
}
END_TEST

/* Callee-saved registers and floating-point values survive a round trip through
   another coroutine that clobbers them. */
static volatile double clobbered;
static void clobber(void *arg)
{
    (void)arg;
    for (;;) {
        volatile long x[32];
        for (int i = 0; i < 32; i++) x[i] = -i;
        clobbered = 3.25 * x[3];
        coro_switch(&b, &main_context);
    }
}

START_TEST(state_survives_a_switch)
{
    coro_init(&b, stack_get(&pool), pool.stack_size, clobber, NULL);
    long sum = 0;
    double f = 0.5;
    for (long i = 0; i < 1000; i++) {
        long before = sum;
        coro_switch(&main_context, &b);
        sum = before + i;
        f *= 1.001;
    }
    ck_assert_int_eq(sum, 999 * 1000 / 2);
    ck_assert_double_eq_tol(f, 0.5 * 2.716923932, 1e-6);
}
END_TEST

static int depth_reached;
static int recurse(int n) { volatile char pad[64]; pad[0] = (char)n; return n == 0 ? pad[0] : 1 + recurse(n - 1); }
static void deep(void *arg)
{
    depth_reached = recurse((int)(intptr_t)arg);
    coro_switch(&a, &main_context);
}

START_TEST(a_deep_call_chain_fits_on_a_stack)
{
    coro_init(&a, stack_get(&pool), pool.stack_size, deep, (void *)(intptr_t)300);
    coro_switch(&main_context, &a);
    ck_assert_int_eq(depth_reached, 300);
}
END_TEST

START_TEST(stacks_are_reused_from_the_pool)
{
    void *first = stack_get(&pool);
    ck_assert_ptr_nonnull(first);
    stack_put(&pool, first);
    ck_assert_ptr_eq(stack_get(&pool), first);
    /* many stacks: more than one slab, all distinct, all intact */
    static void *stacks[200];
    for (int i = 0; i < 200; i++) {
        stacks[i] = stack_get(&pool);
        ck_assert_ptr_nonnull(stacks[i]);
        ck_assert(stack_intact(&pool, stacks[i]));
        if (i) ck_assert_ptr_ne(stacks[i], stacks[i - 1]);
    }
    ck_assert_uint_ge(pool.slab_count, 3);
    for (int i = 0; i < 200; i++) stack_put(&pool, stacks[i]);
}
END_TEST

START_TEST(a_bad_stack_size_is_refused)
{
    struct stack_pool p;
    ck_assert(!stack_pool_init(&p, 1000));
    ck_assert(!stack_pool_init(&p, 4096));
}
END_TEST

static Suite *coro_suite(void)
{
    Suite *s = suite_create("chapter 2: coroutines");
    TCase *t = tcase_create("coro");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, coroutines_switch_in_the_order_asked);
    tcase_add_test(t, state_survives_a_switch);
    tcase_add_test(t, a_deep_call_chain_fits_on_a_stack);
    tcase_add_test(t, stacks_are_reused_from_the_pool);
    tcase_add_test(t, a_bad_stack_size_is_refused);
    suite_add_tcase(s, t);
    return s;
}

TEST_MAIN(coro_suite)
