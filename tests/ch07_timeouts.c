/* ch07_timeouts.c: wait_for and timeout scopes of chapter 7, on the virtual clock. */
#include "test_util.h"
#include "aio.h"
#include <errno.h>
#include <string.h>
#include <time.h>

static const aio_loop_options virtual = {.virtual_clock = true};
static aio_time now(void) { return aio_now(aio_running_loop()); }

/* ---- tasks to wait for ---- */

static aio_outcome finishes(void *arg)   /* arg: ms of work; returns it */
{
    intptr_t ms = (intptr_t)arg;
    aio_status status = aio_sleep(AIO_MSEC(ms));
    return status == AIO_OK ? aio_value(ms) : aio_propagate(status);
}

static aio_outcome fails(void *arg)
{
    (void)arg;
    if (aio_sleep(AIO_MSEC(10)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    return aio_error(EIO, "the disk said no");
}

static bool cleaned_up;
static aio_time cleanup_ended;
static aio_outcome slow_with_cleanup(void *arg)   /* a second of work; cleanup takes 5 ms */
{
    (void)arg;
    if (aio_sleep(AIO_SEC(1)) == AIO_OK) return aio_value(1);
    cleaned_up = aio_sleep(AIO_MSEC(5)) == AIO_OK;   /* false if cancelled again */
    cleanup_ended = now();
    return aio_propagate(AIO_CANCELLED);
}

static aio_outcome swallows(void *arg)
{
    (void)arg;
    if (aio_sleep(AIO_SEC(1)) == AIO_CANCELLED) return aio_value(42);
    return aio_value(1);
}

/* ---- wait_for ---- */

static aio_outcome in_time(void *arg)
{
    (void)arg;
    aio_task *t = aio_spawn("finishes", finishes, (void *)30);
    aio_outcome out;
    ck_assert_int_eq(aio_wait_for(t, AIO_MSEC(100), &out), AIO_OK);
    ck_assert_int_eq(out.value, 30);
    ck_assert_int_eq(now(), AIO_MSEC(30));
    /* the timer was stopped: nothing cancels us at 100 ms */
    ck_assert_int_eq(aio_sleep(AIO_MSEC(200)), AIO_OK);
    ck_assert_int_eq(aio_cancelling(aio_current_task()), 0);
    /* a task already done: its outcome at once, whatever the timeout */
    ck_assert_int_eq(aio_wait_for(t, 0, &out), AIO_OK);
    ck_assert_int_eq(out.value, 30);
    ck_assert_int_eq(now(), AIO_MSEC(230));
    aio_task *f = aio_spawn("fails", fails, NULL);
    ck_assert_int_eq(aio_wait_for(f, AIO_MSEC(100), &out), AIO_ERROR);
    ck_assert_int_eq(out.error, EIO);
    ck_assert_str_eq(out.message, "the disk said no");
    ck_assert_int_eq(now(), AIO_MSEC(240));
    aio_release(t);
    aio_release(f);
    return aio_value(0);
}

START_TEST(wait_for_gives_the_outcome_of_a_task_in_time)
{
    ck_assert_int_eq(aio_run(in_time, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_outcome too_late(void *arg)
{
    (void)arg;
    cleaned_up = false;
    aio_task *t = aio_spawn("slow", slow_with_cleanup, NULL);
    aio_outcome out;
    ck_assert_int_eq(aio_wait_for(t, AIO_MSEC(50), &out), AIO_TIMEOUT);
    ck_assert_int_eq(out.status, AIO_TIMEOUT);
    ck_assert(cleaned_up);                              /* the cleanup was awaited */
    ck_assert_int_eq(now(), AIO_MSEC(55));              /* deadline + 5 ms of cleanup */
    ck_assert(aio_task_done(t));
    ck_assert_int_eq(aio_await(t, &out), AIO_CANCELLED);
    ck_assert_int_eq(aio_cancelling(aio_current_task()), 0);   /* our own cancel taken back */
    ck_assert_int_eq(aio_sleep(AIO_MSEC(10)), AIO_OK);
    aio_release(t);
    return aio_value(0);
}

START_TEST(a_timeout_cancels_the_task_and_waits_for_its_cleanup)
{
    ck_assert_int_eq(aio_run(too_late, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_outcome swallowed(void *arg)
{
    (void)arg;
    aio_task *t = aio_spawn("swallows", swallows, NULL);
    aio_outcome out;
    ck_assert_int_eq(aio_wait_for(t, AIO_MSEC(50), &out), AIO_OK);
    ck_assert_int_eq(out.value, 42);
    ck_assert_int_eq(now(), AIO_MSEC(50));
    ck_assert_int_eq(aio_cancelling(aio_current_task()), 0);
    aio_release(t);
    return aio_value(0);
}

START_TEST(a_task_that_swallows_the_timeout_gives_its_value)
{
    ck_assert_int_eq(aio_run(swallowed, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_time waiter_timeout;
static aio_outcome waits_for(void *inner)
{
    aio_outcome out;
    aio_status status = aio_wait_for(inner, waiter_timeout, &out);
    ck_assert_int_eq(out.status, status);
    return out;
}

static aio_outcome cancel_the_waiter(void *arg)
{
    (void)arg;
    cleaned_up = false;
    waiter_timeout = AIO_MSEC(100);
    aio_task *inner = aio_spawn("slow", slow_with_cleanup, NULL);
    aio_task *waiter = aio_spawn("waiter", waits_for, inner);
    ck_assert_int_eq(aio_sleep(AIO_MSEC(10)), AIO_OK);
    ck_assert(aio_cancel(waiter, "stop"));
    aio_outcome out;
    ck_assert_int_eq(aio_await(waiter, &out), AIO_CANCELLED);
    ck_assert(aio_task_done(inner));                   /* the waiter ended after the inner */
    ck_assert(cleaned_up);
    ck_assert_int_eq(now(), AIO_MSEC(15));
    ck_assert_int_eq(aio_await(inner, &out), AIO_CANCELLED);
    ck_assert_str_eq(out.message, "stop");
    aio_release(inner);
    aio_release(waiter);
    return aio_value(0);
}

START_TEST(cancelling_the_waiter_cancels_the_task_it_waits_for)
{
    ck_assert_int_eq(aio_run(cancel_the_waiter, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_outcome cancel_in_the_same_turn(void *arg)
{
    (void)arg;
    waiter_timeout = AIO_MSEC(100);
    aio_task *inner = aio_spawn("finishes", finishes, (void *)10);
    aio_task *waiter = aio_spawn("waiter", waits_for, inner);
    ck_assert_int_eq(aio_yield(), AIO_OK);              /* both start; inner's timer is first */
    ck_assert_int_eq(aio_sleep(AIO_MSEC(10)), AIO_OK);  /* wake in the turn inner ends */
    ck_assert(aio_task_done(inner));
    ck_assert(!aio_task_done(waiter));                  /* woken, not yet run */
    ck_assert(aio_cancel(waiter, "stop"));
    aio_outcome out;
    ck_assert_int_eq(aio_await(waiter, &out), AIO_CANCELLED);
    ck_assert_int_eq(aio_await(inner, &out), AIO_OK);   /* the value is there, but late */
    ck_assert_int_eq(out.value, 10);
    aio_release(inner);
    aio_release(waiter);
    return aio_value(0);
}

START_TEST(a_cancel_in_the_turn_the_task_ends_is_not_lost)
{
    ck_assert_int_eq(aio_run(cancel_in_the_same_turn, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static bool ran;
static aio_outcome marks_it_ran(void *arg)
{
    (void)arg;
    ran = true;
    return aio_value(1);
}

static aio_outcome zero_timeout(void *arg)
{
    (void)arg;
    ran = false;
    aio_task *t = aio_spawn("never", marks_it_ran, NULL);
    aio_outcome out;
    ck_assert_int_eq(aio_wait_for(t, 0, &out), AIO_TIMEOUT);
    ck_assert(!ran);                                    /* cancelled before its first step */
    ck_assert_int_eq(now(), 0);
    cleaned_up = false;
    aio_task *slow = aio_spawn("slow", slow_with_cleanup, NULL);
    ck_assert_int_eq(aio_yield(), AIO_OK);              /* slow is sleeping now */
    ck_assert_int_eq(aio_wait_for(slow, -1, &out), AIO_TIMEOUT);
    ck_assert(cleaned_up);
    ck_assert_int_eq(now(), AIO_MSEC(5));
    aio_release(slow);

    /* the waiter cancelled while the task cleans up: CANCELLED, not TIMEOUT */
    waiter_timeout = 0;
    slow = aio_spawn("slow", slow_with_cleanup, NULL);
    aio_task *waiter = aio_spawn("waiter", waits_for, slow);
    ck_assert_int_eq(aio_sleep(AIO_MSEC(1)), AIO_OK);
    ck_assert(aio_cancel(waiter, "stop"));
    ck_assert_int_eq(aio_await(waiter, &out), AIO_CANCELLED);
    ck_assert(!cleaned_up);                             /* its cleanup was cancelled too */
    ck_assert_int_eq(now(), AIO_MSEC(6));
    aio_release(t);
    aio_release(slow);
    aio_release(waiter);
    return aio_value(0);
}

START_TEST(a_timeout_of_zero_cancels_at_once)
{
    ck_assert_int_eq(aio_run(zero_timeout, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

/* ---- timeout scopes ---- */

static aio_outcome scope_expires(void *arg)
{
    (void)arg;
    aio_timeout *scope = aio_timeout_enter(AIO_MSEC(20));
    ck_assert_ptr_nonnull(scope);
    ck_assert_int_eq(aio_timeout_deadline(scope), AIO_MSEC(20));
    aio_status status = aio_sleep(AIO_SEC(1));
    ck_assert_int_eq(status, AIO_CANCELLED);
    ck_assert_int_eq(now(), AIO_MSEC(20));
    ck_assert_int_eq(aio_cancelling(aio_current_task()), 1);
    ck_assert_int_eq(aio_timeout_exit(scope, status), AIO_TIMEOUT);
    ck_assert_int_eq(aio_cancelling(aio_current_task()), 0);
    ck_assert_int_eq(aio_sleep(AIO_MSEC(10)), AIO_OK);  /* nothing left pending */
    return aio_value(0);
}

START_TEST(an_expired_scope_reports_timeout)
{
    ck_assert_int_eq(aio_run(scope_expires, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_outcome scope_in_time(void *arg)
{
    (void)arg;
    aio_timeout *scope = aio_timeout_enter(AIO_MSEC(50));
    ck_assert_int_eq(aio_sleep(AIO_MSEC(10)), AIO_OK);
    ck_assert_int_eq(aio_timeout_exit(scope, AIO_OK), AIO_OK);
    ck_assert_int_eq(aio_sleep(AIO_MSEC(100)), AIO_OK);   /* the timer was stopped */
    scope = aio_timeout_enter(AIO_MSEC(50));
    ck_assert_int_eq(aio_timeout_exit(scope, AIO_ERROR), AIO_ERROR);
    ck_assert_int_eq(aio_cancelling(aio_current_task()), 0);
    ck_assert_int_eq(now(), AIO_MSEC(110));
    return aio_value(0);
}

START_TEST(a_scope_that_does_not_expire_gives_the_body_status)
{
    ck_assert_int_eq(aio_run(scope_in_time, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_outcome scope_moved(void *arg)
{
    (void)arg;
    aio_timeout *scope = aio_timeout_enter(AIO_MSEC(20));
    ck_assert_int_eq(aio_timeout_reschedule(scope, AIO_MSEC(50)), 0);   /* later */
    ck_assert_int_eq(aio_timeout_deadline(scope), AIO_MSEC(50));
    ck_assert_int_eq(aio_sleep(AIO_MSEC(30)), AIO_OK);                   /* not at 20 */
    aio_status status = aio_sleep(AIO_SEC(1));
    ck_assert_int_eq(status, AIO_CANCELLED);
    ck_assert_int_eq(now(), AIO_MSEC(50));
    ck_assert_int_eq(aio_timeout_reschedule(scope, AIO_SEC(9)), EINVAL); /* expired */
    ck_assert_int_eq(aio_timeout_exit(scope, status), AIO_TIMEOUT);

    scope = aio_timeout_enter(AIO_SEC(1));
    ck_assert_int_eq(aio_timeout_reschedule(scope, now() + AIO_MSEC(10)), 0);   /* earlier */
    status = aio_sleep(AIO_SEC(1));
    ck_assert_int_eq(status, AIO_CANCELLED);
    ck_assert_int_eq(now(), AIO_MSEC(60));
    ck_assert_int_eq(aio_timeout_exit(scope, status), AIO_TIMEOUT);

    scope = aio_timeout_enter(AIO_SEC(1));
    ck_assert_int_eq(aio_timeout_reschedule(scope, now() - AIO_MSEC(5)), 0);   /* the past */
    status = aio_sleep(AIO_SEC(1));
    ck_assert_int_eq(status, AIO_CANCELLED);
    ck_assert_int_eq(now(), AIO_MSEC(60));                                    /* next turn */
    ck_assert_int_eq(aio_timeout_exit(scope, status), AIO_TIMEOUT);
    ck_assert_int_eq(aio_cancelling(aio_current_task()), 0);
    return aio_value(0);
}

START_TEST(a_scope_deadline_moves_later_earlier_and_into_the_past)
{
    ck_assert_int_eq(aio_run(scope_moved, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

/* On the real clock a task can run ahead of its own scope's timer in one turn: the
   timer is due (queued behind the task) but has not fired. Moving or leaving the scope
   then must disarm it. */
static void spin_past(aio_time deadline)
{
    while (now() <= deadline) {
    }
}

static aio_outcome scope_due(void *arg)
{
    (void)arg;
    aio_timeout *scope = aio_timeout_enter(AIO_MSEC(1));
    spin_past(aio_timeout_deadline(scope));
    ck_assert_int_eq(aio_yield(), AIO_OK);              /* the timer is due behind us */
    ck_assert_int_eq(aio_timeout_reschedule(scope, now() + AIO_SEC(10)), 0);
    ck_assert_int_eq(aio_sleep(AIO_MSEC(5)), AIO_OK);   /* the due timer did not fire */
    ck_assert_int_eq(aio_timeout_exit(scope, AIO_OK), AIO_OK);

    scope = aio_timeout_enter(AIO_MSEC(1));
    spin_past(aio_timeout_deadline(scope));
    ck_assert_int_eq(aio_yield(), AIO_OK);
    ck_assert_int_eq(aio_timeout_exit(scope, AIO_OK), AIO_OK);   /* left while due */
    ck_assert_int_eq(aio_sleep(AIO_MSEC(5)), AIO_OK);
    ck_assert_int_eq(aio_cancelling(aio_current_task()), 0);
    return aio_value(0);
}

START_TEST(a_scope_whose_timer_is_due_can_still_be_moved_or_left)
{
    ck_assert_int_eq(aio_run(scope_due, NULL, NULL, NULL), AIO_OK);
}
END_TEST

static aio_outcome nested(void *arg)
{
    (void)arg;
    aio_timeout *outer = aio_timeout_enter(AIO_MSEC(100));
    aio_timeout *inner = aio_timeout_enter(AIO_MSEC(10));
    aio_status status = aio_sleep(AIO_SEC(1));
    ck_assert_int_eq(aio_timeout_exit(inner, status), AIO_TIMEOUT);
    ck_assert_int_eq(now(), AIO_MSEC(10));
    ck_assert_int_eq(aio_sleep(AIO_MSEC(20)), AIO_OK);  /* the outer block goes on */
    ck_assert_int_eq(aio_timeout_exit(outer, AIO_OK), AIO_OK);
    ck_assert_int_eq(now(), AIO_MSEC(30));

    /* both expire at once: the inner passes CANCELLED on, the outer reports TIMEOUT */
    outer = aio_timeout_enter(AIO_MSEC(10));
    inner = aio_timeout_enter(AIO_MSEC(10));
    status = aio_sleep(AIO_SEC(1));
    ck_assert_int_eq(aio_cancelling(aio_current_task()), 2);
    status = aio_timeout_exit(inner, status);
    ck_assert_int_eq(status, AIO_CANCELLED);
    ck_assert_int_eq(aio_timeout_exit(outer, status), AIO_TIMEOUT);
    ck_assert_int_eq(aio_cancelling(aio_current_task()), 0);
    ck_assert_int_eq(now(), AIO_MSEC(40));
    return aio_value(0);
}

START_TEST(nested_scopes_each_report_their_own_expiry)
{
    ck_assert_int_eq(aio_run(nested, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_outcome body_in_scope(void *arg)   /* arg: the scope's delay in ms */
{
    aio_timeout *scope = aio_timeout_enter(AIO_MSEC((intptr_t)arg));
    aio_status status = aio_timeout_exit(scope, aio_sleep(AIO_SEC(1)));
    return aio_propagate(status);
}

static aio_outcome cancelled_from_outside(void *arg)
{
    (void)arg;
    aio_task *t = aio_spawn("body", body_in_scope, (void *)50);
    ck_assert_int_eq(aio_sleep(AIO_MSEC(10)), AIO_OK);
    ck_assert(aio_cancel(t, "stop"));
    ck_assert_int_eq(aio_await(t, NULL), AIO_CANCELLED);
    ck_assert_int_eq(now(), AIO_MSEC(10));
    ck_assert_int_eq(aio_cancelling(t), 1);
    aio_release(t);

    /* an outside cancel at the very moment the scope expires still wins */
    t = aio_spawn("body", body_in_scope, (void *)10);
    ck_assert_int_eq(aio_sleep(AIO_MSEC(10)), AIO_OK);  /* runs just after the expiry */
    ck_assert(aio_cancel(t, "stop"));
    ck_assert_int_eq(aio_await(t, NULL), AIO_CANCELLED);
    ck_assert_int_eq(now(), AIO_MSEC(20));
    ck_assert_int_eq(aio_cancelling(t), 1);
    aio_release(t);
    return aio_value(0);
}

START_TEST(an_outside_cancel_in_a_scope_stays_cancelled)
{
    ck_assert_int_eq(aio_run(cancelled_from_outside, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

/* ---- AIO_FOREVER and timeouts of zero or less ---- */

static aio_outcome sleeps_forever(void *arg)
{
    (void)arg;
    return aio_propagate(aio_sleep(AIO_FOREVER));
}

static aio_outcome forever_is_no_limit(void *arg)
{
    (void)arg;
    ck_assert_int_eq(aio_sleep(AIO_SEC(1)), AIO_OK);      /* now + delay would overflow */
    aio_task *t = aio_spawn("finishes", finishes, (void *)3600000);
    aio_outcome out;
    ck_assert_int_eq(aio_wait_for(t, AIO_FOREVER, &out), AIO_OK);
    ck_assert_int_eq(out.value, 3600000);
    ck_assert_int_eq(now(), AIO_SEC(3601));
    aio_release(t);
    aio_timeout *scope = aio_timeout_enter(AIO_FOREVER - 1);   /* saturates: no limit */
    ck_assert_ptr_nonnull(scope);
    ck_assert_int_eq(aio_timeout_deadline(scope), AIO_FOREVER);
    aio_status status = aio_sleep(AIO_SEC(3600));
    ck_assert_int_eq(aio_timeout_exit(scope, status), AIO_OK);
    ck_assert_int_eq(now(), AIO_SEC(7201));
    /* a sleep for ever arms no timer: it ends by cancellation only */
    aio_task *sleeper = aio_spawn("sleeper", sleeps_forever, NULL);
    ck_assert_int_eq(aio_sleep(AIO_SEC(10)), AIO_OK);
    ck_assert(!aio_task_done(sleeper));
    aio_cancel(sleeper, "enough");
    ck_assert_int_eq(aio_await(sleeper, NULL), AIO_CANCELLED);
    ck_assert_int_eq(now(), AIO_SEC(7211));
    aio_release(sleeper);
    return aio_value(0);
}

START_TEST(aio_forever_never_expires)
{
    ck_assert_int_eq(aio_run(forever_is_no_limit, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

START_TEST(main_sleeping_for_ever_is_seen_as_never_woken)
{
    aio_outcome out;
    ck_assert_int_eq(aio_run(sleeps_forever, NULL, &virtual, &out), AIO_ERROR);
    ck_assert_ptr_nonnull(strstr(out.message, "nothing can wake it"));
}
END_TEST

static aio_outcome already_due(void *arg)
{
    (void)arg;
    ck_assert_int_eq(aio_sleep(AIO_SEC(1)), AIO_OK);
    aio_timeout *scope = aio_timeout_enter(-AIO_SEC(5));   /* expires at the next turn */
    ck_assert_int_eq(aio_timeout_deadline(scope), AIO_SEC(1));
    ck_assert_int_eq(aio_timeout_exit(scope, aio_sleep(AIO_SEC(1))), AIO_TIMEOUT);
    ck_assert_int_eq(now(), AIO_SEC(1));
    aio_task *t = aio_spawn("finishes", finishes, (void *)10);
    ck_assert_int_eq(aio_wait_for(t, -AIO_SEC(5), NULL), AIO_TIMEOUT);
    ck_assert_int_eq(now(), AIO_SEC(1));
    aio_release(t);
    return aio_value(0);
}

START_TEST(a_negative_timeout_is_already_due)
{
    ck_assert_int_eq(aio_run(already_due, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static Suite *timeouts_suite(void)
{
    Suite *s = suite_create("chapter 7: timeouts");
    TCase *w = tcase_create("wait_for");
    tcase_add_test(w, wait_for_gives_the_outcome_of_a_task_in_time);
    tcase_add_test(w, a_timeout_cancels_the_task_and_waits_for_its_cleanup);
    tcase_add_test(w, a_task_that_swallows_the_timeout_gives_its_value);
    tcase_add_test(w, cancelling_the_waiter_cancels_the_task_it_waits_for);
    tcase_add_test(w, a_cancel_in_the_turn_the_task_ends_is_not_lost);
    tcase_add_test(w, a_timeout_of_zero_cancels_at_once);
    suite_add_tcase(s, w);
    TCase *t = tcase_create("timeout scopes");
    tcase_add_test(t, an_expired_scope_reports_timeout);
    tcase_add_test(t, a_scope_that_does_not_expire_gives_the_body_status);
    tcase_add_test(t, a_scope_deadline_moves_later_earlier_and_into_the_past);
    tcase_add_test(t, a_scope_whose_timer_is_due_can_still_be_moved_or_left);
    tcase_add_test(t, nested_scopes_each_report_their_own_expiry);
    tcase_add_test(t, an_outside_cancel_in_a_scope_stays_cancelled);
    tcase_add_test(t, aio_forever_never_expires);
    tcase_add_test(t, main_sleeping_for_ever_is_seen_as_never_woken);
    tcase_add_test(t, a_negative_timeout_is_already_due);
    suite_add_tcase(s, t);
    return s;
}

TEST_MAIN(timeouts_suite)
