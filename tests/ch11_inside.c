/* ch11_inside.c: traces, debug mode and the task tree. */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"
#include "aio.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A fresh file name for a trace, removed by the caller. */
static void trace_path(char *path, size_t size)
{
    snprintf(path, size, "/tmp/ch11_trace_XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
}

static char *read_whole(const char *path)
{
    FILE *file = fopen(path, "r");
    ck_assert_ptr_nonnull(file);
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof text - 1, file);
    text[n] = '\0';
    fclose(file);
    return text;
}

static bool trace_valid(const char *path)
{
    char command[512];
    snprintf(command, sizeof command, "python3 tangled/tools/check-trace.py %s > /dev/null", path);
    return system(command) == 0;
}

/* Runs fn as main on the virtual clock, traced into a fresh file (its name in path, for the
   caller to remove); checks that the trace is valid and returns its text. */
static const char *run_traced(aio_task_fn *fn, char *path, size_t size)
{
    trace_path(path, size);
    aio_loop_options options = {.virtual_clock = true, .trace_file = path};
    ck_assert_int_eq(aio_run(fn, NULL, &options, NULL), AIO_OK);
    ck_assert(trace_valid(path));
    return read_whole(path);
}

/* ---- a traced run: a sleep, a semaphore, a cancellation, a timeout ---- */

static aio_semaphore *semaphore;

static aio_outcome holder(void *arg)
{
    (void)arg;
    if (aio_semaphore_acquire(semaphore) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    aio_status status = aio_sleep(AIO_MSEC(10));
    (void)aio_semaphore_release(semaphore);
    return aio_propagate(status);
}

static aio_outcome sleeper(void *arg)
{
    (void)arg;
    return aio_propagate(aio_sleep(AIO_SEC(100)));
}

static aio_outcome traced_main(void *arg)
{
    (void)arg;
    semaphore = aio_semaphore_new(1);
    aio_task *tasks[3] = {aio_spawn("holder", holder, NULL), aio_spawn("holder", holder, NULL),
                          aio_spawn("sleeper", sleeper, NULL)};
    aio_outcome outcome;
    ck_assert_int_eq(aio_sleep(AIO_MSEC(5)), AIO_OK);
    aio_cancel(tasks[2], "enough");
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(aio_await(tasks[i], &outcome), i < 2 ? AIO_OK : AIO_CANCELLED);
        aio_release(tasks[i]);
    }
    aio_task *slow = aio_spawn("slow", sleeper, NULL);
    ck_assert_int_eq(aio_wait_for(slow, AIO_MSEC(30), &outcome), AIO_TIMEOUT);
    aio_release(slow);
    aio_semaphore_free(semaphore);
    return aio_value(0);
}

START_TEST(a_trace_is_valid_and_exact_on_the_virtual_clock)
{
    char path[64];
    const char *json = run_traced(traced_main, path, sizeof path);
    ck_assert_ptr_nonnull(strstr(json, "\"name\":\"thread_name\",\"args\":{\"name\":\"holder\"}"));
    /* the first holder sleeps from 0 to 10 ms; the second waits in line until then */
    ck_assert_ptr_nonnull(strstr(json, "\"ts\":0.000,\"dur\":10000.000,\"name\":\"waiting: sleep\""));
    ck_assert_ptr_nonnull(strstr(json, "\"dur\":10000.000,\"name\":\"waiting: in line\""));
    ck_assert_ptr_nonnull(strstr(json, "\"ts\":5000.000,\"name\":\"cancel\""));
    ck_assert_ptr_nonnull(strstr(json, "\"name\":\"timeout\""));
    ck_assert_ptr_nonnull(strstr(json, "\"name\":\"holding a semaphore\""));
    ck_assert_ptr_nonnull(strstr(json, "\"ph\":\"f\""));
    remove(path);
}
END_TEST

/* ---- yields: the wait, the wake-up and the hand-over are all told of where a task leaves ---- */

static int count_of(const char *text, const char *needle)
{
    int n = 0;
    for (const char *at = text; (at = strstr(at, needle)); at += strlen(needle)) n++;
    return n;
}

static aio_outcome yield_three_times(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        if (aio_yield() != AIO_OK) return aio_propagate(AIO_CANCELLED);
    return aio_value(0);
}

static aio_outcome two_yielders(void *arg)
{
    (void)arg;
    aio_task *tasks[2] = {aio_spawn("ping", yield_three_times, NULL),
                          aio_spawn("pong", yield_three_times, NULL)};
    aio_outcome outcomes[2];
    ck_assert_int_eq(aio_gather(tasks, 2, false, outcomes), AIO_OK);
    aio_release(tasks[0]);
    aio_release(tasks[1]);
    return aio_value(0);
}

