/* ch10_misuse.c: misuse of the later chapters' calls, and what the runtime answers
   (the table "Misuse, and what the runtime answers" of chapter 10 names these tests). */
#include "aio.h"
#include "test_util.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const aio_loop_options virtual = {.virtual_clock = true};
static aio_time now(void) { return aio_now(aio_running_loop()); }

static void acquire_null(void) { if (aio_semaphore_acquire(NULL)) {} }
static void release_null(void) { (void)aio_semaphore_release(NULL); }
static intptr_t nothing(void *arg) { (void)arg; return 0; }
static void to_thread_null(void) { if (aio_to_thread(NULL, NULL, NULL)) {} (void)nothing; }
static void wait_for_null(void) { if (aio_wait_for(NULL, AIO_SEC(1), NULL)) {} }

START_TEST(null_arguments_to_later_chapters_are_checked_runtime_errors)
{
    expect_death(in_a_task, (void *)acquire_null,
                 "aio_semaphore_acquire: the argument 'semaphore' is NULL");
    expect_death(in_a_task, (void *)release_null,
                 "aio_semaphore_release: the argument 'semaphore' is NULL");
    expect_death(in_a_task, (void *)to_thread_null, "aio_to_thread: the argument 'fn' is NULL");
    expect_death(in_a_task, (void *)wait_for_null, "aio_wait_for: the argument 'task' is NULL");
}
END_TEST

static aio_outcome wait_for_itself(void *arg)
{
    (void)arg;
    aio_outcome out = {.status = AIO_OK};
    errno = 0;
    ck_assert_int_eq(aio_wait_for(aio_current_task(), AIO_SEC(1), &out), AIO_ERROR);
    ck_assert_int_eq(errno, EDEADLK);
    ck_assert_int_eq(out.status, AIO_ERROR);
    ck_assert_int_eq(out.error, EDEADLK);
    ck_assert_ptr_nonnull(strstr(out.message, "aio_wait_for"));
    return aio_value(0);
}

