/* task.c: tasks: spawn, step, suspend, wake, await, cancel, sleep, run. */
#define _GNU_SOURCE
#include "task.h"
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static _Thread_local aio_loop *running_loop;

static void step(void *arg);
static void task_body(void *arg);
static void finish(aio_task *task, aio_outcome outcome);
static void retire(aio_task *task);
static void release_reference(aio_task *task);
static void out_of_memory(const char *doing);
static void stack_overflowed(aio_task *task);
static void write_all(const char *text, size_t length)
{
    while (length > 0) {
        ssize_t written = write(STDERR_FILENO, text, length);
        if (written <= 0) return;
        text += written;
        length -= (size_t)written;
    }
}

static void stack_overflowed(aio_task *task)
{
    fprintf(stderr, "aio: stack overflow in task '%s' (stack of %zu bytes)\n",
            task->name, task->loop->stacks->stack_size);
    abort();
}

static void on_segv(int sig, siginfo_t *info, void *context)
{
    (void)context;
    aio_loop *loop = running_loop;
    aio_task *task = loop ? loop->current : NULL;
    char *address = info->si_addr;
    if (task && task->stack && address >= (char *)task->stack &&
        address < (char *)task->stack + STACK_GUARD_SIZE) {
        static const char head[] = "aio: stack overflow in task '";
        write_all(head, sizeof head - 1);
        write_all(task->name, strlen(task->name));
        write_all("'\n", 2);
    }
    signal(sig, SIG_DFL);   /* returning re-runs the access: the default action ends it */
}
static void install_overflow_handler(void)
{
#if defined(__SANITIZE_ADDRESS__)
    (void)on_segv;   /* AddressSanitizer handles SIGSEGV itself */
#else
    static _Thread_local void *alternate_stack;
    if (!alternate_stack && (alternate_stack = malloc(64 * 1024))) {
        stack_t ss = {.ss_sp = alternate_stack, .ss_size = 64 * 1024};
        sigaltstack(&ss, NULL);
    }
    struct sigaction action = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_ONSTACK};
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, NULL);
#endif
}
static bool start(aio_task *task)
{
    if (task->cancel_requested) {
        finish(task, (aio_outcome){.status = AIO_CANCELLED, .message = task->cancel_message});
        retire(task);
        return false;
    }
    task->stack = stack_get(task->loop->stacks);
    if (!task->stack) {
        finish(task, aio_error(ENOMEM, "no memory for the stack of task '%s'", task->name));
        retire(task);
        return false;
    }
    coro_init(&task->context, task->stack, task->loop->stacks->stack_size, task_body, task);
    return true;
}
static void step(void *arg)
{
    aio_task *task = arg;
    aio_loop *loop = task->loop;
    if (task->state == TASK_CREATED && !start(task)) return;
    task->state = TASK_RUNNING;
    loop->current = task;
    if (INSIDE(loop)) inside_step_begins(loop, loop->current);
    if (loop->ready.count > 0 && loop->ready.items[loop->ready.head].fn == step) {
        aio_task *after = loop->ready.items[loop->ready.head].arg;
        if (after->state == TASK_READY) __builtin_prefetch(coro_saved_frames(&after->context), 1);
    }
    coro_leaving(&loop->scheduler, &task->context, 0);
    coro_switch(&loop->scheduler, &task->context);
    coro_arrived(&loop->scheduler, NULL, NULL);
    task = loop->current;   /* the task that came back: see "handing over" */
    loop->current = NULL;
    if (task->stack && !stack_intact(loop->stacks, task->stack)) stack_overflowed(task);
    if (task->state == TASK_DONE) retire(task);
}
static void task_body(void *arg)
{
    aio_task *task = arg;
    aio_loop *loop = task->loop;
    coro_arrived(NULL, &loop->scheduler.stack_bottom, &loop->scheduler.stack_size);
    finish(task, task->fn(task->arg));
    coro_leaving(&task->context, &loop->scheduler, 1);
    coro_switch(&task->context, &loop->scheduler);
}