START_TEST(every_yield_and_every_hand_over_is_in_the_trace)
{
    char path[64];
    const char *json = run_traced(two_yielders, path, sizeof path);
    /* each of the two tasks yields three times and runs four steps (the first and one after
       each yield, most of them handed over without the loop); main runs twice around its gather */
    ck_assert_int_eq(count_of(json, "\"name\":\"waiting: yield\""), 6);
    ck_assert_int_eq(count_of(json, "\"name\":\"running\""), 2 * 4 + 2);
    remove(path);
}
END_TEST

static aio_outcome tiny(void *arg)
{
    (void)arg;
    return aio_propagate(aio_sleep(AIO_MSEC(1)));
}

START_TEST(two_loops_share_one_valid_file)
{
    char path[64];
    trace_path(path, sizeof path);
    aio_loop_options options = {.virtual_clock = true, .trace_file = path};
    ck_assert_int_eq(aio_run(tiny, NULL, &options, NULL), AIO_OK);
    ck_assert_int_eq(aio_run(tiny, NULL, &options, NULL), AIO_OK);
    ck_assert(trace_valid(path));
    const char *json = read_whole(path);
    ck_assert_ptr_nonnull(strstr(json, "\"args\":{\"name\":\"aio_run 1\"}"));
    ck_assert_ptr_nonnull(strstr(json, "\"args\":{\"name\":\"aio_run 2\"}"));
    remove(path);
}
END_TEST

START_TEST(a_small_buffer_drops_events_and_says_so)
{
    char path[64];
    trace_path(path, sizeof path);
    aio_loop_options options = {.virtual_clock = true, .trace_file = path, .trace_events = 3};
    ck_assert_int_eq(aio_run(traced_main, NULL, &options, NULL), AIO_OK);
    ck_assert(trace_valid(path));
    remove(path);
}
END_TEST

/* ---- debug mode ---- */

/* Run main in aio_run with stderr captured; return what it printed there. */
static const char *run_capturing_stderr(aio_task_fn *main, const aio_loop_options *options)
{
    static char text[8192];
    FILE *capture = tmpfile();
    ck_assert_ptr_nonnull(capture);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(capture), STDERR_FILENO);
    ck_assert_int_eq(aio_run(main, NULL, options, NULL), AIO_OK);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(capture);
    size_t n = fread(text, 1, sizeof text - 1, capture);
    text[n] = '\0';
    fclose(capture);
    return text;
}

static aio_outcome hog(void *arg)
{
    (void)arg;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do clock_gettime(CLOCK_MONOTONIC, &now);   /* 5 ms of the real clock, in one step */
    while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < 5000000L);
    return aio_value(0);
}

static aio_outcome run_a_hog(void *arg)
{
    (void)arg;
    aio_task *task = aio_spawn("hog", hog, NULL);
    aio_outcome outcome;
    ck_assert_int_eq(aio_await(task, &outcome), AIO_OK);
    aio_release(task);
    return aio_value(0);
}

START_TEST(debug_mode_names_a_slow_step)
{
    aio_loop_options options = {.virtual_clock = true, .debug = true, .slow_step = AIO_MSEC(1)};
    const char *said = run_capturing_stderr(run_a_hog, &options);
    ck_assert_ptr_nonnull(strstr(said, "aio debug: task 'hog' ran"));
    /* without debug mode, nothing is said */
    options.debug = false;
    ck_assert_str_eq(run_capturing_stderr(run_a_hog, &options), "");
}
END_TEST

static aio_outcome forget_a_task(void *arg)
{
    (void)arg;
    aio_release(aio_spawn("forgotten", sleeper, NULL));
    return aio_propagate(aio_sleep(AIO_MSEC(1)));
}

START_TEST(debug_mode_names_a_pending_task_and_where_it_was_created)
{
    aio_loop_options options = {.virtual_clock = true, .debug = true};
    const char *said = run_capturing_stderr(forget_a_task, &options);
    ck_assert_ptr_nonnull(strstr(said, "task 'forgotten' (created at tests/ch11_inside.c:"));
    ck_assert_ptr_nonnull(strstr(said, "still pending when main ends"));
}
END_TEST

/* ---- the task tree ---- */

static char tree[4096];

static aio_outcome dump_into_tree(void *arg)
{
    (void)arg;
    FILE *out = fmemopen(tree, sizeof tree, "w");
    aio_dump_tasks(out);
    fclose(out);
    return aio_value(0);
}

