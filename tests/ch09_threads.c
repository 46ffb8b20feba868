/* ch09_threads.c: aio_to_thread, calls from the wrong thread, and Ctrl-C, chapter 9. */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"
#include "aio.h"
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
    nanosleep(&(struct timespec){.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L}, NULL);
}

/* ---- aio_to_thread ---- */

static intptr_t square(void *arg) { return (intptr_t)arg * (intptr_t)arg; }

static aio_outcome square_on_a_thread(void *arg)
{
    intptr_t result = 0;
    ck_assert_int_eq(aio_to_thread(square, arg, &result), AIO_OK);
    return aio_value(result);
}

START_TEST(to_thread_returns_the_functions_value)
{
    aio_outcome outcome;
    ck_assert_int_eq(aio_run(square_on_a_thread, (void *)12, NULL, &outcome), AIO_OK);
    ck_assert_int_eq(outcome.value, 144);
    /* the virtual clock does not change what a thread does */
    aio_loop_options virtual = {.virtual_clock = true};
    ck_assert_int_eq(aio_run(square_on_a_thread, (void *)-5, &virtual, &outcome), AIO_OK);
    ck_assert_int_eq(outcome.value, 25);
}
END_TEST

/* The thread blocks in read() until a task writes: only a loop that keeps
   running while the thread blocks can finish this. */
static int gate[2];
static int turns_while_blocked;

static intptr_t read_the_gate(void *arg)
{
    (void)arg;
    char byte = 0;
    return read(gate[0], &byte, 1) == 1 ? byte : -1;
}

static aio_outcome open_the_gate_later(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        if (aio_yield() != AIO_OK) return aio_propagate(AIO_CANCELLED);
        turns_while_blocked++;
    }
    ck_assert_int_eq(write(gate[1], "x", 1), 1);
    return aio_value(0);
}

static aio_outcome block_on_the_gate(void *arg)
{
    (void)arg;
    aio_task *opener = aio_spawn("opener", open_the_gate_later, NULL);
    intptr_t byte = 0;
    ck_assert_int_eq(aio_to_thread(read_the_gate, NULL, &byte), AIO_OK);
    ck_assert_int_eq(byte, 'x');
    ck_assert_int_eq(turns_while_blocked, 3);
    ck_assert_int_eq(aio_await(opener, NULL), AIO_OK);
    aio_release(opener);
    return aio_value(0);
}

START_TEST(other_tasks_run_while_a_thread_blocks)
{
    ck_assert_int_eq(pipe(gate), 0);
    ck_assert_int_eq(aio_run(block_on_the_gate, NULL, NULL, NULL), AIO_OK);
    close(gate[0]);
    close(gate[1]);
}
END_TEST

/* The thread blocks until the ticker, a task, has ticked three times: only a loop
   that keeps running timers while the thread blocks lets it return (no timing). */
static atomic_int ticks;

static intptr_t block_until_three_ticks(void *arg)
{
    while (atomic_load(&ticks) < 3) sleep_ms(1);
    return (intptr_t)arg;
}

