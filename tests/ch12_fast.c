/* ch12_fast.c: what chapter 12 adds: warm pools that outlive a run, and a hand-over that
   changes nothing a program can see. */
#define _GNU_SOURCE
#include "aio.h"
#include "task.h"
#include "test_util.h"

static const aio_loop_options virtual = {.virtual_clock = true};

/* ---- warm pools ---- */

struct seen { void *structures[2], *stacks[2]; bool shared_stacks; };

static aio_outcome nothing(void *arg)
{
    (void)arg;
    return aio_value(0);
}

static aio_outcome spawn_one_and_look(void *arg)
{
    struct seen *seen = arg;
    aio_loop *loop = aio_running_loop();
    seen->shared_stacks = loop->stacks != &loop->own_stacks;
    aio_task *task = aio_spawn("one", nothing, NULL);
    ck_assert_ptr_nonnull(task);
    seen->structures[0] = aio_current_task(), seen->structures[1] = task;
    seen->stacks[0] = aio_current_task()->stack, seen->stacks[1] = task->stack;
    ck_assert_int_eq(aio_await(task, NULL), AIO_OK);
    aio_release(task);
    return aio_value(0);
}

static bool one_of(void *pointer, void *const pair[2])
{
    return pointer == pair[0] || pointer == pair[1];
}

START_TEST(a_second_run_reuses_the_first_runs_stacks_and_structures)
{
    struct seen first, second;
    ck_assert_int_eq(aio_run(spawn_one_and_look, &first, &virtual, NULL), AIO_OK);
    ck_assert_int_eq(aio_run(spawn_one_and_look, &second, &virtual, NULL), AIO_OK);
    ck_assert(first.shared_stacks);
    for (int i = 0; i < 2; i++) {
        ck_assert(one_of(second.structures[i], first.structures));
        ck_assert(one_of(second.stacks[i], first.stacks));
    }
}
END_TEST

START_TEST(a_loop_with_another_stack_size_keeps_its_own_stacks)
{
    struct seen first, seen;
    aio_loop_options options = {.virtual_clock = true, .stack_size = 128 * 1024};
    ck_assert_int_eq(aio_run(spawn_one_and_look, &first, &virtual, NULL), AIO_OK);
    ck_assert_int_eq(aio_run(spawn_one_and_look, &seen, &options, NULL), AIO_OK);
    ck_assert(!seen.shared_stacks);
    for (int i = 0; i < 2; i++)   /* a structure does not depend on the stack size */
        ck_assert(one_of(seen.structures[i], first.structures));
}
END_TEST

START_TEST(two_loops_of_one_thread_both_give_their_spare_structures_back)
{
    struct seen first, second, third;
    ck_assert_int_eq(aio_run(spawn_one_and_look, &first, &virtual, NULL), AIO_OK);
    aio_loop *idle = aio_loop_new(&virtual);   /* takes the thread's two spare structures */
    ck_assert_ptr_nonnull(idle);
    ck_assert_int_eq(aio_run(spawn_one_and_look, &second, &virtual, NULL), AIO_OK);
    for (int i = 0; i < 2; i++) ck_assert(!one_of(second.structures[i], first.structures));
    aio_loop_free(idle);   /* its two go back behind the two of the second run */
    ck_assert_int_eq(aio_run(spawn_one_and_look, &third, &virtual, NULL), AIO_OK);
    for (int i = 0; i < 2; i++)
        ck_assert(one_of(third.structures[i], first.structures) ||
                  one_of(third.structures[i], second.structures));
}
END_TEST

/* ---- handing over ---- */

static char trace[64];
static void note(const char *s) { strcat(trace, s); }
static void note_callback(void *letter) { note(letter); }

static aio_outcome yield_noting(void *letter)
{
    for (int i = 0; i < 2; i++) {
        note(letter);
        if (aio_yield() != AIO_OK) return aio_propagate(AIO_CANCELLED);
    }
    return aio_value(0);
}

static aio_outcome a_callback_between_two_tasks(void *arg)
{
    (void)arg;
    trace[0] = '\0';
    aio_task *a = aio_spawn("a", yield_noting, "a");
    ck_assert_int_eq(aio_call_soon(aio_running_loop(), note_callback, "c"), 0);
    aio_task *b = aio_spawn("b", yield_noting, "b");
    ck_assert_int_eq(aio_await(a, NULL), AIO_OK);
    ck_assert_int_eq(aio_await(b, NULL), AIO_OK);
    aio_release(a);
    aio_release(b);
    return aio_value(0);
}