static void finish(aio_task *task, aio_outcome outcome)
{
    if (outcome.status == AIO_CANCELLED && !outcome.message) outcome.message = task->cancel_message;
    if (outcome.message && outcome.message != task->message) {
        /* the message may live in another task, which may be freed first */
        char *copy = strdup(outcome.message);
        free(task->message);
        task->message = copy;
        outcome.message = copy ? copy : "(no memory for the message)";
    }
    task->outcome = outcome;
    task->state = TASK_DONE;
    if (INSIDE(task->loop)) inside_ended(task, outcome.status);
}
static void retire(aio_task *task)
{
    aio_loop *loop = task->loop;
    if (task->stack) stack_put(loop->stacks, task->stack);
    task->stack = NULL;
    struct done_watcher *watcher = task->watchers;
    task->watchers = NULL;
    task->watchers_tail = &task->watchers;
    while (watcher) {
        struct done_watcher *next = watcher->next;
        watcher->notify(watcher, task);
        watcher = next;
    }
    if (task == loop->main_task) aio_loop_stop(loop);
    release_reference(task);
}
void task_begin_wait(aio_task *task, void (*abort_wait)(aio_task *))
{
    task->state = TASK_SUSPENDED;
    task->abort_wait = abort_wait;
    if (INSIDE(task->loop)) inside_wait_begins(task, abort_wait);
}

aio_status task_switch_out(aio_task *task)
{
    aio_loop *loop = task->loop;
    struct coro *next = &loop->scheduler;
    if (loop->turn_left > 0 && loop->ready.items[loop->ready.head].fn == step) {
        aio_task *successor = loop->ready.items[loop->ready.head].arg;
        if (successor->state == TASK_READY) {
            if (!stack_intact(loop->stacks, task->stack)) stack_overflowed(task);
            loop->turn_left--;
            (void)ready_pop(&loop->ready);
            successor->state = TASK_RUNNING;
            loop->current = successor;
            if (INSIDE(loop)) inside_step_begins(loop, loop->current);
            next = &successor->context;
        }
    }
    coro_leaving(&task->context, next, 0);
    coro_switch(&task->context, next);
    coro_arrived(&task->context, NULL, NULL);
    task->abort_wait = NULL;
    return task->wake_status;
}

void task_wake(aio_task *task, aio_status status)
{
    if (task->state != TASK_SUSPENDED) return;
    task->state = TASK_READY;
    task->wake_status = status;
    if (INSIDE(task->loop)) inside_woken(task, status);
    if (!ready_push(&task->loop->ready, step, task)) out_of_memory("waking a task");
}
aio_status aio_yield(void)
{
    aio_task *self = current_task_or_complain("aio_yield");
    if (!self) return AIO_ERROR;
    if (task_take_cancel(self)) return AIO_CANCELLED;
    task_begin_wait(self, NULL);
    task_wake(self, AIO_OK);
    return task_switch_out(self);
}
static void sleep_over(void *arg) { task_wake(arg, AIO_OK); }

static void abort_sleep(aio_task *task)
{
    aio_timer_cancel_internal(task->loop, &task->timer);
    task_wake(task, AIO_CANCELLED);
}

aio_status aio_sleep(aio_time delay)
{
    aio_task *self = current_task_or_complain("aio_sleep");
    if (!self) return AIO_ERROR;
    if (delay <= 0) return aio_yield();
    if (task_take_cancel(self)) return AIO_CANCELLED;
    self->timer = (struct aio_timer){.deadline = aio_now(self->loop) + delay,
                                     .fn = sleep_over, .arg = self};
    if (!timer_heap_add(&self->loop->timers, &self->timer)) return AIO_ERROR;
    task_begin_wait(self, abort_sleep);
    return task_switch_out(self);
}
void task_watch(aio_task *task, struct done_watcher *watcher)
{
    watcher->next = NULL;
    *task->watchers_tail = watcher;
    task->watchers_tail = &watcher->next;
}
static void awaited_task_ended(struct done_watcher *watcher, aio_task *finished)
{
    aio_task *awaiter = (aio_task *)((char *)watcher - offsetof(aio_task, awaiting));
    task_wake(awaiter, finished->outcome.status);
}

static void abort_await(aio_task *task)
{
    aio_cancel(task->awaited, task->cancel_message);
}

