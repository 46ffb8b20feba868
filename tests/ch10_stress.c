/* ch10_stress.c: a seeded randomized stress test on the virtual clock.

   Thousands of workers of seven kinds (sleep, semaphore, queue put, wait_for,
   shield, task group, a group whose body fails) are spawned over time; main
   cancels some of them at random moments. A ledger records, for every worker, its
   plan, whether a cancellation reached it (aio_cancel returned true), whether its
   function ran and returned, and what it returned. When main awaits it, the
   outcome must match the ledger and the plan: each worker accounted for exactly
   once, with the status its plan and its cancellation call for (and, when nothing
   disturbed it, at the exact virtual time). Every item put in the queue is taken
   exactly once; the semaphore never has more holders than permits.

   `make check` runs a few fixed seeds; `make stress SEEDS="1 2 3" TASKS=100000`
   runs long ones. Run by hand: ch10_stress --seed S --tasks N [--window W]. */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"
#include "aio.h"
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const aio_loop_options virtual = {.virtual_clock = true};
static aio_time now(void) { return aio_now(aio_running_loop()); }

/* ---- the random plan ---- */

static uint64_t rng_state;
static uint64_t next_random(void)   /* xorshift64*: small, fast, the same everywhere */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}
static int below(int n) { return (int)(next_random() % (uint64_t)n); }

enum kind { SLEEP, SEMAPHORE, PUT, WAIT_FOR, SHIELD, GROUP, FAILING_BODY, KINDS };
static const char *const kind_names[KINDS] = {"sleep", "semaphore", "put", "wait_for",
                                              "shield", "group", "failing body"};

struct worker {
    int index;
    enum kind kind;
    int ms;              /* the worker's sleep; the inner task's, for wait_for and shield */
    int timeout_ms;      /* wait_for's (odd: never ties with an even sleep) */
    int children;        /* group: 1..3 children sleeping child_ms[i] (even) ... */
    int child_ms[3];
    int failing_child;   /* ... except this one, failing at child_ms (1 mod 4); -1: none */
    int body_ms;         /* the body's own sleep (even), or its failure time (3 mod 4) */
    aio_task *task;
    aio_time started;
    bool cancelled;      /* an aio_cancel on it returned true */
    char first_message[32];
    int runs, returns;
    aio_status returned;
    aio_time returned_at;
    bool put_done;
    int taken;           /* times the queue handed out this worker's item */
    size_t group_failures;
};

static struct {
    uint64_t seed;
    int tasks, window;
    const char *program;
    struct worker *workers;
    aio_semaphore *semaphore;
    int holders, max_holders;
    aio_queue *queue;
    long inner_runs, inner_returns;
    char failure[512];
} run;

enum { PERMITS = 3, CONSUMERS = 3, QUEUE_CAPACITY = 4 };

