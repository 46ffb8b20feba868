/* ch06_cancel.c: cancellation of chapter 6, on the virtual clock. */
#include "aio.h"
#include "test_util.h"
#include <errno.h>
#include <string.h>

static const aio_loop_options virtual = {.virtual_clock = true};
static aio_time now(void) { return aio_now(aio_running_loop()); }

static bool body_ran;
static aio_outcome mark_ran(void *arg) { (void)arg; body_ran = true; return aio_value(1); }

static aio_outcome cancel_before_first_step(void *arg)
{
    (void)arg;
    body_ran = false;
    aio_task *t = aio_spawn("never", mark_ran, NULL);
    ck_assert(aio_cancel(t, "too soon"));
    ck_assert(aio_cancel(t, "twice"));           /* a second request is counted too */
    ck_assert_int_eq(aio_cancelling(t), 2);
    aio_outcome out;
    ck_assert_int_eq(aio_await(t, &out), AIO_CANCELLED);
    ck_assert(!body_ran);
    ck_assert_str_eq(out.message, "too soon");   /* the first message is kept */
    ck_assert(!aio_cancel(t, "done"));            /* finished: false */
    aio_release(t);
    return aio_value(0);
}

START_TEST(a_task_cancelled_before_it_starts_never_runs)
{
    ck_assert_int_eq(aio_run(cancel_before_first_step, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_time cleanup_finished_at;
static aio_outcome cleans_up_slowly(void *arg)
{
    (void)arg;
    if (aio_sleep(AIO_SEC(10)) == AIO_CANCELLED) {
        ck_assert_int_eq(aio_sleep(AIO_MSEC(7)), AIO_OK);   /* cleanup may await */
        cleanup_finished_at = now();
        return aio_propagate(AIO_CANCELLED);
    }
    return aio_value(0);
}

static aio_outcome cancel_and_await_cleanup(void *arg)
{
    (void)arg;
    aio_task *t = aio_spawn("slow cleanup", cleans_up_slowly, NULL);
    ck_assert_int_eq(aio_sleep(AIO_MSEC(3)), AIO_OK);
    ck_assert(aio_cancel(t, "stop"));
    ck_assert_int_eq(aio_await(t, NULL), AIO_CANCELLED);
    ck_assert_int_eq(now(), AIO_MSEC(10));
    ck_assert_int_eq(cleanup_finished_at, AIO_MSEC(10));
    aio_release(t);
    return aio_value(0);
}

START_TEST(the_canceller_waits_for_cleanup_that_awaits)
{
    ck_assert_int_eq(aio_run(cancel_and_await_cleanup, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_outcome self_cancel_then_uncancel(void *arg)
{
    (void)arg;
    aio_task *self = aio_current_task();
    ck_assert(aio_cancel(self, "me"));
    ck_assert_int_eq(aio_cancelling(self), 1);
    ck_assert_int_eq(aio_uncancel(self), 0);
    ck_assert_int_eq(aio_sleep(AIO_MSEC(1)), AIO_OK);   /* withdrawn: not delivered */
    ck_assert(aio_cancel(self, "me again"));
    ck_assert_int_eq(aio_sleep(AIO_MSEC(1)), AIO_CANCELLED);   /* delivered at the next wait */
    ck_assert_int_eq(aio_cancelling(self), 1);          /* delivered, still counted */
    ck_assert_int_eq(aio_uncancel(self), 0);
    return aio_value(5);   /* swallowed: the task ends normally, as in asyncio */
}

START_TEST(uncancel_takes_a_request_back)
{
    aio_outcome out;
    ck_assert_int_eq(aio_run(self_cancel_then_uncancel, NULL, &virtual, &out), AIO_OK);
    ck_assert_int_eq(out.value, 5);
}
END_TEST

static aio_outcome sleep_ms(void *ms)
{
    aio_status status = aio_sleep(AIO_MSEC((intptr_t)ms));
    if (status != AIO_OK) return aio_propagate(status);
    return aio_value((intptr_t)ms);
}

static aio_task *shielded;
static aio_outcome await_shielded(void *arg)
{
    (void)arg;
    return aio_propagate(aio_shield(shielded, NULL));
}

static aio_outcome shield_protects(void *arg)
{
    (void)arg;
    shielded = aio_spawn("precious", sleep_ms, (void *)50);
    aio_task *waiter = aio_spawn("waiter", await_shielded, NULL);
    ck_assert_int_eq(aio_sleep(AIO_MSEC(10)), AIO_OK);
    ck_assert(aio_cancel(waiter, "give up"));
    ck_assert_int_eq(aio_await(waiter, NULL), AIO_CANCELLED);
    ck_assert_int_eq(now(), AIO_MSEC(10));               /* the waiter stopped at once */
    ck_assert(!aio_task_done(shielded));                   /* the work goes on */
    aio_outcome out;
    ck_assert_int_eq(aio_await(shielded, &out), AIO_OK);
    ck_assert_int_eq(out.value, 50);
    ck_assert_int_eq(now(), AIO_MSEC(50));
    aio_release(waiter);
    aio_release(shielded);
    return aio_value(0);
}

START_TEST(shield_keeps_the_awaiters_cancellation_from_the_task)
{
    ck_assert_int_eq(aio_run(shield_protects, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_outcome fail_after(void *ms)
{
    if (aio_sleep(AIO_MSEC((intptr_t)ms)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    return aio_error(EIO, "failed after %ld ms", (long)(intptr_t)ms);
}

static aio_outcome group_with_failures(void *arg)
{
    (void)arg;
    aio_group *group = aio_group_new();
    aio_task *slow = aio_group_spawn(group, "slow", sleep_ms, (void *)1000);
    aio_group_spawn(group, "fails at 10", fail_after, (void *)10);
    aio_group_spawn(group, "fails at 10 too", fail_after, (void *)10);
    aio_status body = aio_sleep(AIO_SEC(5));             /* the body is cancelled at 10 ms */
    ck_assert_int_eq(body, AIO_CANCELLED);
    ck_assert_int_eq(now(), AIO_MSEC(10));
    ck_assert_int_eq(aio_group_wait(group, body), AIO_ERROR);
    ck_assert_int_eq(now(), AIO_MSEC(10));                /* the sibling was cancelled */
    ck_assert(aio_task_done(slow));
    const aio_outcome *failures;
    ck_assert_uint_eq(aio_group_failures(group, &failures), 2);
    ck_assert_str_eq(failures[0].message, "failed after 10 ms");
    ck_assert_int_eq(failures[1].error, EIO);
    ck_assert_int_eq(aio_cancelling(aio_current_task()), 0);   /* the group's own, taken back */
    aio_group_free(group);
    return aio_value(0);
}

START_TEST(a_failing_child_cancels_siblings_and_body_and_all_failures_come_back)
{
    ck_assert_int_eq(aio_run(group_with_failures, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_outcome group_all_good(void *arg)
{
    (void)arg;
    aio_group *group = aio_group_new();
    for (intptr_t i = 1; i <= 20; i++) aio_group_spawn(group, "child", sleep_ms, (void *)i);
    ck_assert_int_eq(aio_group_wait(group, AIO_OK), AIO_OK);   /* 20 children: the array grew */
    ck_assert_int_eq(now(), AIO_MSEC(20));
    const aio_outcome *failures;
    ck_assert_uint_eq(aio_group_failures(group, &failures), 0);
    aio_group_free(group);
    return aio_value(0);
}

START_TEST(a_group_waits_for_every_child)
{
    ck_assert_int_eq(aio_run(group_all_good, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_task *group_body;
static aio_outcome body_in_group(void *arg)
{
    (void)arg;
    aio_group *group = aio_group_new();
    aio_group_spawn(group, "a", sleep_ms, (void *)100);
    aio_group_spawn(group, "b", sleep_ms, (void *)200);
    aio_status status = aio_group_wait(group, AIO_OK);   /* cancelled from outside while here */
    ck_assert_int_eq(now(), AIO_MSEC(5));
    aio_group_free(group);
    return aio_propagate(status);
}

static aio_outcome cancel_a_group_from_outside(void *arg)
{
    (void)arg;
    group_body = aio_spawn("body", body_in_group, NULL);
    ck_assert_int_eq(aio_sleep(AIO_MSEC(5)), AIO_OK);
    aio_cancel(group_body, "outside");
    ck_assert_int_eq(aio_await(group_body, NULL), AIO_CANCELLED);
    aio_release(group_body);
    return aio_value(0);
}

START_TEST(cancelling_the_body_cancels_the_group)
{
    ck_assert_int_eq(aio_run(cancel_a_group_from_outside, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

/* A cancellation that arrived while the body ran (here: the body asks for it itself, as any
   other task could while the body was ready to run) is delivered by the group's wait at once,
   as asyncio's TaskGroup.__aexit__ does: the children are cancelled, not waited for. */
static aio_outcome body_with_a_cancellation_pending(void *arg)
{
    (void)arg;
    aio_group *group = aio_group_new();
    aio_task *child = aio_group_spawn(group, "child", sleep_ms, (void *)200);
    aio_cancel(aio_current_task(), "outside");
    ck_assert_int_eq(aio_group_wait(group, AIO_OK), AIO_CANCELLED);
    ck_assert_int_eq(now(), 0);
    ck_assert(aio_task_done(child));
    ck_assert_int_eq(aio_cancelling(aio_current_task()), 1);
    aio_group_free(group);
    return aio_propagate(AIO_CANCELLED);
}

START_TEST(a_pending_cancellation_is_delivered_by_the_groups_wait)
{
    aio_outcome out;
    ck_assert_int_eq(aio_run(body_with_a_cancellation_pending, NULL, &virtual, &out), AIO_CANCELLED);
    ck_assert_str_eq(out.message, "outside");
}
END_TEST

/* ---- misuse, failing bodies, finished groups, messages (issue 9) ---- */

static void shield_null(void) { if (aio_shield(NULL, NULL)) {} }
static void group_spawn_null_group(void) { (void)aio_group_spawn(NULL, "x", sleep_ms, NULL); }
static void group_spawn_null_fn(void)
{
    aio_group *group = aio_group_new();
    (void)aio_group_spawn(group, "x", NULL, NULL);
}
static void group_wait_null(void) { if (aio_group_wait(NULL, AIO_OK)) {} }
static void group_failures_null(void)
{
    const aio_outcome *failures;
    (void)aio_group_failures(NULL, &failures);
}

START_TEST(null_arguments_to_shield_and_groups_are_checked_runtime_errors)
{
    expect_death(in_a_task, (void *)shield_null, "aio_shield: the argument 'task' is NULL");
    expect_death(in_a_task, (void *)group_spawn_null_group,
                 "aio_group_spawn: the argument 'group' is NULL");
    expect_death(in_a_task, (void *)group_spawn_null_fn, "aio_group_spawn: the argument 'fn' is NULL");
    expect_death(in_a_task, (void *)group_wait_null, "aio_group_wait: the argument 'group' is NULL");
    expect_death(in_a_task, (void *)group_failures_null,
                 "aio_group_failures: the argument 'group' is NULL");
}
END_TEST

static aio_outcome shield_itself(void *arg)
{
    (void)arg;
    aio_outcome out = {.status = AIO_OK};
    errno = 0;
    ck_assert_int_eq(aio_shield(aio_current_task(), &out), AIO_ERROR);
    ck_assert_int_eq(errno, EDEADLK);
    ck_assert_int_eq(out.error, EDEADLK);
    ck_assert_ptr_nonnull(strstr(out.message, "aio_shield"));
    return aio_value(0);
}

START_TEST(shielding_itself_is_an_error_with_edeadlk)
{
    ck_assert_int_eq(aio_run(shield_itself, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_outcome shield_with_a_cancellation_pending(void *arg)
{
    (void)arg;
    aio_task *precious = aio_spawn("precious", sleep_ms, (void *)50);
    ck_assert(aio_cancel(aio_current_task(), "stop"));
    ck_assert_int_eq(aio_shield(precious, NULL), AIO_CANCELLED);   /* the caller stops at once */
    ck_assert_int_eq(now(), 0);
    ck_assert_int_eq(aio_cancelling(precious), 0);                 /* the task is not touched */
    aio_outcome out;
    ck_assert_int_eq(aio_await(precious, &out), AIO_OK);
    ck_assert_int_eq(out.value, 50);
    aio_release(precious);
    return aio_value(0);
}

START_TEST(a_pending_cancellation_stops_shield_but_not_the_task)
{
    ck_assert_int_eq(aio_run(shield_with_a_cancellation_pending, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static int server_turns;
static aio_outcome serve_for_ever(void *arg)   /* a server loop: ends only when cancelled */
{
    (void)arg;
    for (server_turns = 0; server_turns < 1000; server_turns++)
        if (aio_sleep(AIO_SEC(1)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    return aio_value(server_turns);   /* 1000 s: the group never cancelled it */
}

static aio_outcome body_fails(void *arg)
{
    aio_status body_status = (aio_status)(intptr_t)arg;
    aio_group *group = aio_group_new();
    aio_task *server = aio_group_spawn(group, "server", serve_for_ever, NULL);
    aio_task *worker = aio_group_spawn(group, "worker", fail_after, (void *)5000);
    ck_assert_int_eq(aio_sleep(AIO_MSEC(1500)), AIO_OK);   /* the body works, then fails */
    ck_assert_int_eq(aio_group_wait(group, body_status), body_status);
    ck_assert_int_eq(now(), AIO_MSEC(1500));                /* every child cancelled at once */
    ck_assert_int_eq(server_turns, 1);
    ck_assert(aio_task_done(server) && aio_task_done(worker));
    const aio_outcome *failures;
    ck_assert_uint_eq(aio_group_failures(group, &failures), 0);   /* cancelled: not failures */
    ck_assert_int_eq(aio_cancelling(aio_current_task()), 0);
    aio_group_free(group);
    return aio_value(0);
}

START_TEST(a_failing_body_cancels_every_child_at_once)
{
    ck_assert_int_eq(aio_run(body_fails, (void *)(intptr_t)AIO_ERROR, &virtual, NULL), AIO_OK);
    ck_assert_int_eq(aio_run(body_fails, (void *)(intptr_t)AIO_TIMEOUT, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_outcome spawn_after_the_wait(void *arg)
{
    (void)arg;
    aio_group *group = aio_group_new();
    aio_task *first = aio_group_spawn(group, "first", sleep_ms, (void *)10);
    ck_assert_ptr_nonnull(first);
    ck_assert_int_eq(aio_group_wait(group, AIO_OK), AIO_OK);
    errno = 0;
    ck_assert_ptr_null(aio_group_spawn(group, "late", fail_after, (void *)10));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(aio_sleep(AIO_MSEC(100)), AIO_OK);       /* nothing cancels the body */
    aio_group_free(group);                                    /* and nothing leaks */
    return aio_value(0);
}

static void spawn_after_the_wait_in_a_loop(void *arg)
{
    (void)arg;
    aio_outcome out;
    if (aio_run(spawn_after_the_wait, NULL, &virtual, &out) != AIO_OK) abort();
}

START_TEST(spawning_into_a_finished_group_is_refused)
{
    char text[4096];
    int status = run_in_child(spawn_after_the_wait_in_a_loop, NULL, text, sizeof text);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "stderr: %s", text);
    ck_assert_ptr_nonnull(strstr(text, "aio_group_spawn: the group's wait has ended"));
}
END_TEST

static aio_outcome message_after_uncancel(void *arg)
{
    (void)arg;
    aio_task *self = aio_current_task();
    char text[16] = "first";
    ck_assert(aio_cancel(self, text));
    ck_assert_int_eq(aio_yield(), AIO_CANCELLED);
    ck_assert_int_eq(aio_uncancel(self), 0);          /* taken back: its message is forgotten */
    strcpy(text, "garbage");
    ck_assert(aio_cancel(self, "second"));
    return aio_propagate(aio_yield());
}

START_TEST(a_new_cancellation_after_uncancel_brings_its_own_message)
{
    aio_outcome out;
    ck_assert_int_eq(aio_run(message_after_uncancel, NULL, &virtual, &out), AIO_CANCELLED);
    ck_assert_str_eq(out.message, "second");
}
END_TEST

static Suite *cancel_suite(void)
{
    Suite *s = suite_create("chapter 6: cancellation");
    TCase *t = tcase_create("cancel");
    tcase_add_test(t, a_task_cancelled_before_it_starts_never_runs);
    tcase_add_test(t, the_canceller_waits_for_cleanup_that_awaits);
    tcase_add_test(t, uncancel_takes_a_request_back);
    tcase_add_test(t, shield_keeps_the_awaiters_cancellation_from_the_task);
    tcase_add_test(t, a_failing_child_cancels_siblings_and_body_and_all_failures_come_back);
    tcase_add_test(t, a_group_waits_for_every_child);
    tcase_add_test(t, cancelling_the_body_cancels_the_group);
    tcase_add_test(t, null_arguments_to_shield_and_groups_are_checked_runtime_errors);
    tcase_add_test(t, shielding_itself_is_an_error_with_edeadlk);
    tcase_add_test(t, a_pending_cancellation_stops_shield_but_not_the_task);
    tcase_add_test(t, a_failing_body_cancels_every_child_at_once);
    tcase_add_test(t, spawning_into_a_finished_group_is_refused);
    tcase_add_test(t, a_new_cancellation_after_uncancel_brings_its_own_message);
    tcase_add_test(t, a_pending_cancellation_is_delivered_by_the_groups_wait);
    suite_add_tcase(s, t);
    return s;
}

TEST_MAIN(cancel_suite)