aio_status task_await(aio_task *self, aio_task *task, void (*abort_wait)(aio_task *),
                      aio_outcome *outcome)
{
    if (task->state != TASK_DONE) {
        if (task_take_cancel(self)) {
            if (outcome) *outcome = aio_propagate(AIO_CANCELLED);
            return AIO_CANCELLED;
        }
        self->awaited = task;
        self->awaiting = (struct done_watcher){.notify = awaited_task_ended};
        task_watch(task, &self->awaiting);
        task_begin_wait(self, abort_wait);
        aio_status status = task_switch_out(self);
        self->awaited = NULL;
        if (status == AIO_CANCELLED && task->outcome.status != AIO_CANCELLED) {
            if (outcome) *outcome = aio_propagate(AIO_CANCELLED);
            return AIO_CANCELLED;   /* cancelled after the task ended, or stopped waiting */
        }
    }
    const aio_outcome *result = task_read_outcome(task);
    if (outcome) *outcome = *result;
    return result->status;
}

aio_status aio_await(aio_task *task, aio_outcome *outcome)
{
    aio_task *self = current_task_or_complain("aio_await");
    if (!self || task == self) return AIO_ERROR;
    return task_await(self, task, abort_await, outcome);
}
bool aio_cancel(aio_task *task, const char *message)
{
    if (!in_loop_thread(task->loop, "aio_cancel")) return false;
    if (task->state == TASK_DONE) return false;
    task->cancel_message = message;
    if (INSIDE(task->loop)) inside_cancel_asked(task, message);
    task->cancel_requests++;
    if (task->state == TASK_SUSPENDED && task->abort_wait) {
        void (*abort_wait)(aio_task *) = task->abort_wait;
        task->abort_wait = NULL;   /* once per wait, even around a cycle of awaits */
        abort_wait(task);
    } else if (task->state == TASK_READY) {
        task->wake_status = AIO_CANCELLED;   /* the wait it is waking from fails */
    } else {
        task->cancel_requested = true;
    }
    return true;
}

bool task_take_cancel(aio_task *task)
{
    if (!task->cancel_requested) return false;
    task->cancel_requested = false;
    return true;
}
static void copy_name(char *to, const char *from, size_t size)
{
    size_t n = 0;
    while (n + 1 < size && from[n]) to[n] = from[n], n++;   /* cheaper than snprintf */
    to[n] = '\0';
}

aio_task *(aio_spawn)(const char *name, aio_task_fn *fn, void *arg)
{
    aio_loop *loop = running_loop;
    if (!loop) {
        fprintf(stderr, "aio_spawn: no loop is running in this thread (call it inside aio_run)\n");
        return NULL;
    }
    aio_task *task = loop->spare_tasks;
    if (task) loop->spare_tasks = task->next;
    else if (!(task = malloc(sizeof *task))) return NULL;
    *task = (aio_task){.loop = loop, .fn = fn, .arg = arg, .references = 2,
                       .state = TASK_CREATED, .next = loop->all_tasks};
    task->watchers_tail = &task->watchers;
    if (loop->all_tasks) loop->all_tasks->previous = task;
    loop->all_tasks = task;
    copy_name(task->name, name ? name : "task", sizeof task->name);
    if (INSIDE(loop)) inside_created(loop, task);
    if (!ready_push(&loop->ready, step, task)) out_of_memory("creating a task");
    return task;
}
static void warn_if_failure_unread(const aio_task *task)
{
    if (task->state != TASK_DONE || task->outcome.status != AIO_ERROR || task->outcome_read) return;
    fprintf(stderr, "aio: task '%s' failed and nobody read its outcome: error %d: %s\n",
            task->name, task->outcome.error,
            task->outcome.message ? task->outcome.message : "(no message)");
}
static void release_reference(aio_task *task)
{
    if (--task->references > 0) return;
    warn_if_failure_unread(task);
    aio_loop *loop = task->loop;
    if (task->previous) task->previous->next = task->next;
    else loop->all_tasks = task->next;
    if (task->next) task->next->previous = task->previous;
    free(task->message);
    task->next = loop->spare_tasks;
    loop->spare_tasks = task;
}

void aio_release(aio_task *task)
{
    if (task) release_reference(task);
}
void free_every_task(aio_loop *loop)
{
    while (loop->all_tasks) {
        aio_task *task = loop->all_tasks;
        loop->all_tasks = task->next;
        warn_if_failure_unread(task);
        free(task->message);
        free(task);
    }
    while (loop->spare_tasks) {
        aio_task *task = loop->spare_tasks;
        loop->spare_tasks = task->next;
        free(task);
    }
}
static aio_outcome loop_failed(int err)
{
    static _Thread_local char text[128];
    snprintf(text, sizeof text, "the loop failed: %s", strerror(err));
    return (aio_outcome){.status = AIO_ERROR, .error = err, .message = text};
}

