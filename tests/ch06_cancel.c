/* ch06_cancel.c: cancellation of chapter 6, on the virtual clock. */
#include "test_util.h"
#include "aio.h"
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
    ck_assert_str_eq(out.message, "twice");
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
    suite_add_tcase(s, t);
    return s;
}

TEST_MAIN(cancel_suite)