static aio_outcome tick_every_5_ms(void *arg)
{
    (void)arg;
    for (;;) {
        if (aio_sleep(AIO_MSEC(5)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
        atomic_fetch_add(&ticks, 1);
    }
}

static aio_outcome tick_while_a_thread_sleeps(void *arg)
{
    (void)arg;
    atomic_store(&ticks, 0);
    aio_task *ticker = aio_spawn("ticker", tick_every_5_ms, NULL);
    intptr_t result = 0;
    ck_assert_int_eq(aio_to_thread(block_until_three_ticks, (void *)7, &result), AIO_OK);
    ck_assert_int_eq(result, 7);
    ck_assert_int_ge(atomic_load(&ticks), 3);
    aio_cancel(ticker, NULL);
    ck_assert_int_eq(aio_await(ticker, NULL), AIO_CANCELLED);
    aio_release(ticker);
    return aio_value(0);
}

START_TEST(a_ticker_keeps_ticking_while_a_thread_sleeps)
{
    ck_assert_int_eq(aio_run(tick_while_a_thread_sleeps, NULL, NULL, NULL), AIO_OK);
}
END_TEST

/* ---- several jobs ---- */

static atomic_int running_now, most_at_once, wait_for_company;

/* A job notes how many run at once; with wait_for_company = n, it waits (up to 10 s, so
   that a broken pool fails rather than hangs) until n jobs have been running together. */
static intptr_t sleep_and_count(void *arg)
{
    int running = atomic_fetch_add(&running_now, 1) + 1;
    int most = atomic_load(&most_at_once);
    while (running > most && !atomic_compare_exchange_weak(&most_at_once, &most, running))
        continue;
    for (int i = 0; i < 10000 && atomic_load(&most_at_once) < atomic_load(&wait_for_company); i++)
        sleep_ms(1);
    sleep_ms(2);
    atomic_fetch_sub(&running_now, 1);
    return 10 * (intptr_t)arg;
}

static aio_outcome one_job(void *arg)
{
    intptr_t result = 0;
    aio_status status = aio_to_thread(sleep_and_count, arg, &result);
    return status == AIO_OK ? aio_value(result) : aio_propagate(status);
}

enum { JOBS = 6 };

static aio_outcome gather_jobs(void *arg)
{
    (void)arg;
    aio_task *tasks[JOBS];
    aio_outcome outcomes[JOBS];
    for (intptr_t i = 0; i < JOBS; i++) tasks[i] = aio_spawn("job", one_job, (void *)i);
    ck_assert_int_eq(aio_gather(tasks, JOBS, false, outcomes), AIO_OK);
    for (int i = 0; i < JOBS; i++) {
        ck_assert_int_eq(outcomes[i].value, 10 * i);
        aio_release(tasks[i]);
    }
    return aio_value(0);
}

START_TEST(several_jobs_run_at_once)
{
    /* every job waits until all JOBS run together: only a pool that runs them at once
       gets there (a pool of one would make each wait its 10 s out, and fail below) */
    atomic_store(&most_at_once, 0);
    atomic_store(&wait_for_company, JOBS);
    ck_assert_int_eq(aio_run(gather_jobs, NULL, &(aio_loop_options){.max_threads = JOBS}, NULL),
                     AIO_OK);
    ck_assert_int_eq(atomic_load(&most_at_once), JOBS);
}
END_TEST

START_TEST(jobs_beyond_the_pool_wait_their_turn)
{
    atomic_store(&most_at_once, 0);
    atomic_store(&wait_for_company, 2);
    ck_assert_int_eq(aio_run(gather_jobs, NULL, &(aio_loop_options){.max_threads = 2}, NULL),
                     AIO_OK);
    ck_assert_int_eq(atomic_load(&most_at_once), 2);   /* two at once, never more */
}
END_TEST

/* ---- cancelling the waiter ---- */

static atomic_bool job_finished;

static intptr_t wait_for_the_gate_then_finish(void *arg)
{
    intptr_t byte = read_the_gate(arg);
    atomic_store(&job_finished, true);
    return byte;
}

static aio_outcome wait_for_a_thread(void *result)
{
    aio_status status = aio_to_thread(wait_for_the_gate_then_finish, NULL, result);
    return aio_propagate(status);
}

static aio_outcome cancel_the_waiter(void *arg)
{
    (void)arg;
    intptr_t result = -99;
    aio_task *waiter = aio_spawn("waiter", wait_for_a_thread, &result);
    ck_assert_int_eq(aio_yield(), AIO_OK);   /* the waiter submits its job */
    ck_assert(aio_cancel(waiter, "no more waiting"));
    ck_assert_int_eq(aio_await(waiter, NULL), AIO_CANCELLED);
    ck_assert(!atomic_load(&job_finished));   /* the waiter did not wait for the thread */
    aio_release(waiter);
    ck_assert_int_eq(write(gate[1], "y", 1), 1);   /* now let the thread finish */
    ck_assert_int_eq(aio_sleep(AIO_MSEC(1)), AIO_OK);
    ck_assert_int_eq(result, -99);   /* the late result is dropped */
    return aio_value(0);
}

START_TEST(cancelling_the_waiter_returns_at_once_and_drops_the_late_result)
{
    ck_assert_int_eq(pipe(gate), 0);
    atomic_store(&job_finished, false);
    ck_assert_int_eq(aio_run(cancel_the_waiter, NULL, NULL, NULL), AIO_OK);
    ck_assert(atomic_load(&job_finished));   /* aio_run waited for the thread */
    close(gate[0]);
    close(gate[1]);
}
END_TEST

static aio_outcome leave_a_job_running(void *arg)
{
    (void)arg;
    aio_release(aio_spawn("waiter", wait_for_a_thread, NULL));
    ck_assert_int_eq(aio_yield(), AIO_OK);
    ck_assert_int_eq(write(gate[1], "z", 1), 1);   /* the thread ends after main */
    return aio_value(0);
}

START_TEST(aio_run_waits_for_a_job_still_running_when_main_returns)
{
    ck_assert_int_eq(pipe(gate), 0);
    atomic_store(&job_finished, false);
    ck_assert_int_eq(aio_run(leave_a_job_running, NULL, NULL, NULL), AIO_OK);
    ck_assert(atomic_load(&job_finished));
    close(gate[0]);
    close(gate[1]);
}
END_TEST

/* ---- calls from the wrong thread ---- */

struct loop_and_task {
    aio_loop *loop;
    aio_task *task;
};

static void never_called(void *arg) { (void)arg; ck_abort_msg("a call from a worker ran"); }
static aio_outcome never_run(void *arg) { (void)arg; return aio_value(0); }

static intptr_t call_the_loop(void *arg)
{
    struct loop_and_task *target = arg;
    intptr_t refused = 0;
    refused += aio_spawn("stray", never_run, NULL) == NULL;
    refused += aio_call_soon(target->loop, never_called, NULL) == EPERM;
    refused += !aio_cancel(target->task, "from a worker");
    refused += aio_sleep(AIO_MSEC(1)) == AIO_ERROR;
    return refused;
}

static aio_outcome sleep_a_little(void *arg)
{
    (void)arg;
    return aio_propagate(aio_sleep(AIO_MSEC(20)));
}

static aio_outcome let_a_worker_call_the_loop(void *arg)
{
    (void)arg;
    struct loop_and_task target = {aio_running_loop(), aio_spawn("sleeper", sleep_a_little, NULL)};
    intptr_t refused = 0;
    ck_assert_int_eq(aio_to_thread(call_the_loop, &target, &refused), AIO_OK);
    ck_assert_int_eq(refused, 4);
    ck_assert_int_eq(aio_await(target.task, NULL), AIO_OK);   /* not cancelled */
    aio_release(target.task);
    return aio_value(0);
}

START_TEST(calls_from_a_worker_thread_are_refused)
{
    ck_assert_int_eq(aio_run(let_a_worker_call_the_loop, NULL, NULL, NULL), AIO_OK);
}
END_TEST

/* A primitive belongs to the thread that made it: a worker's calls are refused, by name. */
struct primitives {
    aio_event *event;
    aio_semaphore *semaphore;
    aio_lock *lock;
};

static intptr_t touch_primitives(void *arg)
{
    struct primitives *p = arg;
    intptr_t refused = 0;
    aio_event_set(p->event);
    refused += aio_semaphore_release(p->semaphore) == EPERM;
    refused += !aio_semaphore_try_acquire(p->semaphore);
    refused += aio_lock_release(p->lock) == EPERM;
    return refused;
}

static aio_outcome let_a_worker_touch_primitives(void *arg)
{
    (void)arg;
    struct primitives p = {aio_event_new(), aio_semaphore_new(1), aio_lock_new()};
    ck_assert_int_eq(aio_lock_acquire(p.lock), AIO_OK);
    intptr_t refused = 0;
    ck_assert_int_eq(aio_to_thread(touch_primitives, &p, &refused), AIO_OK);
    ck_assert_int_eq(refused, 3);
    ck_assert(!aio_event_is_set(p.event));   /* the set was refused */
    ck_assert(aio_semaphore_try_acquire(p.semaphore));
    ck_assert(!aio_semaphore_try_acquire(p.semaphore));   /* one permit: the release was refused */
    ck_assert(aio_lock_locked(p.lock));
    ck_assert_int_eq(aio_lock_release(p.lock), 0);
    aio_event_free(p.event);
    aio_semaphore_free(p.semaphore);
    aio_lock_free(p.lock);
    return aio_value(0);
}

static void touch_primitives_from_a_worker(void *arg)
{
    (void)arg;
    if (aio_run(let_a_worker_touch_primitives, NULL, NULL, NULL) != AIO_OK) _exit(1);
}

START_TEST(a_worker_thread_cannot_set_an_event_or_release_a_semaphore)
{
    char text[4096];
    int status = run_in_child(touch_primitives_from_a_worker, NULL, text, sizeof text);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child failed: %s", text);
    ck_assert_ptr_nonnull(strstr(text, "aio_event_set: called from a thread that did not make it"));
    ck_assert_ptr_nonnull(strstr(text, "aio_semaphore_release: called from a thread"));
    ck_assert_ptr_nonnull(strstr(text, "aio_semaphore_try_acquire: called from a thread"));
    ck_assert_ptr_nonnull(strstr(text, "aio_lock_release: called from a thread"));
}
END_TEST

/* The documented way in: aio_call_soon_threadsafe. The worker sets the event through the
   loop, then waits until the loop ran the call: the pipe alone woke the loop (the job is
   not finished, so nothing else could). A task waiting on the event sees it set. */
struct event_and_loop {
    aio_loop *loop;
    aio_event *event;
    atomic_bool done;
};

static void set_the_event(void *arg)
{
    struct event_and_loop *target = arg;
    aio_event_set(target->event);     /* on the loop's thread: allowed */
    atomic_store(&target->done, true);
}

static intptr_t set_through_the_loop(void *arg)
{
    struct event_and_loop *target = arg;
    if (aio_call_soon_threadsafe(target->loop, set_the_event, target) != 0) return -1;
    while (!atomic_load(&target->done)) sleep_ms(1);
    return 1;
}

static aio_outcome wait_for_the_event(void *event)
{
    return aio_propagate(aio_event_wait(event));
}

static aio_outcome set_an_event_from_a_worker(void *arg)
{
    (void)arg;
    struct event_and_loop target = {.loop = aio_running_loop(), .event = aio_event_new()};
    atomic_init(&target.done, false);
    aio_task *waiter = aio_spawn("waiter", wait_for_the_event, target.event);
    intptr_t result = 0;
    ck_assert_int_eq(aio_to_thread(set_through_the_loop, &target, &result), AIO_OK);
    ck_assert_int_eq(result, 1);
    ck_assert_int_eq(aio_await(waiter, NULL), AIO_OK);
    ck_assert(aio_event_is_set(target.event));
    aio_release(waiter);
    aio_event_free(target.event);
    return aio_value(0);
}

START_TEST(call_soon_threadsafe_reaches_the_loop_from_a_worker)
{
    ck_assert_int_eq(aio_run(set_an_event_from_a_worker, NULL, NULL, NULL), AIO_OK);
}
END_TEST

/* A job still running when main ends: after the grace period (5 s on the virtual clock,
   so at once), aio_run says which job, started by which task, how long ago, and waits on.
   The job itself reads our stderr until it sees the report, then returns. */
static int report_pipe[2];
static char report_text[2048];

static intptr_t run_until_reported(void *arg)
{
    (void)arg;
    size_t have = 0;
    ssize_t got;
    while (have + 1 < sizeof report_text &&
           (got = read(report_pipe[0], report_text + have, sizeof report_text - 1 - have)) > 0) {
        have += (size_t)got;
        report_text[have] = '\0';
        if (strstr(report_text, " ago\n")) break;
    }
    return 0;
}

static aio_outcome wait_for_a_stuck_job(void *arg)
{
    (void)arg;
    return aio_propagate(aio_to_thread(run_until_reported, NULL, NULL));
}

static aio_outcome leave_a_stuck_job(void *arg)
{
    (void)arg;
    aio_release(aio_spawn("stuck waiter", wait_for_a_stuck_job, NULL));
    ck_assert_int_eq(aio_sleep(AIO_SEC(1)), AIO_OK);   /* the job started at 0 */
    return aio_value(0);
}

static void run_with_a_stuck_job(void *arg)
{
    (void)arg;
    int parent_stderr = dup(STDERR_FILENO);
    if (pipe(report_pipe) != 0 || dup2(report_pipe[1], STDERR_FILENO) < 0) _exit(2);
    aio_status status = aio_run(leave_a_stuck_job, NULL, &(aio_loop_options){.virtual_clock = true},
                                NULL);
    dup2(parent_stderr, STDERR_FILENO);
    fputs(report_text, stderr);
    _exit(status == AIO_OK ? 0 : 1);
}

START_TEST(aio_run_says_which_thread_job_still_runs_after_a_grace_period)
{
    char text[4096];
    int status = run_in_child(run_with_a_stuck_job, NULL, text, sizeof text);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child failed: %s", text);
    ck_assert_msg(strstr(text, "aio_run: main has ended, and 1 aio_to_thread job is still running; "
                               "aio_run waits for it") != NULL, "got: %s", text);
    /* submitted at 0, main ended at 1 s, reported 5 s later: 6 s on the virtual clock */
    ck_assert_msg(strstr(text, "started by task 'stuck waiter' 6.0 s ago") != NULL, "got: %s", text);
}
END_TEST

/* ---- Ctrl-C, in this process ---- */

static aio_outcome interrupt_myself(void *arg)
{
    (void)arg;
    raise(SIGINT);
    aio_status status = aio_sleep(AIO_SEC(3600));   /* real clock: only the pipe can end it */
    ck_assert_int_eq(status, AIO_CANCELLED);
    return aio_propagate(status);
}

START_TEST(a_sigint_cancels_main_and_aio_run_reports_it)
{
    signal(SIGINT, SIG_DFL);
    aio_outcome outcome;
    ck_assert_int_eq(aio_run(interrupt_myself, NULL, NULL, &outcome), AIO_CANCELLED);
    ck_assert_int_eq(outcome.error, EINTR);
    ck_assert_str_eq(outcome.message, "interrupted by SIGINT");
    ck_assert_int_eq(aio_exit_status(AIO_CANCELLED, &outcome), 130);
    struct sigaction now;
    ck_assert_int_eq(sigaction(SIGINT, NULL, &now), 0);
    ck_assert(now.sa_handler == SIG_DFL);
}
END_TEST

static aio_outcome interrupt_a_busy_main(void *arg)
{
    (void)arg;
    raise(SIGINT);
    for (;;)   /* never sleeps: the loop must still see the Ctrl-C */
        if (aio_yield() != AIO_OK) return aio_propagate(AIO_CANCELLED);
}

START_TEST(a_sigint_reaches_a_main_that_never_sleeps)
{
    signal(SIGINT, SIG_DFL);
    aio_outcome outcome;
    ck_assert_int_eq(aio_run(interrupt_a_busy_main, NULL, NULL, &outcome), AIO_CANCELLED);
    ck_assert_int_eq(outcome.error, EINTR);
}
END_TEST

static volatile sig_atomic_t own_handler_calls;
static void own_handler(int sig) { (void)sig; own_handler_calls++; }

static aio_outcome raise_and_sleep(void *arg)
{
    (void)arg;
    raise(SIGINT);
    return aio_propagate(aio_sleep(AIO_MSEC(5)));
}

START_TEST(a_handler_of_the_program_is_left_alone)
{
    struct sigaction action = {.sa_handler = own_handler}, now;
    sigemptyset(&action.sa_mask);
    ck_assert_int_eq(sigaction(SIGINT, &action, NULL), 0);
    ck_assert_int_eq(aio_run(raise_and_sleep, NULL, NULL, NULL), AIO_OK);
    ck_assert_int_eq(own_handler_calls, 1);
    ck_assert_int_eq(sigaction(SIGINT, NULL, &now), 0);
    ck_assert(now.sa_handler == own_handler);
    signal(SIGINT, SIG_DFL);
}
END_TEST

START_TEST(exit_statuses)
{
    aio_outcome ok = aio_value(1), error = {.status = AIO_ERROR, .error = EINTR},
                cancelled = {.status = AIO_CANCELLED},
                interrupted = {.status = AIO_CANCELLED, .error = EINTR};
    ck_assert_int_eq(aio_exit_status(AIO_OK, &ok), 0);
    ck_assert_int_eq(aio_exit_status(AIO_ERROR, &error), 1);
    ck_assert_int_eq(aio_exit_status(AIO_CANCELLED, &cancelled), 1);
    ck_assert_int_eq(aio_exit_status(AIO_TIMEOUT, NULL), 1);
    ck_assert_int_eq(aio_exit_status(AIO_CANCELLED, &interrupted), 130);
}
END_TEST

/* ---- Ctrl-C sent from outside to a child process running aio_run ---- */

static int report_fd;

static void report(const char *line)
{
    ck_assert_int_eq(write(report_fd, line, strlen(line)), (ssize_t)strlen(line));
}

/* main for the child: waits, and on CANCELLED cleans up as `cleanup` says. */
static aio_outcome child_main(void *cleanup)
{
    report("waiting\n");
    aio_status status = aio_sleep(AIO_SEC(10));
    if (status != AIO_CANCELLED) return aio_value(1);
    report("cancelled\n");
    if (strcmp(cleanup, "swallow") == 0) {
        aio_uncancel(aio_current_task());
        report("swallowed\n");
        return aio_value(7);
    }
    if (strcmp(cleanup, "slow") == 0) {
        report("waiting\n");   /* ask for a second Ctrl-C */
        if (aio_sleep(AIO_SEC(10)) != AIO_OK) report("slow cleanup cancelled?\n");
    }
    report("cleanup done\n");
    return aio_propagate(status);
}

/* Run child_main(cleanup) in a child; send SIGINT each time it reports
   "waiting"; return its wait status and what it reported. */
static int run_child(const char *cleanup, char *output, size_t size)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fflush(NULL);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        close(fds[0]);
        report_fd = fds[1];
        signal(SIGINT, SIG_DFL);   /* as a program started from a terminal has it */
        aio_outcome outcome;
        aio_status status = aio_run(child_main, (void *)cleanup, NULL, &outcome);
        _exit(aio_exit_status(status, &outcome));
    }
    close(fds[1]);
    size_t have = 0;
    int answered = 0;
    ssize_t got;
    output[0] = '\0';
    while (have + 1 < size && (got = read(fds[0], output + have, size - 1 - have)) > 0) {
        have += (size_t)got;
        output[have] = '\0';
        int waiting = 0;
        for (const char *w = output; (w = strstr(w, "waiting\n")); w++) waiting++;
        for (; answered < waiting; answered++) ck_assert_int_eq(kill(child, SIGINT), 0);
    }
    close(fds[0]);
    int status;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    return status;
}

