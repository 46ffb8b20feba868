/* ch04_gather.c: gather of chapter 4, on the virtual clock. */
#include "aio.h"
#include "test_util.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <valgrind/valgrind.h>

static const aio_loop_options virtual = {.virtual_clock = true};
static aio_time now(void) { return aio_now(aio_running_loop()); }

/* arg encodes: delay in ms * 10 + kind (0 value, 1 error) */
static aio_outcome child(void *arg)
{
    intptr_t code = (intptr_t)arg;
    aio_status status = aio_sleep(AIO_MSEC(code / 10));
    if (status != AIO_OK) return aio_propagate(status);
    if (code % 10 == 1) return aio_error(EIO, "child %ld failed", (long)code);
    return aio_value(code / 10);
}

static aio_outcome gather_in_order(void *arg)
{
    (void)arg;
    intptr_t codes[] = {300, 100, 200};
    aio_task *t[3];
    aio_outcome out[3];
    for (int i = 0; i < 3; i++) t[i] = aio_spawn("child", child, (void *)codes[i]);
    ck_assert_int_eq(aio_gather(t, 3, false, out), AIO_OK);
    ck_assert_int_eq(now(), AIO_MSEC(30));            /* the longest, not the sum */
    for (int i = 0; i < 3; i++) ck_assert_int_eq(out[i].value, codes[i] / 10);
    /* gathering tasks that are all done returns at once with the same outcomes */
    ck_assert_int_eq(aio_gather(t, 3, false, out), AIO_OK);
    ck_assert_int_eq(out[0].value, 30);
    ck_assert_int_eq(aio_gather(t, 0, false, out), AIO_OK);
    for (int i = 0; i < 3; i++) aio_release(t[i]);
    return aio_value(0);
}