static void inconsistent(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void inconsistent(const char *format, ...)
{
    if (run.failure[0]) return;   /* the first inconsistency is the one to report */
    va_list args;
    va_start(args, format);
    vsnprintf(run.failure, sizeof run.failure, format, args);
    va_end(args);
}

static struct worker plan_worker(int index)
{
    struct worker w = {.index = index, .kind = (enum kind)below(KINDS), .failing_child = -1};
    w.ms = 2 * below(11);                       /* 0..20 ms, even */
    w.timeout_ms = below(4) == 0 ? 0 : 2 * below(11) + 1;
    if (w.kind == GROUP || w.kind == FAILING_BODY) {
        w.children = 1 + below(3);
        for (int i = 0; i < w.children; i++) w.child_ms[i] = 2 * below(11);
        if (below(2) == 0) {
            w.failing_child = below(w.children);
            w.child_ms[w.failing_child] = 4 * below(6) + 1;
        }
        w.body_ms = w.kind == FAILING_BODY ? 4 * below(6) + 3 : 2 * below(11);
    }
    return w;
}

/* ---- the tasks ---- */

static aio_outcome inner_sleep(void *arg)   /* wait_for's and shield's task */
{
    run.inner_runs++;
    intptr_t ms = (intptr_t)arg;
    aio_status status = aio_sleep(AIO_MSEC(ms));
    run.inner_returns++;
    return status == AIO_OK ? aio_value(ms) : aio_propagate(status);
}

static aio_outcome group_child(void *arg)   /* arg: ms * 2 + fails */
{
    run.inner_runs++;
    intptr_t code = (intptr_t)arg;
    aio_status status = aio_sleep(AIO_MSEC(code / 2));
    run.inner_returns++;
    if (status != AIO_OK) return aio_propagate(status);
    return code % 2 ? aio_error(EIO, "child failed") : aio_value(code / 2);
}

static aio_status do_semaphore(struct worker *w)
{
    aio_status status = aio_semaphore_acquire(run.semaphore);
    if (status != AIO_OK) return status;
    if (++run.holders > run.max_holders) run.max_holders = run.holders;
    if (run.holders > PERMITS) inconsistent("worker %d: %d holders of %d permits", w->index,
                                    run.holders, PERMITS);
    status = aio_sleep(AIO_MSEC(w->ms));
    run.holders--;
    if (aio_semaphore_release(run.semaphore) != 0) inconsistent("worker %d: release failed", w->index);
    return status;
}

static aio_status do_wait_for(struct worker *w)
{
    aio_task *inner = aio_spawn("inner", inner_sleep, (void *)(intptr_t)w->ms);
    aio_outcome out;
    aio_status status = aio_wait_for(inner, AIO_MSEC(w->timeout_ms), &out);
    if (!aio_task_done(inner)) inconsistent("worker %d: wait_for left its task running", w->index);
    if (status == AIO_OK && out.value != w->ms) inconsistent("worker %d: wait_for's value", w->index);
    if (status == AIO_TIMEOUT && w->ms < w->timeout_ms)
        inconsistent("worker %d: TIMEOUT after %d ms of %d", w->index, w->ms, w->timeout_ms);
    if (status == AIO_OK && w->ms > w->timeout_ms)
        inconsistent("worker %d: OK after %d ms of %d", w->index, w->ms, w->timeout_ms);
    aio_release(inner);
    return status;
}

static aio_status do_shield(struct worker *w)
{
    aio_task *inner = aio_spawn("inner", inner_sleep, (void *)(intptr_t)w->ms);
    aio_status status = aio_shield(inner, NULL);
    while (!aio_task_done(inner))   /* cancelled: the work goes on, and is waited for */
        if (aio_shield(inner, NULL)) {}
    aio_outcome out;
    if (aio_await(inner, &out) != AIO_OK || out.value != w->ms)
        inconsistent("worker %d: the shielded task did not end OK with its value", w->index);
    if (aio_cancelling(inner) != 0) inconsistent("worker %d: the shield let a cancellation in", w->index);
    aio_release(inner);
    return status;
}

static aio_status do_group(struct worker *w)
{
    aio_group *group = aio_group_new();
    aio_task *children[3];
    for (int i = 0; i < w->children; i++) {
        intptr_t code = 2 * (intptr_t)w->child_ms[i] + (i == w->failing_child);
        children[i] = aio_group_spawn(group, "child", group_child, (void *)code);
    }
    aio_status body = aio_sleep(AIO_MSEC(w->body_ms));
    if (w->kind == FAILING_BODY && body == AIO_OK) body = AIO_ERROR;   /* the body fails */
    aio_status status = aio_group_wait(group, body);
    const aio_outcome *failures;
    w->group_failures = aio_group_failures(group, &failures);
    for (int i = 0; i < w->children; i++)
        if (!aio_task_done(children[i])) inconsistent("worker %d: a child outlived its group", w->index);
    if (w->group_failures > 1 || (w->group_failures == 1 && w->failing_child < 0))
        inconsistent("worker %d: %zu failures from %s failing child", w->index, w->group_failures,
             w->failing_child < 0 ? "no" : "one");
    aio_group_free(group);
    return status;
}

static aio_outcome worker_main(void *arg)
{
    struct worker *w = arg;
    w->runs++;
    aio_status status = AIO_OK;
    switch (w->kind) {
    case SLEEP: status = aio_sleep(AIO_MSEC(w->ms)); break;
    case SEMAPHORE: status = do_semaphore(w); break;
    case PUT:
        status = aio_queue_put(run.queue, w->index);
        w->put_done = status == AIO_OK;
        break;
    case WAIT_FOR: status = do_wait_for(w); break;
    case SHIELD: status = do_shield(w); break;
    case GROUP: case FAILING_BODY: status = do_group(w); break;
    case KINDS: break;
    }
    w->returns++;
    w->returned = status;
    w->returned_at = now();
    if (status == AIO_OK) return aio_value(w->index);
    if (status == AIO_ERROR) return aio_error(EIO, "worker %d failed", w->index);
    return aio_propagate(status);
}

static aio_outcome consumer(void *arg)
{
    (void)arg;
    for (;;) {
        intptr_t item;
        aio_status status = aio_queue_get(run.queue, &item);
        if (status != AIO_OK) return aio_propagate(status);
        run.workers[item].taken++;
        if (aio_sleep(AIO_MSEC(below(3))) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    }
}

/* ---- checking one worker against the ledger ---- */

static aio_status natural_status(const struct worker *w)
{
    switch (w->kind) {
    case WAIT_FOR: return w->ms < w->timeout_ms ? AIO_OK : AIO_TIMEOUT;
    case GROUP: return w->failing_child >= 0 ? AIO_ERROR : AIO_OK;
    case FAILING_BODY: return AIO_ERROR;
    default: return AIO_OK;
    }
}

static void settle(struct worker *w)
{
    aio_outcome out;
    aio_status status = aio_await(w->task, &out);
    char message[64];   /* the outcome's message lives as long as the task */
    snprintf(message, sizeof message, "%s", out.message ? out.message : "(none)");
    aio_release(w->task);
    w->task = NULL;
    int i = w->index;
    const char *kind = kind_names[w->kind];
    if (status != out.status) inconsistent("worker %d (%s): await said %d, outcome %d", i, kind, status,
                                   out.status);
    if (w->runs > 1 || w->returns != w->runs)
        inconsistent("worker %d (%s): ran %d times, returned %d times", i, kind, w->runs, w->returns);
    if (w->runs == 0 && (!w->cancelled || status != AIO_CANCELLED))
        inconsistent("worker %d (%s): never ran, yet not cancelled", i, kind);
    if (w->runs == 1 && w->returned != status)
        inconsistent("worker %d (%s): returned %d, awaited %d", i, kind, w->returned, status);
    if (w->cancelled) {
        bool group_error = (w->kind == GROUP || w->kind == FAILING_BODY) && status == AIO_ERROR;
        if (status != AIO_CANCELLED && !group_error)
            inconsistent("worker %d (%s): cancelled, ended with status %d", i, kind, status);
        if (status == AIO_CANCELLED && w->kind != WAIT_FOR &&
            strcmp(message, w->first_message) != 0)
            inconsistent("worker %d (%s): cancel message '%s', not '%s'", i, kind, message,
                         w->first_message);
        return;
    }
    if (status != natural_status(w))
        inconsistent("worker %d (%s): status %d, expected %d", i, kind, status, natural_status(w));
    aio_time expected_end = -1;
    if (w->kind == SLEEP) expected_end = w->started + AIO_MSEC(w->ms);
    if (w->kind == WAIT_FOR)
        expected_end = w->started + AIO_MSEC(w->ms < w->timeout_ms ? w->ms : w->timeout_ms);
    if (w->kind == SHIELD) expected_end = w->started + AIO_MSEC(w->ms);
    if (w->kind == FAILING_BODY && (w->failing_child < 0 || w->body_ms < w->child_ms[w->failing_child]))
        expected_end = w->started + AIO_MSEC(w->body_ms);   /* the children cancelled at once */
    if (expected_end >= 0 && w->returned_at != expected_end)
        inconsistent("worker %d (%s): ended at %" PRId64 " ns, expected %" PRId64, i, kind,
             w->returned_at, expected_end);
    if (w->kind == GROUP && status == AIO_ERROR && w->group_failures != 1)
        inconsistent("worker %d (group): %zu failures, expected 1", i, w->group_failures);
}

/* ---- main: spawn, disturb, settle ---- */

static void cancel_one(int live_first, int live_end)
{
    struct worker *w = &run.workers[live_first + below(live_end - live_first)];
    if (!w->task) return;
    char message[32];   /* a local buffer: the task must keep a copy */
    snprintf(message, sizeof message, "cancel %d at %" PRId64, w->index, now() / 1000000);
    if (aio_cancel(w->task, message) && !w->cancelled) {
        w->cancelled = true;
        memcpy(w->first_message, message, sizeof message);
    }
    memset(message, '?', sizeof message - 1);
}

static aio_outcome stress_main(void *arg)
{
    (void)arg;
    aio_task *consumers[CONSUMERS];
    for (int i = 0; i < CONSUMERS; i++) consumers[i] = aio_spawn("consumer", consumer, NULL);
    int settled = 0;
    for (int i = 0; i < run.tasks && !run.failure[0]; i++) {
        struct worker *w = &run.workers[i];
        *w = plan_worker(i);
        w->started = now();
        w->task = aio_spawn(kind_names[w->kind], worker_main, w);
        if (!w->task) return aio_error(ENOMEM, "spawn failed");
        int action = below(100);
        if (action < 10) cancel_one(i + 1 - settled > 16 ? i + 1 - 16 : settled, i + 1);
        else if (action < 40 && aio_sleep(AIO_MSEC(below(4))) != AIO_OK) inconsistent("main's sleep");
        while (i + 1 - settled > run.window) settle(&run.workers[settled++]);
    }
    while (settled < run.tasks && run.workers[settled].task) settle(&run.workers[settled++]);
    for (int i = 0; i < CONSUMERS; i++) {
        aio_cancel(consumers[i], "done");
        if (aio_await(consumers[i], NULL) != AIO_CANCELLED) inconsistent("a consumer did not stop");
        aio_release(consumers[i]);
    }
    intptr_t item;
    while (aio_queue_try_get(run.queue, &item) == 0) run.workers[item].taken++;
    return aio_value(settled);
}

/* One seed: 0 if everything is consistent; otherwise the failure is printed with
   the command that reproduces it. */
static int stress(uint64_t seed, int tasks, int window)
{
    memset(&run.failure, 0, sizeof run.failure);
    run.seed = seed;
    run.tasks = tasks;
    run.window = window;
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    run.workers = calloc((size_t)tasks, sizeof *run.workers);
    run.semaphore = aio_semaphore_new(PERMITS);
    run.queue = aio_queue_new(QUEUE_CAPACITY);
    run.holders = run.max_holders = 0;
    run.inner_runs = run.inner_returns = 0;
    aio_outcome out;
    aio_status status = aio_run(stress_main, NULL, &virtual, &out);
    if (status != AIO_OK) inconsistent("aio_run: status %d: %s", status, out.message ? out.message : "");
    else if (out.value != tasks) inconsistent("only %ld of %d workers settled", (long)out.value, tasks);
    int counts[KINDS] = {0}, cancelled = 0;
    for (int i = 0; i < tasks && !run.failure[0] && status == AIO_OK; i++) {
        struct worker *w = &run.workers[i];
        counts[w->kind]++;
        cancelled += w->cancelled;
        if (w->kind == PUT && w->taken != (w->put_done ? 1 : 0))
            inconsistent("worker %d (put): put %s, taken %d times", i, w->put_done ? "done" : "not done",
                 w->taken);
        if (w->kind != PUT && w->taken) inconsistent("worker %d: an item it never put was taken", i);
    }
    if (run.inner_runs != run.inner_returns)
        inconsistent("%ld inner tasks ran, %ld returned", run.inner_runs, run.inner_returns);
    if (run.holders != 0) inconsistent("%d semaphore holders at the end", run.holders);
    if (aio_queue_size(run.queue) != 0) inconsistent("items left in the queue");
    aio_queue_free(run.queue);
    aio_semaphore_free(run.semaphore);
    free(run.workers);
    if (run.failure[0]) {
        fprintf(stderr, "stress: seed %" PRIu64 ", %d tasks: %s\n"
                "stress: reproduce with: %s --seed %" PRIu64 " --tasks %d --window %d\n",
                seed, tasks, run.failure, run.program, seed, tasks, window);
        return 1;
    }
    printf("stress: seed %" PRIu64 ": %d workers (", seed, tasks);
    for (int k = 0; k < KINDS; k++) printf("%s%d %s", k ? ", " : "", counts[k], kind_names[k]);
    printf("), %d cancelled, %ld inner tasks, at most %d of %d permits held: consistent\n",
           cancelled, run.inner_runs, run.max_holders, PERMITS);
    return 0;
}

/* ---- make check: a few fixed seeds ---- */

enum { CHECK_TASKS = 2000, CHECK_WINDOW = 200 };

START_TEST(random_workloads_are_accounted_for_exactly)
{
    static const uint64_t seeds[] = {1, 2, 3, 20261130};
    uint64_t seed = seeds[_i];
    ck_assert_msg(stress(seed, CHECK_TASKS, CHECK_WINDOW) == 0, "seed %" PRIu64 ": %s", seed,
                  run.failure);
}
END_TEST

static Suite *stress_suite(void)
{
    Suite *s = suite_create("chapter 10: seeded stress");
    TCase *t = tcase_create("stress");
    tcase_set_timeout(t, 300);
    tcase_add_loop_test(t, random_workloads_are_accounted_for_exactly, 0, 4);
    suite_add_tcase(s, t);
    return s;
}

int main(int argc, char **argv)
{
    run.program = argv[0];
    if (argc == 1) {
        SRunner *runner = srunner_create(stress_suite());
        srunner_run_all(runner, CK_NORMAL);
        int failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
    }
    uint64_t seed = 1;
    int tasks = CHECK_TASKS, window = CHECK_WINDOW;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--seed") == 0) seed = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--tasks") == 0) tasks = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--window") == 0) window = atoi(argv[i + 1]);
        else break;
    }
    if (argc % 2 == 0 || tasks < 1 || window < 1) {
        fprintf(stderr, "usage: %s [--seed S] [--tasks N] [--window W]\n", argv[0]);
        return 2;
    }
    return stress(seed, tasks, window) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