START_TEST(handing_over_never_jumps_a_callback_queued_between_two_tasks)
{
    ck_assert_int_eq(aio_run(a_callback_between_two_tasks, NULL, &virtual, NULL), AIO_OK);
    ck_assert_str_eq(trace, "acbab");   /* the order of chapter 3's model */
}
END_TEST

static aio_task *victim;
static aio_status victim_saw;

static aio_outcome cancel_the_next_then_yield(void *arg)
{
    (void)arg;
    ck_assert_int_eq(aio_yield(), AIO_OK);   /* victim has started and yielded too */
    ck_assert(aio_cancel(victim, "from a"));   /* victim is ready: its yield will fail */
    ck_assert_int_eq(aio_yield(), AIO_OK);     /* hands over to victim */
    return aio_value(0);
}

static aio_outcome yield_once(void *arg)
{
    (void)arg;
    victim_saw = aio_yield();   /* woken by its own wake-up, then cancelled while ready */
    return aio_propagate(victim_saw);
}

static aio_outcome cancel_a_ready_task(void *arg)
{
    (void)arg;
    aio_task *a = aio_spawn("a", cancel_the_next_then_yield, NULL);
    victim = aio_spawn("victim", yield_once, NULL);
    ck_assert_int_eq(aio_await(a, NULL), AIO_OK);
    aio_outcome outcome;
    ck_assert_int_eq(aio_await(victim, &outcome), AIO_CANCELLED);
    aio_release(a);
    aio_release(victim);
    return aio_value(0);
}

START_TEST(a_task_handed_the_thread_after_a_cancel_sees_cancelled)
{
    ck_assert_int_eq(aio_run(cancel_a_ready_task, NULL, &virtual, NULL), AIO_OK);
    ck_assert_int_eq(victim_saw, AIO_CANCELLED);
}
END_TEST

/* ---- handing over across turns ---- */

/* Three tasks take turns for three rounds; in its second step, b queues a callback (x), and
   in its first, a sets a timer due at once (t) if asked. The order must be the model's: a
   turn runs what was queued when it began; a due timer joins the queue between turns. */
static bool with_a_timer;

static aio_outcome take_three_turns(void *letter)
{
    for (int i = 0; i < 3; i++) {
        note(letter);
        if (i == 0 && with_a_timer && *(char *)letter == 'a')
            ck_assert_ptr_nonnull(aio_call_later(aio_running_loop(), 0, note_callback, "t"));
        if (i == 1 && *(char *)letter == 'b')
            ck_assert_int_eq(aio_call_soon(aio_running_loop(), note_callback, "x"), 0);
        if (aio_yield() != AIO_OK) return aio_propagate(AIO_CANCELLED);
    }
    return aio_value(0);
}

static aio_outcome three_taking_turns(void *arg)
{
    (void)arg;
    trace[0] = '\0';
    aio_task *tasks[3] = {aio_spawn("a", take_three_turns, "a"), aio_spawn("b", take_three_turns, "b"),
                          aio_spawn("c", take_three_turns, "c")};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(aio_await(tasks[i], NULL), AIO_OK);
        aio_release(tasks[i]);
    }
    return aio_value(0);
}

START_TEST(handing_over_across_turns_keeps_the_order_of_turns)
{
    with_a_timer = false;
    ck_assert_int_eq(aio_run(three_taking_turns, NULL, &virtual, NULL), AIO_OK);
    ck_assert_str_eq(trace, "abc" "abc" "axbc");
}
END_TEST

START_TEST(a_timer_due_between_turns_runs_there)
{
    with_a_timer = true;
    ck_assert_int_eq(aio_run(three_taking_turns, NULL, &virtual, NULL), AIO_OK);
    ck_assert_str_eq(trace, "abc" "abct" "axbc");
}
END_TEST

static Suite *fast_suite(void)
{
    Suite *s = suite_create("chapter 12: making tasks fast");
    TCase *t = tcase_create("fast");
    tcase_add_test(t, a_second_run_reuses_the_first_runs_stacks_and_structures);
    tcase_add_test(t, a_loop_with_another_stack_size_keeps_its_own_stacks);
    tcase_add_test(t, two_loops_of_one_thread_both_give_their_spare_structures_back);
    tcase_add_test(t, handing_over_never_jumps_a_callback_queued_between_two_tasks);
    tcase_add_test(t, a_task_handed_the_thread_after_a_cancel_sees_cancelled);
    tcase_add_test(t, handing_over_across_turns_keeps_the_order_of_turns);
    tcase_add_test(t, a_timer_due_between_turns_runs_there);
    suite_add_tcase(s, t);
    return s;
}

TEST_MAIN(fast_suite)