START_TEST(outcomes_come_back_in_argument_order)
{
    ck_assert_int_eq(aio_run(gather_in_order, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_outcome first_error_at_once(void *arg)
{
    (void)arg;
    intptr_t codes[] = {500, 101, 300};
    aio_task *t[3];
    aio_outcome out[3] = {{0}};
    for (int i = 0; i < 3; i++) t[i] = aio_spawn("child", child, (void *)codes[i]);
    ck_assert_int_eq(aio_gather(t, 3, false, out), AIO_ERROR);
    ck_assert_int_eq(now(), AIO_MSEC(10));            /* reported at once */
    ck_assert_int_eq(out[1].error, EIO);
    ck_assert(!aio_task_done(t[0]) && !aio_task_done(t[2]));   /* siblings keep running */
    aio_outcome late;
    ck_assert_int_eq(aio_await(t[0], &late), AIO_OK);
    ck_assert_int_eq(late.value, 50);
    ck_assert_int_eq(now(), AIO_MSEC(50));
    for (int i = 0; i < 3; i++) aio_release(t[i]);
    return aio_value(0);
}

START_TEST(the_first_failure_is_reported_at_once_and_siblings_run_on)
{
    ck_assert_int_eq(aio_run(first_error_at_once, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_outcome every_outcome(void *arg)
{
    (void)arg;
    intptr_t codes[] = {301, 100, 201};
    aio_task *t[3];
    aio_outcome out[3];
    for (int i = 0; i < 3; i++) t[i] = aio_spawn("child", child, (void *)codes[i]);
    ck_assert_int_eq(aio_gather(t, 3, true, out), AIO_OK);
    ck_assert_int_eq(now(), AIO_MSEC(30));
    ck_assert_int_eq(out[0].status, AIO_ERROR);
    ck_assert_str_eq(out[0].message, "child 301 failed");
    ck_assert_int_eq(out[1].status, AIO_OK);
    ck_assert_int_eq(out[1].value, 10);
    ck_assert_int_eq(out[2].status, AIO_ERROR);
    for (int i = 0; i < 3; i++) aio_release(t[i]);
    return aio_value(0);
}

START_TEST(return_exceptions_waits_for_every_outcome)
{
    ck_assert_int_eq(aio_run(every_outcome, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_task *kids[4];
static aio_outcome gatherer(void *arg)
{
    (void)arg;
    aio_outcome out[4];
    for (int i = 0; i < 4; i++) kids[i] = aio_spawn("kid", child, (void *)(intptr_t)(1000 * (i + 1)));
    return aio_propagate(aio_gather(kids, 4, false, out));
}

static aio_outcome cancel_the_gatherer(void *arg)
{
    (void)arg;
    aio_task *g = aio_spawn("gatherer", gatherer, NULL);
    ck_assert_int_eq(aio_sleep(AIO_MSEC(5)), AIO_OK);
    ck_assert(aio_cancel(g, "enough"));
    ck_assert_int_eq(aio_await(g, NULL), AIO_CANCELLED);
    ck_assert_int_eq(now(), AIO_MSEC(5));
    for (int i = 0; i < 4; i++) {
        aio_outcome out;
        ck_assert_int_eq(aio_await(kids[i], &out), AIO_CANCELLED);   /* every child */
        aio_release(kids[i]);
    }
    aio_release(g);
    return aio_value(0);
}

START_TEST(cancelling_a_gather_cancels_every_child)
{
    ck_assert_int_eq(aio_run(cancel_the_gatherer, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

/* ---- misuse and a pending cancellation (issue 9) ---- */

static void gather_null_tasks(void)
{
    aio_outcome out[1];
    if (aio_gather(NULL, 1, false, out)) {}
}
static void gather_a_null_task(void)
{
    aio_task *tasks[2] = {aio_spawn("child", child, (void *)10), NULL};
    aio_outcome out[2];
    if (aio_gather(tasks, 2, false, out)) {}
}
static void gather_null_outcomes(void)
{
    aio_task *tasks[1] = {aio_spawn("child", child, (void *)10)};
    if (aio_gather(tasks, 1, false, NULL)) {}
}

START_TEST(null_arguments_to_gather_are_checked_runtime_errors)
{
    expect_death(in_a_task, (void *)gather_null_tasks, "aio_gather: the argument 'tasks' is NULL");
    expect_death(in_a_task, (void *)gather_a_null_task, "aio_gather: the argument 'tasks[i]' is NULL");
    expect_death(in_a_task, (void *)gather_null_outcomes, "aio_gather: the argument 'outcomes' is NULL");
}
END_TEST

static aio_outcome gather_with_a_cancellation_pending(void *arg)
{
    bool return_exceptions = arg != NULL;
    aio_task *t[3];
    aio_outcome out[3];
    for (int i = 0; i < 3; i++) t[i] = aio_spawn("child", child, (void *)(intptr_t)1000);
    ck_assert(aio_cancel(aio_current_task(), "stop"));   /* pending: delivered at the gather */
    ck_assert_int_eq(aio_gather(t, 3, return_exceptions, out), AIO_CANCELLED);
    ck_assert_int_eq(now(), 0);
    for (int i = 0; i < 3; i++) {   /* every child was cancelled, none runs on */
        aio_outcome child_out;
        ck_assert_int_eq(aio_await(t[i], &child_out), AIO_CANCELLED);
        ck_assert_str_eq(child_out.message, "stop");
        aio_release(t[i]);
    }
    ck_assert_int_eq(now(), 0);
    return aio_value(0);
}

START_TEST(a_pending_cancellation_cancels_every_child)
{
    ck_assert_int_eq(aio_run(gather_with_a_cancellation_pending, NULL, &virtual, NULL), AIO_OK);
    ck_assert_int_eq(aio_run(gather_with_a_cancellation_pending, "all", &virtual, NULL), AIO_OK);
}
END_TEST

/* gather's own allocation failing: under an address-space limit, in a child process. */
enum { MANY = 1 << 22 };   /* 4 Mi watchers: about 100 MiB that the limit refuses */
static aio_outcome gather_without_memory(void *arg)
{
    (void)arg;
    aio_task *one = aio_spawn("child", child, (void *)10);
    aio_task **tasks = malloc(MANY * sizeof *tasks);
    aio_outcome *out = malloc(MANY * sizeof *out);
    ck_assert(tasks && out);
    for (size_t i = 0; i < MANY; i++) tasks[i] = one;   /* the same task, many times */
    long pages = 0;
    FILE *statm = fopen("/proc/self/statm", "r");
    ck_assert(statm && fscanf(statm, "%ld", &pages) == 1);
    fclose(statm);
    struct rlimit limit = {.rlim_cur = (rlim_t)pages * 4096 + (32 << 20), .rlim_max = RLIM_INFINITY};
    ck_assert_int_eq(setrlimit(RLIMIT_AS, &limit), 0);
    errno = 0;
    aio_status status = aio_gather(tasks, MANY, false, out);
    int error = errno;
    limit.rlim_cur = RLIM_INFINITY;
    ck_assert_int_eq(setrlimit(RLIMIT_AS, &limit), 0);
    ck_assert_int_eq(status, AIO_ERROR);
    ck_assert_int_eq(error, ENOMEM);
    ck_assert_int_eq(aio_await(one, NULL), AIO_OK);
    aio_release(one);
    free(tasks);
    free(out);
    return aio_value(0);
}

static void gather_without_memory_in_a_loop(void *arg)
{
    (void)arg;
    if (aio_run(gather_without_memory, NULL, &virtual, NULL) != AIO_OK) abort();
}

START_TEST(gather_without_memory_says_so)
{
#if defined(__SANITIZE_ADDRESS__)
    (void)gather_without_memory_in_a_loop;   /* AddressSanitizer reserves terabytes of */
    return;                                  /* address space: no limit fits */
#else
    if (RUNNING_ON_VALGRIND) return;   /* Valgrind does its own address-space bookkeeping */
    char text[4096];
    int status = run_in_child(gather_without_memory_in_a_loop, NULL, text, sizeof text);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "stderr: %s", text);
    ck_assert_ptr_nonnull(strstr(text, "aio_gather: no memory to wait for 4194304 tasks"));
#endif
}
END_TEST

static Suite *gather_suite(void)
{
    Suite *s = suite_create("chapter 4: gather");
    TCase *t = tcase_create("gather");
    tcase_add_test(t, outcomes_come_back_in_argument_order);
    tcase_add_test(t, the_first_failure_is_reported_at_once_and_siblings_run_on);
    tcase_add_test(t, return_exceptions_waits_for_every_outcome);
    tcase_add_test(t, cancelling_a_gather_cancels_every_child);
    tcase_add_test(t, null_arguments_to_gather_are_checked_runtime_errors);
    tcase_add_test(t, a_pending_cancellation_cancels_every_child);
    tcase_add_test(t, gather_without_memory_says_so);
    suite_add_tcase(s, t);
    return s;
}

TEST_MAIN(gather_suite)