START_TEST(a_child_interrupted_by_sigint_cleans_up_and_exits_130)
{
    char output[256];
    int status = run_child("propagate", output, sizeof output);
    ck_assert_str_eq(output, "waiting\ncancelled\ncleanup done\n");
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 130);
}
END_TEST

START_TEST(a_child_whose_main_swallows_sigint_exits_0)
{
    char output[256];
    int status = run_child("swallow", output, sizeof output);
    ck_assert_str_eq(output, "waiting\ncancelled\nswallowed\n");
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(a_second_sigint_ends_the_child_at_once)
{
    char output[256];
    int status = run_child("slow", output, sizeof output);
    /* the cleanup never reported "cleanup done": the second Ctrl-C ended it at once */
    ck_assert_str_eq(output, "waiting\ncancelled\nwaiting\n");
    ck_assert(WIFSIGNALED(status));
    ck_assert_int_eq(WTERMSIG(status), SIGINT);
}
END_TEST

static Suite *threads_suite(void)
{
    Suite *s = suite_create("chapter 9: threads and signals");
    /* Ctrl-C first: its children are forked before any worker thread ever existed. */
    TCase *c = tcase_create("ctrl-c");
    tcase_set_timeout(c, 30);
    tcase_add_test(c, a_sigint_cancels_main_and_aio_run_reports_it);
    tcase_add_test(c, a_sigint_reaches_a_main_that_never_sleeps);
    tcase_add_test(c, a_handler_of_the_program_is_left_alone);
    tcase_add_test(c, exit_statuses);
    tcase_add_test(c, a_child_interrupted_by_sigint_cleans_up_and_exits_130);
    tcase_add_test(c, a_child_whose_main_swallows_sigint_exits_0);
    tcase_add_test(c, a_second_sigint_ends_the_child_at_once);
    suite_add_tcase(s, c);
    TCase *t = tcase_create("threads");
    tcase_set_timeout(t, 30);
    tcase_add_test(t, to_thread_returns_the_functions_value);
    tcase_add_test(t, other_tasks_run_while_a_thread_blocks);
    tcase_add_test(t, a_ticker_keeps_ticking_while_a_thread_sleeps);
    tcase_add_test(t, several_jobs_run_at_once);
    tcase_add_test(t, jobs_beyond_the_pool_wait_their_turn);
    tcase_add_test(t, cancelling_the_waiter_returns_at_once_and_drops_the_late_result);
    tcase_add_test(t, aio_run_waits_for_a_job_still_running_when_main_returns);
    tcase_add_test(t, calls_from_a_worker_thread_are_refused);
    tcase_add_test(t, a_worker_thread_cannot_set_an_event_or_release_a_semaphore);
    tcase_add_test(t, call_soon_threadsafe_reaches_the_loop_from_a_worker);
    tcase_add_test(t, aio_run_says_which_thread_job_still_runs_after_a_grace_period);
    suite_add_tcase(s, t);
    return s;
}

TEST_MAIN(threads_suite)