static void cancel_the_rest(aio_loop *loop)
{
    for (aio_task *task = loop->all_tasks; task; task = task->next)
        aio_cancel(task, "aio_run is ending");
    if (aio_loop_run(loop) != 0) fprintf(stderr, "aio_run: the loop failed while cleaning up\n");
    for (aio_task *task = loop->all_tasks; task; task = task->next)
        if (task->state != TASK_DONE)
            fprintf(stderr, "aio_run: task '%s' never finished\n", task->name);
}
aio_status aio_run(aio_task_fn *main, void *arg, const aio_loop_options *options,
                   aio_outcome *outcome)
{
    static _Thread_local char message[256];
    aio_outcome result;
    if (running_loop) {
        result = (aio_outcome){.status = AIO_ERROR, .error = EBUSY,
                               .message = "aio_run: a loop is already running in this thread"};
    } else {
        aio_loop *loop = aio_loop_new(options);
        if (!loop) return (outcome ? *outcome = aio_propagate(AIO_ERROR) : (aio_outcome){0}).status;
        running_loop = loop;
        install_overflow_handler();
        loop->main_task = aio_spawn("main", main, arg);
        catch_sigint(loop);
        int err = aio_loop_run(loop);
        aio_task *main_task = loop->main_task;
        if (err) result = loop_failed(err);
        else if (main_task->state != TASK_DONE)
            result = (aio_outcome){.status = AIO_ERROR, .error = EDEADLK,
                                   .message = "aio_run: main is waiting and nothing can wake it"};
        else result = *task_read_outcome(main_task);
        result = stop_catching_sigint(loop, main_task, result);
        if (INSIDE(loop)) inside_main_ended(loop);
        snprintf(message, sizeof message, "%s", result.message ? result.message : "");
        if (result.message) result.message = message;
        cancel_the_rest(loop);
        running_loop = NULL;
        aio_loop_free(loop);
    }
    if (result.message && result.message != message) {
        snprintf(message, sizeof message, "%s", result.message);
        result.message = message;
    }
    if (outcome) *outcome = result;
    return result.status;
}
aio_outcome aio_error(int code, const char *format, ...)
{
    aio_task *self = running_loop ? running_loop->current : NULL;
    static _Thread_local char outside[256];   /* aio_error called outside any task */
    char buffer[256];
    va_list args;
    va_start(args, format);
    vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    char *message = outside;
    if (self && (message = strdup(buffer))) {
        free(self->message);
        self->message = message;
    } else {
        snprintf(outside, sizeof outside, "%s", buffer);
        message = outside;
    }
    return (aio_outcome){.status = AIO_ERROR, .error = code, .message = message};
}
aio_task *current_task_or_complain(const char *function)
{
    aio_task *self = running_loop ? running_loop->current : NULL;
    if (!self) fprintf(stderr, "%s: not called from a task (call it inside aio_run)\n", function);
    return self;
}

static void out_of_memory(const char *doing)
{
    fprintf(stderr, "aio: out of memory while %s\n", doing);
    abort();
}

aio_loop *aio_running_loop(void) { return running_loop; }
aio_task *aio_current_task(void) { return running_loop ? running_loop->current : NULL; }
const char *aio_task_name(const aio_task *task) { return task->name; }
bool aio_task_done(const aio_task *task) { return task->state == TASK_DONE; }

size_t default_stack_size(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return 256 * 1024;
#else
    return 64 * 1024;
#endif
}
struct stack_pool *thread_stack_pool(void)
{
    static _Thread_local struct stack_pool pool;
    if (pool.stack_size == 0 && !stack_pool_init(&pool, default_stack_size())) abort();
    return &pool;
}
static void describe_sleep(const aio_task *task, char *text, size_t size)
{
    snprintf(text, size, "due at %.3f ms", task->timer.deadline / 1e6);
}

static void describe_await(const aio_task *task, char *text, size_t size)
{
    snprintf(text, size, "task '%s'", task->awaited ? task->awaited->name : "?");
}

static size_t awaits_one(const aio_task *task, const aio_task **tasks, size_t max)
{
    if (max == 0 || !task->awaited) return 0;
    tasks[0] = task->awaited;
    return 1;
}

const struct wait_kind task_wait_kinds[] = {
    {abort_sleep, "sleep", describe_sleep, NULL},
    {abort_await, "await", describe_await, awaits_one},
    {NULL, NULL, NULL, NULL},
};
