/* ch03_tasks.c: tasks of chapter 3, on the virtual clock. */
#define _GNU_SOURCE
#include "aio.h"
#include "test_util.h"
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

static const aio_loop_options virtual = {.virtual_clock = true};
static char trace[256];
static void note(const char *s) { strcat(trace, s); }
static aio_time now(void) { return aio_now(aio_running_loop()); }

static aio_outcome append_letter(void *letter)
{
    note(letter);
    return aio_value(0);
}

static aio_outcome spawn_then_check(void *arg)
{
    (void)arg;
    aio_task *a = aio_spawn("a", append_letter, "a");
    aio_task *b = aio_spawn("b", append_letter, "b");
    note("m");                               /* neither has run yet */
    ck_assert(!aio_task_done(a));
    ck_assert_int_eq(aio_yield(), AIO_OK);   /* now both run, in order */
    note("M");
    ck_assert(aio_task_done(a) && aio_task_done(b));
    aio_release(a);
    aio_release(b);
    return aio_value(7);
}

START_TEST(a_created_task_runs_only_when_its_creator_suspends)
{
    trace[0] = '\0';
    aio_outcome out;
    ck_assert_int_eq(aio_run(spawn_then_check, NULL, &virtual, &out), AIO_OK);
    ck_assert_int_eq(out.value, 7);
    ck_assert_str_eq(trace, "mabM");
}
END_TEST

static aio_outcome yielder(void *letter)
{
    for (int i = 0; i < 3; i++) {
        note(letter);
        if (aio_yield() != AIO_OK) return aio_propagate(AIO_CANCELLED);
    }
    return aio_value(0);
}

static aio_outcome three_yielders(void *arg)
{
    (void)arg;
    aio_task *t[3] = {aio_spawn("x", yielder, "x"), aio_spawn("y", yielder, "y"),
                      aio_spawn("z", yielder, "z")};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(aio_await(t[i], NULL), AIO_OK);
        aio_release(t[i]);
    }
    return aio_value(0);
}

START_TEST(ready_tasks_take_turns_in_fifo_order)
{
    trace[0] = '\0';
    ck_assert_int_eq(aio_run(three_yielders, NULL, &virtual, NULL), AIO_OK);
    ck_assert_str_eq(trace, "xyzxyzxyz");
}
END_TEST