START_TEST(wait_for_itself_is_an_error_with_edeadlk)
{
    ck_assert_int_eq(aio_run(wait_for_itself, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_outcome sleep_long(void *arg)
{
    (void)arg;
    aio_status status = aio_sleep(AIO_SEC(100));
    return status == AIO_OK ? aio_value(1) : aio_propagate(status);
}

static aio_outcome wait_for_with_a_cancellation_pending(void *arg)
{
    aio_time timeout = (aio_time)(intptr_t)arg;
    aio_task *child = aio_spawn("child", sleep_long, NULL);
    ck_assert(aio_cancel(aio_current_task(), "stop"));
    aio_outcome out;
    ck_assert_int_eq(aio_wait_for(child, timeout, &out), AIO_CANCELLED);   /* not TIMEOUT */
    ck_assert(aio_task_done(child));             /* cancelled and awaited, not left running */
    ck_assert_int_eq(now(), 0);
    aio_release(child);
    return aio_value(0);
}

START_TEST(a_pending_cancellation_is_passed_on_by_wait_for)
{
    ck_assert_int_eq(aio_run(wait_for_with_a_cancellation_pending, (void *)(intptr_t)AIO_SEC(5),
                             &virtual, NULL), AIO_OK);
    ck_assert_int_eq(aio_run(wait_for_with_a_cancellation_pending, (void *)(intptr_t)0,
                             &virtual, NULL), AIO_OK);
}
END_TEST

static aio_outcome wait_twice(void *arg)
{
    (void)arg;
    aio_group *group = aio_group_new();
    ck_assert_int_eq(aio_group_wait(group, AIO_OK), AIO_OK);
    errno = 0;
    ck_assert_int_eq(aio_group_wait(group, AIO_OK), AIO_ERROR);
    ck_assert_int_eq(errno, EINVAL);
    aio_group_free(group);
    return aio_value(0);
}

static void wait_twice_in_a_loop(void *arg)
{
    (void)arg;
    if (aio_run(wait_twice, NULL, &virtual, NULL) != AIO_OK) abort();
}

START_TEST(waiting_for_a_group_twice_is_refused)
{
    char text[4096];
    int status = run_in_child(wait_twice_in_a_loop, NULL, text, sizeof text);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "stderr: %s", text);
    ck_assert_ptr_nonnull(strstr(text, "aio_group_wait: the group's wait has ended already"));
}
END_TEST

static aio_outcome gather_itself(void *arg)
{
    (void)arg;
    aio_task *tasks[2] = {aio_spawn("child", sleep_long, NULL), aio_current_task()};
    aio_outcome out[2];
    errno = 0;
    ck_assert_int_eq(aio_gather(tasks, 2, true, out), AIO_ERROR);
    ck_assert_int_eq(errno, EDEADLK);
    ck_assert_int_eq(out[1].error, EDEADLK);
    ck_assert_ptr_nonnull(strstr(out[1].message, "aio_gather"));
    ck_assert(aio_cancel(tasks[0], NULL));
    ck_assert_int_eq(aio_await(tasks[0], NULL), AIO_CANCELLED);
    aio_release(tasks[0]);
    return aio_value(0);
}

START_TEST(gathering_itself_is_an_error_with_edeadlk)
{
    ck_assert_int_eq(aio_run(gather_itself, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

/* Every row of the book's misuse table names a test that exists (run from the top). */
static bool file_contains(const char *path, const char *text)
{
    FILE *file = fopen(path, "r");
    if (!file) return false;
    static char content[1 << 20];
    size_t n = fread(content, 1, sizeof content - 1, file);
    content[n] = '\0';
    fclose(file);
    return strstr(content, text) != NULL;
}

START_TEST(every_row_of_the_misuse_table_names_a_test)
{
    FILE *book = fopen("book/10-pitfalls.nw", "r");
    ck_assert_msg(book != NULL, "run the tests from the top of the project");
    char line[2048];
    int rows = 0, in_table = 0;
    while (fgets(line, sizeof line, book)) {
        if (strncmp(line, "## Misuse", 9) == 0) in_table = 1;
        else if (strncmp(line, "## ", 3) == 0) in_table = 0;
        if (!in_table || line[0] != '|' || strncmp(line, "|---", 4) == 0 ||
            strncmp(line, "| Call", 6) == 0) continue;
        char *cell = strrchr(line, '|');   /* the last cell: `chNN_file`: `test`, `test` */
        *cell = '\0';
        cell = strrchr(line, '|') + 1;
        char file[64], path[128];
        ck_assert_msg(sscanf(cell, " `%63[^`]`", file) == 1, "a row without a test: %s", line);
        snprintf(path, sizeof path, "tests/%s.c", file);
        int tests = 0;
        for (char *name = strchr(strchr(cell, ':'), '`'); name; name = strchr(name + 1, '`')) {
            char *end = strchr(name + 1, '`');
            ck_assert_ptr_nonnull(end);
            char wanted[256];
            snprintf(wanted, sizeof wanted, "START_TEST(%.*s)", (int)(end - name - 1), name + 1);
            ck_assert_msg(file_contains(path, wanted), "%s has no %s", path, wanted);
            tests++;
            name = end;
        }
        ck_assert_msg(tests > 0, "a row without a test: %s", line);
        rows++;
    }
    fclose(book);
    ck_assert_int_ge(rows, 20);
}
END_TEST

static Suite *misuse_suite(void)
{
    Suite *s = suite_create("chapter 10: misuse");
    TCase *t = tcase_create("misuse");
    tcase_add_test(t, null_arguments_to_later_chapters_are_checked_runtime_errors);
    tcase_add_test(t, wait_for_itself_is_an_error_with_edeadlk);
    tcase_add_test(t, a_pending_cancellation_is_passed_on_by_wait_for);
    tcase_add_test(t, waiting_for_a_group_twice_is_refused);
    tcase_add_test(t, gathering_itself_is_an_error_with_edeadlk);
    tcase_add_test(t, every_row_of_the_misuse_table_names_a_test);
    suite_add_tcase(s, t);
    return s;
}

TEST_MAIN(misuse_suite)