static aio_outcome tree_main(void *arg)
{
    (void)arg;
    aio_task *sleeping = aio_spawn("sleeping", sleeper, NULL);
    aio_task *dumper = aio_spawn("dumper", dump_into_tree, NULL);
    aio_outcome outcome;
    ck_assert_int_eq(aio_await(dumper, &outcome), AIO_OK);
    aio_cancel(sleeping, NULL);
    ck_assert_int_eq(aio_await(sleeping, &outcome), AIO_CANCELLED);
    aio_release(sleeping);
    aio_release(dumper);
    return aio_value(0);
}

START_TEST(the_tree_shows_who_waits_for_what)
{
    ck_assert_int_eq(aio_run(tree_main, NULL, &(aio_loop_options){.virtual_clock = true}, NULL),
                     AIO_OK);
    ck_assert_ptr_nonnull(strstr(tree, "tasks at 0.000 ms:\n"));
    ck_assert_ptr_nonnull(strstr(tree, "main [waiting] await: task 'dumper'\n"));
    ck_assert_ptr_nonnull(strstr(tree, "  └─ dumper [running]\n"));
    ck_assert_ptr_nonnull(strstr(tree, "sleeping [waiting] sleep: due at 100000.000 ms\n"));
}
END_TEST

START_TEST(dump_outside_a_loop_says_so)
{
    FILE *out = fmemopen(tree, sizeof tree, "w");
    aio_dump_tasks(out);
    fclose(out);
    ck_assert_ptr_nonnull(strstr(tree, "no loop is running"));
}
END_TEST

/* ---- SIGUSR1: a child process in debug mode prints its tree ---- */

static int ready_pipe[2];

static aio_outcome wait_to_be_asked(void *arg)
{
    (void)arg;
    aio_task *task = aio_spawn("napping", sleeper, NULL);
    ck_assert_int_eq(write(ready_pipe[1], "r", 1), 1);
    aio_outcome outcome;
    return aio_propagate(aio_await(task, &outcome));
}

START_TEST(sigusr1_prints_the_tree_without_stopping)
{
    int err[2];
    ck_assert_int_eq(pipe(ready_pipe), 0);
    ck_assert_int_eq(pipe(err), 0);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        close(ready_pipe[0]);
        close(err[0]);
        dup2(err[1], STDERR_FILENO);
        aio_loop_options options = {.debug = true};   /* the real clock: it really waits */
        _exit(aio_run(wait_to_be_asked, NULL, &options, NULL) == AIO_OK ? 0 : 1);
    }
    close(ready_pipe[1]);
    close(err[1]);
    char byte, text[4096] = "";
    struct pollfd ready = {.fd = ready_pipe[0], .events = POLLIN};
    ck_assert_int_eq(poll(&ready, 1, 30000), 1);
    ck_assert_int_eq(read(ready_pipe[0], &byte, 1), 1);
    /* A signal just before the loop sleeps is seen only at its next turn: ask again. */
    size_t length = 0;
    for (int tries = 0; tries < 300 && !strstr(text, "napping [waiting] sleep"); tries++) {
        kill(child, SIGUSR1);
        struct pollfd said = {.fd = err[0], .events = POLLIN};
        if (poll(&said, 1, 100) == 1) {
            ssize_t n = read(err[0], text + length, sizeof text - 1 - length);
            if (n > 0) length += (size_t)n;
            text[length] = '\0';
        }
    }
    ck_assert_int_eq(waitpid(child, NULL, WNOHANG), 0);   /* still running */
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    close(ready_pipe[0]);
    close(err[0]);
    ck_assert_msg(strstr(text, "main [waiting] await: task 'napping'"), "printed: %s", text);
    ck_assert_ptr_nonnull(strstr(text, "napping [waiting] sleep"));
}
END_TEST

static Suite *inside_suite(void)
{
    Suite *suite = suite_create("ch11 seeing inside");
    TCase *trace = tcase_create("trace");
    tcase_add_test(trace, a_trace_is_valid_and_exact_on_the_virtual_clock);
    tcase_add_test(trace, two_loops_share_one_valid_file);
    tcase_add_test(trace, every_yield_and_every_hand_over_is_in_the_trace);
    tcase_add_test(trace, a_small_buffer_drops_events_and_says_so);
    suite_add_tcase(suite, trace);
    TCase *debug = tcase_create("debug mode");
    tcase_add_test(debug, debug_mode_names_a_slow_step);
    tcase_add_test(debug, debug_mode_names_a_pending_task_and_where_it_was_created);
    suite_add_tcase(suite, debug);
    TCase *tree_case = tcase_create("task tree");
    tcase_set_timeout(tree_case, 60);
    tcase_add_test(tree_case, the_tree_shows_who_waits_for_what);
    tcase_add_test(tree_case, dump_outside_a_loop_says_so);
    tcase_add_test(tree_case, sigusr1_prints_the_tree_without_stopping);
    suite_add_tcase(suite, tree_case);
    return suite;
}

TEST_MAIN(inside_suite)
