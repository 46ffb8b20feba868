/* ch10_pitfalls.c: the runtime's warning for a failure nobody reads. */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"
#include "aio.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const aio_loop_options virtual = {.virtual_clock = true};

/* Run main in aio_run with stderr captured; return what it printed there. */
static void run_capturing_stderr(aio_task_fn *main, char *text, size_t size)
{
    int err[2];
    ck_assert_int_eq(pipe(err), 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(err[1], STDERR_FILENO);
    close(err[1]);
    aio_status status = aio_run(main, NULL, &virtual, NULL);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    ck_assert_int_eq(status, AIO_OK);
    ssize_t n = read(err[0], text, size - 1);   /* short: fits the pipe's buffer */
    text[n > 0 ? n : 0] = '\0';
    close(err[0]);
}

static aio_outcome fails(void *arg)
{
    (void)arg;
    return aio_error(ENOSPC, "disk full");
}

static aio_outcome detach_a_failure(void *arg)
{
    (void)arg;
    aio_release(aio_spawn("saver", fails, NULL));
    return aio_propagate(aio_sleep(AIO_MSEC(1)));
}

static aio_outcome keep_a_failure_unread(void *arg)
{
    (void)arg;
    aio_spawn("kept", fails, NULL);   /* handle kept, never awaited: freed with the loop */
    return aio_propagate(aio_sleep(AIO_MSEC(1)));
}

static aio_outcome await_the_failure(void *arg)
{
    (void)arg;
    aio_task *t = aio_spawn("awaited", fails, NULL);
    ck_assert_int_eq(aio_await(t, NULL), AIO_ERROR);
    aio_release(t);
    aio_task *g = aio_spawn("gathered", fails, NULL);
    aio_outcome out;
    ck_assert_int_eq(aio_gather(&g, 1, true, &out), AIO_OK);
    aio_release(g);
    return aio_value(0);
}

START_TEST(an_unread_failure_is_reported_with_the_task_name)
{
    char text[512];
    run_capturing_stderr(detach_a_failure, text, sizeof text);
    ck_assert_str_eq(text, "aio: task 'saver' failed and nobody read its outcome: "
                           "error 28: disk full\n");
    run_capturing_stderr(keep_a_failure_unread, text, sizeof text);
    ck_assert_ptr_nonnull(strstr(text, "task 'kept' failed and nobody read its outcome"));
}
END_TEST

START_TEST(a_failure_that_was_awaited_or_gathered_is_not_reported)
{
    char text[512];
    run_capturing_stderr(await_the_failure, text, sizeof text);
    ck_assert_str_eq(text, "");
}
END_TEST

static Suite *pitfalls_suite(void)
{
    Suite *s = suite_create("chapter 10: pitfalls");
    TCase *t = tcase_create("pitfalls");
    tcase_add_test(t, an_unread_failure_is_reported_with_the_task_name);
    tcase_add_test(t, a_failure_that_was_awaited_or_gathered_is_not_reported);
    suite_add_tcase(s, t);
    return s;
}

TEST_MAIN(pitfalls_suite)