static aio_time woke_at[4];
static aio_outcome sleep_for(void *ms)
{
    intptr_t delay = (intptr_t)ms;
    if (aio_sleep(AIO_MSEC(delay)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    char letter[2] = {(char)('0' + delay / 10), 0};
    note(letter);
    woke_at[delay / 10] = now();
    return aio_value(delay);
}

static aio_outcome sleepers(void *arg)
{
    (void)arg;
    intptr_t delays[] = {30, 10, 20, 10};
    aio_task *t[4];
    for (int i = 0; i < 4; i++) t[i] = aio_spawn("sleeper", sleep_for, (void *)delays[i]);
    for (int i = 0; i < 4; i++) {
        aio_outcome out;
        ck_assert_int_eq(aio_await(t[i], &out), AIO_OK);
        ck_assert_int_eq(out.value, delays[i]);
        aio_release(t[i]);
    }
    ck_assert_int_eq(now(), AIO_MSEC(30));
    return aio_value(0);
}

START_TEST(sleepers_wake_in_deadline_order_exactly_on_time)
{
    trace[0] = '\0';
    ck_assert_int_eq(aio_run(sleepers, NULL, &virtual, NULL), AIO_OK);
    ck_assert_str_eq(trace, "1123");
    ck_assert_int_eq(woke_at[1], AIO_MSEC(10));
    ck_assert_int_eq(woke_at[2], AIO_MSEC(20));
    ck_assert_int_eq(woke_at[3], AIO_MSEC(30));
}
END_TEST

static aio_outcome fail_with(void *code)
{
    return aio_error((int)(intptr_t)code, "failed with %d", (int)(intptr_t)code);
}

static aio_outcome await_failure(void *arg)
{
    (void)arg;
    aio_task *t = aio_spawn("failing", fail_with, (void *)(intptr_t)EPIPE);
    aio_outcome out;
    ck_assert_int_eq(aio_await(t, &out), AIO_ERROR);
    ck_assert_int_eq(out.error, EPIPE);
    ck_assert_str_eq(out.message, "failed with 32");
    /* awaiting a done task again does not suspend and gives the same outcome */
    ck_assert_int_eq(aio_await(t, &out), AIO_ERROR);
    aio_release(t);
    return aio_error(EIO, "main gives up: %s", "disk");
}

START_TEST(errors_reach_the_awaiter_and_the_caller_of_run)
{
    aio_outcome out;
    ck_assert_int_eq(aio_run(await_failure, NULL, &virtual, &out), AIO_ERROR);
    ck_assert_int_eq(out.error, EIO);
    ck_assert_str_eq(out.message, "main gives up: disk");
}
END_TEST

static int recurse(int n)
{
    volatile char pad[128];
    pad[0] = (char)n;
    if (n > 0 && n % 50 == 0 && aio_yield() != AIO_OK) return -1;   /* suspend deep down */
    return n == 0 ? pad[0] : 1 + recurse(n - 1);
}

static aio_outcome deep(void *n) { return aio_value(recurse((int)(intptr_t)n)); }

static aio_outcome two_deep_tasks(void *arg)
{
    (void)arg;
    aio_task *a = aio_spawn("deep a", deep, (void *)200), *b = aio_spawn("deep b", deep, (void *)150);
    aio_outcome oa, ob;
    ck_assert_int_eq(aio_await(a, &oa), AIO_OK);
    ck_assert_int_eq(aio_await(b, &ob), AIO_OK);
    aio_release(a);
    aio_release(b);
    return aio_value(oa.value + ob.value);
}

START_TEST(a_deep_call_chain_suspends_and_resumes)
{
    aio_outcome out;
    ck_assert_int_eq(aio_run(two_deep_tasks, NULL, &virtual, &out), AIO_OK);
    ck_assert_int_eq(out.value, 350);
}
END_TEST

static long finished;
static aio_outcome tiny(void *i)
{
    if (aio_yield() != AIO_OK) return aio_propagate(AIO_CANCELLED);
    finished++;
    return aio_value((intptr_t)i);
}

static aio_outcome hundred_thousand(void *arg)
{
    (void)arg;
    enum { MAX = 100000 };
    static aio_task *tasks[MAX];
    const int N = RUNNING_ON_VALGRIND ? 10000 : MAX;   /* Valgrind is ~50x slower */
    for (intptr_t i = 0; i < N; i++) ck_assert_ptr_nonnull(tasks[i] = aio_spawn("tiny", tiny, (void *)i));
    long sum = 0;
    for (int i = 0; i < N; i++) {
        aio_outcome out;
        ck_assert_int_eq(aio_await(tasks[i], &out), AIO_OK);
        sum += out.value;
        aio_release(tasks[i]);
    }
    return aio_value(sum == (long)N * (N - 1) / 2 ? N : -1);
}

START_TEST(a_hundred_thousand_tasks_run_and_are_freed)
{
    aio_outcome out;
    finished = 0;
    ck_assert_int_eq(aio_run(hundred_thousand, NULL, &virtual, &out), AIO_OK);
    ck_assert_int_eq(out.value, RUNNING_ON_VALGRIND ? 10000 : 100000);
    ck_assert_int_eq(finished, out.value);
    /* nothing leaked: checked by the Valgrind and LeakSanitizer runs of make check */
}
END_TEST

static aio_outcome overflow(void *arg);
static volatile int forever = 1;
static int bottomless(int n)
{
    volatile char pad[512];
    pad[0] = (char)n;
    return forever ? bottomless(n + 1) + pad[0] : 0;
}
static aio_outcome overflow(void *arg) { (void)arg; return aio_value(bottomless(0)); }
static aio_outcome spawn_overflow(void *arg)
{
    aio_task *t = aio_spawn("the-deep-one", overflow, arg);
    aio_status ignored = aio_await(t, NULL);
    return aio_value(ignored);
}

START_TEST(a_stack_overflow_is_reported_with_the_task_name)
{
#if defined(__SANITIZE_ADDRESS__)
    return;   /* AddressSanitizer reports overflows itself */
#endif
    if (RUNNING_ON_VALGRIND) return;   /* Valgrind reports it in its own words */
    int err[2];
    ck_assert_int_eq(pipe(err), 0);
    pid_t child = fork();
    if (child == 0) {
        dup2(err[1], STDERR_FILENO);
        aio_run(spawn_overflow, NULL, &virtual, NULL);
        _exit(0);
    }
    close(err[1]);
    char text[512] = {0};
    ssize_t n = 0, got;
    while ((got = read(err[0], text + n, sizeof text - 1 - n)) > 0) n += got;
    int status;
    waitpid(child, &status, 0);
    ck_assert(n > 0);
    ck_assert_ptr_nonnull(strstr(text, "stack overflow in task 'the-deep-one'"));
    ck_assert(WIFSIGNALED(status));
}
END_TEST

static bool cleaned_up;
static aio_outcome long_sleeper(void *arg)
{
    (void)arg;
    aio_status status = aio_sleep(AIO_SEC(1000));
    ck_assert_int_eq(status, AIO_CANCELLED);
    ck_assert_int_eq(aio_sleep(AIO_MSEC(5)), AIO_OK);   /* cleanup may await */
    cleaned_up = true;
    return aio_propagate(status);
}

static bool never_ran;
static aio_outcome not_started(void *arg) { (void)arg; never_ran = false; return aio_value(0); }

static aio_outcome leave_tasks_behind(void *arg)
{
    (void)arg;
    aio_release(aio_spawn("sleeper", long_sleeper, NULL));
    if (aio_sleep(AIO_MSEC(1)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    aio_release(aio_spawn("never started", not_started, NULL));
    return aio_value(1);
}

START_TEST(run_cancels_what_is_left_and_waits_for_its_cleanup)
{
    cleaned_up = false;
    never_ran = true;
    aio_outcome out;
    ck_assert_int_eq(aio_run(leave_tasks_behind, NULL, &virtual, &out), AIO_OK);
    ck_assert_int_eq(out.value, 1);
    ck_assert(cleaned_up);
    ck_assert(never_ran);
}
END_TEST

static aio_outcome cancel_a_sleeper(void *arg)
{
    (void)arg;
    aio_task *t = aio_spawn("sleeper", sleep_for, (void *)1000);
    ck_assert_int_eq(aio_yield(), AIO_OK);
    ck_assert(aio_cancel(t, "stop"));
    aio_outcome out;
    ck_assert_int_eq(aio_await(t, &out), AIO_CANCELLED);
    ck_assert_int_eq(now(), 0);                 /* woken at once, not after its sleep */
    ck_assert(!aio_cancel(t, "again"));         /* a done task cannot be cancelled */
    aio_release(t);
    return aio_value(0);
}

START_TEST(cancel_wakes_a_sleeper_at_once_and_a_done_task_refuses)
{
    ck_assert_int_eq(aio_run(cancel_a_sleeper, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_task *main_handle;
static aio_outcome await_main(void *arg) { (void)arg; return aio_value(aio_await(main_handle, NULL)); }
static aio_outcome deadlock(void *arg)
{
    (void)arg;
    main_handle = aio_current_task();
    aio_task *t = aio_spawn("awaits main", await_main, NULL);
    return aio_value(aio_await(t, NULL));
}

START_TEST(a_deadlock_is_reported_not_hung)
{
    aio_outcome out;
    ck_assert_int_eq(aio_run(deadlock, NULL, &virtual, &out), AIO_ERROR);
    ck_assert_int_eq(out.error, EDEADLK);
}
END_TEST

START_TEST(suspending_outside_a_task_is_an_error)
{
    ck_assert_int_eq(aio_sleep(AIO_MSEC(1)), AIO_ERROR);
    ck_assert_ptr_null(aio_spawn("x", tiny, NULL));
}
END_TEST

/* ---- handles used after aio_release: checked runtime errors ---- */

static aio_outcome quick(void *arg) { (void)arg; return aio_value(1); }

static aio_outcome release_twice(void *arg)
{
    aio_task *t = aio_spawn("victim", arg ? sleep_for : quick, arg);
    if (!arg) ck_assert_int_eq(aio_await(t, NULL), AIO_OK);   /* done, or still sleeping */
    aio_release(t);
    aio_release(t);
    return aio_value(0);
}
static void run_release_twice(void *arg) { aio_run(release_twice, arg, &virtual, NULL); }

START_TEST(releasing_a_task_twice_is_a_checked_error)
{
    expect_death(run_release_twice, NULL, "aio_release: task 'victim' was already released");
    expect_death(run_release_twice, (void *)50, "aio_release: task 'victim' was already released");
}
END_TEST

static aio_outcome use_after_release(void *arg)
{
    aio_task *t = aio_spawn("victim", quick, NULL);
    ck_assert_int_eq(aio_await(t, NULL), AIO_OK);
    aio_release(t);
    aio_outcome out;
    if (arg == (void *)1) (void)aio_cancel(t, NULL);
    else if (arg == (void *)2) (void)aio_task_done(t);
    else if (aio_await(t, &out) != AIO_OK) return aio_propagate(AIO_ERROR);
    return aio_value(0);
}
static void run_use_after_release(void *arg) { aio_run(use_after_release, arg, &virtual, NULL); }

START_TEST(using_a_released_handle_is_a_checked_error)
{
    expect_death(run_use_after_release, NULL, "aio_await: task 'victim' was already released");
    expect_death(run_use_after_release, (void *)1, "aio_cancel: task 'victim' was already released");
    expect_death(run_use_after_release, (void *)2, "aio_task_done: task 'victim' was already released");
}
END_TEST

/* ---- a frame larger than the guard, in code built without -fstack-clash-protection ---- */

#pragma GCC push_options
#pragma GCC optimize("no-stack-clash-protection")
static __attribute__((noinline)) int big_frame(int n)
{
    volatile char buffer[96 * 1024];   /* 32 KiB more than the whole stack */
    buffer[0] = (char)n;               /* the lowest byte first, as a read() into it would */
    return buffer[0];
}
#pragma GCC pop_options

static aio_outcome with_big_frame(void *arg) { (void)arg; return aio_value(big_frame(1)); }
static aio_outcome neighbour(void *arg)
{
    (void)arg;
    volatile char locals[1024];
    memset((char *)locals, 'n', sizeof locals);
    if (aio_sleep(AIO_MSEC(1)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    for (size_t i = 0; i < sizeof locals; i++) ck_assert_int_eq(locals[i], 'n');
    return aio_value(0);
}
static aio_outcome spawn_big_frame(void *arg)
{
    (void)arg;
    aio_task *n = aio_spawn("neighbour", neighbour, NULL);   /* the stack just below */
    aio_task *t = aio_spawn("big-frame", with_big_frame, NULL);
    aio_status a = aio_await(t, NULL), b = aio_await(n, NULL);
    return aio_value(a + b);
}
static void run_big_frame(void *arg) { (void)arg; aio_run(spawn_big_frame, NULL, &virtual, NULL); }

START_TEST(a_frame_larger_than_the_stack_is_caught_by_the_guard)
{
#if defined(__SANITIZE_ADDRESS__)
    return;   /* AddressSanitizer reports overflows itself */
#endif
    if (RUNNING_ON_VALGRIND) return;   /* Valgrind reports it in its own words */
    expect_death(run_big_frame, NULL, "stack overflow in task 'big-frame'");
}
END_TEST

/* ---- a thread that ran aio_run gives its stacks and signal stack back when it ends ---- */

static aio_outcome a_few_tasks(void *arg)
{
    (void)arg;
    aio_task *t[3];
    for (int i = 0; i < 3; i++) t[i] = aio_spawn("t", tiny, NULL);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(aio_await(t[i], NULL), AIO_OK);
        aio_release(t[i]);
    }
    return aio_value(0);
}
static void *run_in_thread(void *arg)
{
    (void)arg;
    ck_assert_int_eq(aio_run(a_few_tasks, NULL, &virtual, NULL), AIO_OK);
    return NULL;
}
static void run_threads(int count)
{
    for (int i = 0; i < count; i++) {
        pthread_t thread;
        ck_assert_int_eq(pthread_create(&thread, NULL, run_in_thread, NULL), 0);
        ck_assert_int_eq(pthread_join(thread, NULL), 0);
    }
}
static long status_kib(const char *field)
{
    char line[256];
    long kib = -1;
    FILE *status = fopen("/proc/self/status", "r");
    while (status && fgets(line, sizeof line, status))
        if (strncmp(line, field, strlen(field)) == 0) kib = atol(line + strlen(field) + 1);
    if (status) fclose(status);
    return kib;
}

START_TEST(a_thread_that_ends_gives_its_stacks_back)
{
    if (RUNNING_ON_VALGRIND) {   /* Valgrind's own mappings hide ours; its leak check still runs */
        run_threads(10);
        return;
    }
    run_threads(3);   /* the C library's own per-thread caches settle */
    long before = status_kib("VmSize:");
    run_threads(200);
    long after = status_kib("VmSize:");
    /* each thread maps a slab of 64 stacks: 200 leaked slabs would be gigabytes */
    ck_assert_msg(after - before < 16 * 1024, "VmSize grew by %ld KiB over 200 threads",
                  after - before);
}
END_TEST

/* ---- out of memory: spawn returns NULL with ENOMEM, wakes need no memory ---- */

static aio_outcome nap(void *arg)
{
    (void)arg;
    return aio_propagate(aio_sleep(AIO_MSEC(10)));
}

static aio_outcome spawn_until_no_memory(void *arg)
{
    (void)arg;
    static aio_task *tasks[1 << 16];
    struct rlimit old, limit;
    getrlimit(RLIMIT_AS, &old);
    limit = old;
    limit.rlim_cur = (rlim_t)status_kib("VmSize:") * 1024 + 64 * 1024 * 1024;
    ck_assert_int_eq(setrlimit(RLIMIT_AS, &limit), 0);
    size_t n = 0;
    errno = 0;
    while (n < sizeof tasks / sizeof *tasks && (tasks[n] = aio_spawn("sleeper", nap, NULL)))
        n++;
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_uint_gt(n, 10);
    /* every sleeper wakes while memory is still short: no wake-up may need any */
    ck_assert_int_eq(aio_sleep(AIO_MSEC(20)), AIO_OK);
    for (size_t i = 0; i < n; i++) {
        ck_assert(aio_task_done(tasks[i]));
        aio_release(tasks[i]);
    }
    ck_assert_int_eq(setrlimit(RLIMIT_AS, &old), 0);
    return aio_value((intptr_t)n);
}
static void run_out_of_memory(void *arg)
{
    (void)arg;
    aio_outcome out;
    if (aio_run(spawn_until_no_memory, NULL, &virtual, &out) != AIO_OK) {
        fprintf(stderr, "aio_run failed: %s\n", out.message ? out.message : "");
        _exit(1);
    }
    _exit(out.value > 10 ? 0 : 2);
}

START_TEST(out_of_memory_makes_spawn_return_null_and_nothing_aborts)
{
#if defined(__SANITIZE_ADDRESS__)
    return;   /* AddressSanitizer's shadow memory does not fit under an address-space limit */
#endif
    if (RUNNING_ON_VALGRIND) return;   /* nor does Valgrind */
    char text[4096];
    int status = run_in_child(run_out_of_memory, NULL, text, sizeof text);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d, said: %s", status, text);
    ck_assert_msg(strstr(text, "out of memory") == NULL, "said: %s", text);
}
END_TEST

/* ---- a failure repeated by many unread tasks is reported once, with a count ---- */

static aio_outcome fail_the_same_way(void *arg)
{
    (void)arg;
    return aio_error(EIO, "the disk said no");
}
static aio_outcome fifty_unread_failures(void *arg)
{
    (void)arg;
    for (int i = 0; i < 50; i++) aio_release(aio_spawn("doomed", fail_the_same_way, NULL));
    return aio_propagate(aio_yield());
}
static void run_fifty_failures(void *arg)
{
    (void)arg;
    _exit(aio_run(fifty_unread_failures, NULL, &virtual, NULL) == AIO_OK ? 0 : 1);
}

START_TEST(a_repeated_unread_failure_is_reported_once_with_a_count)
{
    char text[8192];
    int status = run_in_child(run_fifty_failures, NULL, text, sizeof text);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    const char *first = strstr(text, "task 'doomed' failed and nobody read its outcome: error 5: "
                                     "the disk said no");
    ck_assert_msg(first && !strstr(first + 1, "task 'doomed' failed"), "said: %s", text);
    ck_assert_msg(strstr(text, "49 more tasks failed the same way"), "said: %s", text);
}
END_TEST

/* ---- misuse and cancellation semantics (issue 9) ---- */

static void await_null(void) { if (aio_await(NULL, NULL)) {} }
static void cancel_null(void) { (void)aio_cancel(NULL, "x"); }
static void spawn_null_fn(void) { (void)aio_spawn("nameless", NULL, NULL); }
static void run_null_main(void *arg) { (void)arg; (void)aio_run(NULL, NULL, &virtual, NULL); }

START_TEST(null_arguments_are_checked_runtime_errors)
{
    expect_death(in_a_task, (void *)await_null, "aio_await: the argument 'task' is NULL");
    expect_death(in_a_task, (void *)cancel_null, "aio_cancel: the argument 'task' is NULL");
    expect_death(in_a_task, (void *)spawn_null_fn, "aio_spawn: the argument 'fn' is NULL");
    expect_death(run_null_main, NULL, "aio_run: the argument 'main' is NULL");
}
END_TEST

static aio_outcome await_itself(void *arg)
{
    (void)arg;
    aio_outcome out = {.status = AIO_OK, .error = 0};
    errno = 0;
    ck_assert_int_eq(aio_await(aio_current_task(), &out), AIO_ERROR);
    ck_assert_int_eq(errno, EDEADLK);
    ck_assert_int_eq(out.status, AIO_ERROR);
    ck_assert_int_eq(out.error, EDEADLK);
    ck_assert_ptr_nonnull(out.message);
    ck_assert_ptr_nonnull(strstr(out.message, "aio_await"));
    return aio_value(0);
}

START_TEST(awaiting_itself_is_an_error_with_edeadlk)
{
    ck_assert_int_eq(aio_run(await_itself, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_outcome sleep_long(void *arg)
{
    (void)arg;
    aio_status status = aio_sleep(AIO_SEC(100));
    return status == AIO_OK ? aio_value(1) : aio_propagate(status);
}

static aio_outcome await_with_a_cancellation_pending(void *arg)
{
    (void)arg;
    aio_task *child = aio_spawn("child", sleep_long, NULL);
    ck_assert(aio_cancel(aio_current_task(), "stop"));   /* pending: delivered at the await */
    aio_outcome out;
    ck_assert_int_eq(aio_await(child, &out), AIO_CANCELLED);
    ck_assert(aio_task_done(child));                 /* the child was cancelled and awaited */
    ck_assert_str_eq(out.message, "stop");
    ck_assert_int_eq(now(), 0);
    aio_release(child);
    return aio_value(0);
}

START_TEST(a_pending_cancellation_is_passed_on_to_the_awaited_task)
{
    ck_assert_int_eq(aio_run(await_with_a_cancellation_pending, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_outcome cancel_with_a_local_message(void *arg)
{
    (void)arg;
    aio_task *child = aio_spawn("child", sleep_long, NULL);
    ck_assert_int_eq(aio_yield(), AIO_OK);           /* the child sleeps */
    char *text = malloc(16);
    strcpy(text, "stop!");
    ck_assert(aio_cancel(child, text));
    memset(text, 'x', 15);                           /* the caller's buffer changes... */
    free(text);                                      /* ...and goes: the task kept a copy */
    ck_assert(aio_cancel(child, NULL));              /* a second request keeps the first message */
    ck_assert(aio_cancel(child, "later"));
    aio_outcome out;
    ck_assert_int_eq(aio_await(child, &out), AIO_CANCELLED);
    ck_assert_str_eq(out.message, "stop!");
    aio_release(child);
    return aio_value(0);
}

START_TEST(a_cancel_message_is_copied_and_the_first_one_is_kept)
{
    ck_assert_int_eq(aio_run(cancel_with_a_local_message, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

static aio_outcome return_one(void *arg) { (void)arg; return aio_value(1); }
static void run_with_stack_size(void *size)
{
    aio_loop_options options = {.virtual_clock = true, .stack_size = (size_t)size};
    aio_outcome out;
    errno = 0;
    aio_status status = aio_run(return_one, NULL, &options, &out);
    bool refused = status == AIO_ERROR && out.error == EINVAL && errno == EINVAL &&
                   strstr(out.message, "aio_run") != NULL;
    _exit(refused ? 3 : status == AIO_OK ? 0 : 1);
}

START_TEST(a_stack_size_that_is_not_allowed_is_refused)
{
    static const size_t refused[] = {4096, 5000, 12288, (size_t)2 << 30};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char text[512];
        int status = run_in_child(run_with_stack_size, (void *)refused[i], text, sizeof text);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 3, "size %zu: %s", refused[i], text);
        ck_assert_msg(strstr(text, "aio_loop_new: a stack_size of") && strstr(text, "is not allowed"),
                      "size %zu said: %s", refused[i], text);
    }
    char text[512];
    int status = run_in_child(run_with_stack_size, (void *)(size_t)(128 * 1024), text, sizeof text);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "128 KiB: %s", text);
}
END_TEST

static Suite *tasks_suite(void)
{
    Suite *s = suite_create("chapter 3: tasks");
    TCase *t = tcase_create("tasks");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, a_created_task_runs_only_when_its_creator_suspends);
    tcase_add_test(t, ready_tasks_take_turns_in_fifo_order);
    tcase_add_test(t, sleepers_wake_in_deadline_order_exactly_on_time);
    tcase_add_test(t, errors_reach_the_awaiter_and_the_caller_of_run);
    tcase_add_test(t, a_deep_call_chain_suspends_and_resumes);
    tcase_add_test(t, a_hundred_thousand_tasks_run_and_are_freed);
    tcase_add_test(t, a_stack_overflow_is_reported_with_the_task_name);
    tcase_add_test(t, run_cancels_what_is_left_and_waits_for_its_cleanup);
    tcase_add_test(t, cancel_wakes_a_sleeper_at_once_and_a_done_task_refuses);
    tcase_add_test(t, a_deadlock_is_reported_not_hung);
    tcase_add_test(t, suspending_outside_a_task_is_an_error);
    tcase_add_test(t, releasing_a_task_twice_is_a_checked_error);
    tcase_add_test(t, using_a_released_handle_is_a_checked_error);
    tcase_add_test(t, a_frame_larger_than_the_stack_is_caught_by_the_guard);
    tcase_add_test(t, a_thread_that_ends_gives_its_stacks_back);
    tcase_add_test(t, out_of_memory_makes_spawn_return_null_and_nothing_aborts);
    tcase_add_test(t, a_repeated_unread_failure_is_reported_once_with_a_count);
    tcase_add_test(t, null_arguments_are_checked_runtime_errors);
    tcase_add_test(t, awaiting_itself_is_an_error_with_edeadlk);
    tcase_add_test(t, a_pending_cancellation_is_passed_on_to_the_awaited_task);
    tcase_add_test(t, a_cancel_message_is_copied_and_the_first_one_is_kept);
    tcase_add_test(t, a_stack_size_that_is_not_allowed_is_refused);
    suite_add_tcase(s, t);
    return s;
}

TEST_MAIN(tasks_suite)
