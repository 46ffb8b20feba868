/* task.c: tasks: spawn, step, suspend, wake, await, cancel, sleep, run. */
#define _GNU_SOURCE
#include "task.h"
#include <errno.h>
#include <pthread.h>
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
static void stack_overflowed(aio_task *task);
static aio_task *take_structure(aio_loop *loop);
static void put_structure(aio_loop *loop, aio_task *task);
static void copy_name(char *to, const char *from, size_t size);
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
    if (task && task->stack && stack_guard_holds(task->stack, address)) {
        static const char head[] = "aio: stack overflow in task '";
        write_all(head, sizeof head - 1);
        write_all(task->name, strlen(task->name));
        write_all("'\n", 2);
    }
    signal(sig, SIG_DFL);   /* returning re-runs the access: the default action ends it */
}
static _Thread_local struct { void *memory; stack_t previous; } signal_stack;

static void install_overflow_handler(void)
{
#if defined(__SANITIZE_ADDRESS__)
    (void)on_segv;   /* AddressSanitizer handles SIGSEGV itself */
#else
    if ((signal_stack.memory = malloc(64 * 1024))) {
        stack_t ss = {.ss_sp = signal_stack.memory, .ss_size = 64 * 1024};
        if (sigaltstack(&ss, &signal_stack.previous) != 0) {
            free(signal_stack.memory);
            signal_stack.memory = NULL;
        }
    }
    struct sigaction action = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_ONSTACK};
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, NULL);
#endif
}

static void remove_signal_stack(void)
{
    if (!signal_stack.memory) return;
    sigaltstack(&signal_stack.previous, NULL);
    free(signal_stack.memory);
    signal_stack.memory = NULL;
}
static bool start(aio_task *task)
{
    if (!task->cancel_requested) return true;
    finish(task, (aio_outcome){.status = AIO_CANCELLED, .message = task->cancel_message});
    retire(task);
    return false;
}
static void step(void *arg)
{
    aio_task *task = arg;
    aio_loop *loop = task->loop;
    loop->ready.reserved++;
    if (task->state == TASK_CREATED && !start(task)) return;
    task->state = TASK_RUNNING;
    loop->current = task;
    if (INSIDE(loop)) inside_step_begins(loop, loop->current);
    if (loop->ready.count > 0 && loop->ready.items[loop->ready.head].fn == step) {
        aio_task *after = loop->ready.items[loop->ready.head].arg;
        __builtin_prefetch(coro_saved_frames(&after->context), 1);
    }
    coro_leaving(&loop->scheduler, &task->context, 0);
    coro_switch(&loop->scheduler, &task->context);
    coro_arrived(&loop->scheduler, NULL, NULL);
    task = loop->current;   /* the task that came back (chapter 12: not always this one) */
    loop->current = NULL;
    if (!stack_intact(loop->stacks, task->stack)) stack_overflowed(task);
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
    forget_cancel_message(task);
    task->outcome = outcome;
    task->state = TASK_DONE;
    if (INSIDE(task->loop)) inside_ended(task, outcome.status);
}
static void retire(aio_task *task)
{
    aio_loop *loop = task->loop;
    stack_put(loop->stacks, task->stack);
    task->stack = NULL;
    loop->ready.reserved--;
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
}

aio_status task_switch_out(aio_task *task)
{
    aio_loop *loop = task->loop;
    struct coro *next = &loop->scheduler;
    if (loop->turn_left == 0 && loop->ready.count > 0 && loop_idle_between_turns(loop))
        loop->turn_left = loop->ready.count;   /* what the loop would do next */
    if (loop->turn_left > 0 && loop->ready.items[loop->ready.head].fn == step) {
        aio_task *successor = loop->ready.items[loop->ready.head].arg;
        if (successor->state == TASK_READY) {
            if (!stack_intact(loop->stacks, task->stack)) stack_overflowed(task);
            loop->turn_left--;
            (void)ready_pop(&loop->ready);
            loop->ready.reserved++;   /* the successor's slot, as in step */
            successor->state = TASK_RUNNING;
            loop->current = successor;
            next = &successor->context;
        }
    }
    if (INSIDE(loop)) inside_leaves(task);
    coro_leaving(&task->context, next, 0);
    coro_switch(&task->context, next);
    coro_arrived(&task->context, NULL, NULL);
    task->abort_wait = NULL;
    return task->wake_status;
}

static void make_ready(aio_task *task, aio_status status)
{
    task->state = TASK_READY;
    task->wake_status = status;
    ready_push_reserved(&task->loop->ready, step, task);
}

void task_wake(aio_task *task, aio_status status)
{
    if (task->state != TASK_SUSPENDED) return;
    if (INSIDE(task->loop)) inside_woken(task, status);
    make_ready(task, status);
}
aio_status aio_yield(void)
{
    aio_task *self = current_task_or_complain("aio_yield");
    if (!self) return AIO_ERROR;
    if (task_take_cancel(self)) return AIO_CANCELLED;
    task_begin_wait(self, NULL);
    make_ready(self, AIO_OK);
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
    if (!timer_arm(self->loop, &self->timer, delay, sleep_over, self)) return AIO_ERROR;
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
        self->awaited = task;
        self->awaiting = (struct done_watcher){.notify = awaited_task_ended};
        task_watch(task, &self->awaiting);
        task_begin_wait(self, abort_wait);
        if (task_take_cancel(self)) {   /* pending: it arrives now, like any other */
            self->abort_wait = NULL;
            abort_wait(self);
        }
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
    REQUIRE_ARGUMENT(task, "aio_await");
    aio_task *self = current_task_or_complain("aio_await");
    task_check_handle(task, "aio_await");
    if (task->handle_released) misuse("aio_await", "task '%s' was already released", task->name);
    if (!self) return AIO_ERROR;
    if (task == self) return task_refuse(outcome, EDEADLK, "aio_await: a task cannot await itself");
    return task_await(self, task, abort_await, outcome);
}
aio_status task_refuse(aio_outcome *outcome, int error, const char *message)
{
    errno = error;
    if (outcome) *outcome = (aio_outcome){.status = AIO_ERROR, .error = error, .message = message};
    return AIO_ERROR;
}
enum { CANCEL_MESSAGE_MAX = 200 };   /* bytes kept of a cancel message */
static char no_memory_for_message[] = "(no memory for the cancel message)";

static void keep_cancel_message(aio_task *task, const char *message)
{
    if (!message || task->cancel_message) return;   /* the first message is kept */
    task->cancel_message = strndup(message, CANCEL_MESSAGE_MAX);
    if (!task->cancel_message) task->cancel_message = no_memory_for_message;
}

void forget_cancel_message(aio_task *task)
{
    if (task->cancel_message != no_memory_for_message) free(task->cancel_message);
    task->cancel_message = NULL;
}

bool aio_cancel(aio_task *task, const char *message)
{
    REQUIRE_ARGUMENT(task, "aio_cancel");
    if (!in_loop_thread(task->loop, "aio_cancel")) return false;
    task_check_handle(task, "aio_cancel");
    if (task->state == TASK_DONE) return false;
    keep_cancel_message(task, message);
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
aio_task *(aio_spawn)(const char *name, aio_task_fn *fn, void *arg)
{
    REQUIRE_ARGUMENT(fn, "aio_spawn");
    aio_loop *loop = running_loop;
    if (!loop) {
        fprintf(stderr, "aio_spawn: no loop is running in this thread (call it inside aio_run)\n");
        return NULL;
    }
    aio_task *task = take_structure(loop);
    void *stack = task ? stack_get(loop->stacks) : NULL;
    if (!stack || !ready_reserve(&loop->ready)) {
        if (stack) stack_put(loop->stacks, stack);
        if (task) put_structure(loop, task);
        errno = ENOMEM;
        return NULL;
    }
    *task = (aio_task){.loop = loop, .fn = fn, .arg = arg, .stack = stack, .references = 2,
                       .state = TASK_CREATED, .next = loop->all_tasks};
    coro_init(&task->context, stack, loop->stacks->stack_size, task_body, task);
    task->watchers_tail = &task->watchers;
    if (loop->all_tasks) loop->all_tasks->previous = task;
    loop->all_tasks = task;
    copy_name(task->name, name ? name : "task", sizeof task->name);
    if (INSIDE(loop)) inside_created(loop, task);
    ready_push_reserved(&loop->ready, step, task);
    return task;
}
static aio_task *take_structure(aio_loop *loop)
{
    aio_task *task = loop->spare_tasks;
    if (!task) return malloc(sizeof *task);
    loop->spare_tasks = task->next;
    return task;
}

static void put_structure(aio_loop *loop, aio_task *task)
{
    task->state = TASK_FREED;
    task->next = loop->spare_tasks;
    loop->spare_tasks = task;
}

void free_spare_tasks(aio_task **spares)
{
    while (*spares) {
        aio_task *task = *spares;
        *spares = task->next;
        free(task);
    }
}

static void copy_name(char *to, const char *from, size_t size)
{
    size_t n = 0;
    while (n + 1 < size && from[n]) to[n] = from[n], n++;   /* cheaper than snprintf */
    to[n] = '\0';
}
static void report_repeats(aio_loop *loop)
{
    if (loop->unread.count > 1)
        fprintf(stderr, "aio: %zu more tasks failed the same way and nobody read their outcomes\n",
                loop->unread.count - 1);
    loop->unread.count = 0;
}

static void warn_if_failure_unread(const aio_task *task)
{
    if (task->state != TASK_DONE || task->outcome.status != AIO_ERROR || task->outcome_read) return;
    const char *message = task->outcome.message ? task->outcome.message : "(no message)";
    aio_loop *loop = task->loop;
    if (loop->unread.count > 0 && loop->unread.error == task->outcome.error &&
        strncmp(loop->unread.message, message, sizeof loop->unread.message) == 0) {
        loop->unread.count++;
        return;
    }
    report_repeats(loop);
    fprintf(stderr, "aio: task '%s' failed and nobody read its outcome: error %d: %s\n",
            task->name, task->outcome.error, message);
    loop->unread.error = task->outcome.error;
    snprintf(loop->unread.message, sizeof loop->unread.message, "%s", message);
    loop->unread.count = 1;
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
    put_structure(task->loop, task);   /* not loop: kept across free(), it costs a register */
}
void task_check_handle(const aio_task *task, const char *function)
{
    if (task->state == TASK_FREED) misuse(function, "task '%s' was already released", task->name);
}

void aio_release(aio_task *task)
{
    if (!task) return;
    task_check_handle(task, "aio_release");
    if (task->handle_released) misuse("aio_release", "task '%s' was already released", task->name);
    task->handle_released = true;
    release_reference(task);
}
void free_every_task(aio_loop *loop)
{
    while (loop->all_tasks) {
        aio_task *task = loop->all_tasks;
        loop->all_tasks = task->next;
        warn_if_failure_unread(task);
        if (task->stack) stack_put(loop->stacks, task->stack);
        free(task->message);
        forget_cancel_message(task);
        put_structure(loop, task);
    }
    report_repeats(loop);
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
    REQUIRE_ARGUMENT(main, "aio_run");
    static _Thread_local char message[256];
    aio_outcome result;
    if (running_loop) {
        result = (aio_outcome){.status = AIO_ERROR, .error = EBUSY,
                               .message = "aio_run: a loop is already running in this thread"};
    } else {
        aio_loop *loop = aio_loop_new(options);
        if (!loop) {
            int why = errno == EINVAL ? EINVAL : ENOMEM;
            if (outcome) *outcome = (aio_outcome){.status = AIO_ERROR, .error = why,
                                                  .message = why == EINVAL ? "aio_run: a loop option is not allowed"
                                                                           : "aio_run: no memory for the loop"};
            return AIO_ERROR;
        }
        running_loop = loop;
        install_overflow_handler();
        if (!(loop->main_task = aio_spawn("main", main, arg))) {
            running_loop = NULL;
            aio_loop_free(loop);
            remove_signal_stack();
            if (outcome) *outcome = (aio_outcome){.status = AIO_ERROR, .error = ENOMEM,
                                                  .message = "aio_run: no memory for the main task"};
            return AIO_ERROR;
        }
        catch_sigint(loop);
        int err = aio_loop_run(loop);
        aio_task *main_task = loop->main_task;
        if (err) result = loop_failed(err);
        else if (main_task->state != TASK_DONE)
            result = (aio_outcome){.status = AIO_ERROR, .error = EDEADLK,
                                   .message = "aio_run: main is waiting and nothing can wake it"};
        else result = *task_read_outcome(main_task);
        watch_for_stuck_jobs(loop);
        result = stop_catching_sigint(loop, main_task, result);
        if (INSIDE(loop)) inside_main_ended(loop);
        snprintf(message, sizeof message, "%s", result.message ? result.message : "");
        if (result.message) result.message = message;
        cancel_the_rest(loop);
        running_loop = NULL;
        aio_loop_free(loop);
        remove_signal_stack();
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

aio_loop *aio_running_loop(void) { return running_loop; }
aio_task *aio_current_task(void) { return running_loop ? running_loop->current : NULL; }
const char *aio_task_name(const aio_task *task)
{
    task_check_handle(task, "aio_task_name");
    return task->name;
}

bool aio_task_done(const aio_task *task)
{
    task_check_handle(task, "aio_task_done");
    return task->state == TASK_DONE;
}

size_t default_stack_size(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return 256 * 1024;
#else
    return 64 * 1024;
#endif
}
struct thread_resources {
    struct stack_pool stacks;     /* default-sized stacks */
    aio_task *spare_tasks;        /* freed task structures, linked through next */
};
static _Thread_local struct thread_resources thread_own;
static pthread_key_t thread_end;
static bool thread_end_made;

static void free_thread_resources(void *arg)
{
    struct thread_resources *own = arg;
    stack_pool_free(&own->stacks);
    free_spare_tasks(&own->spare_tasks);
    *own = (struct thread_resources){0};
}

static void make_thread_end(void)
{
    thread_end_made = pthread_key_create(&thread_end, free_thread_resources) == 0;
}

static struct thread_resources *thread_resources(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    if (thread_own.stacks.stack_size == 0) {
        (void)stack_pool_init(&thread_own.stacks, default_stack_size());   /* a valid size */
        pthread_once(&once, make_thread_end);
        if (thread_end_made) pthread_setspecific(thread_end, &thread_own);
    }
    return &thread_own;
}
void use_the_thread_pools(aio_loop *loop, size_t stack_size)
{
    struct thread_resources *own = thread_resources();   /* sets them up the first time */
    if (stack_size == default_stack_size()) loop->stacks = &own->stacks;
    loop->spare_tasks = own->spare_tasks;
    own->spare_tasks = NULL;
}

void give_the_spare_tasks_back(aio_loop *loop)
{
    if (thread_own.spare_tasks) {   /* rare: another loop of this thread gave its list back */
        aio_task **end = &loop->spare_tasks;
        while (*end) end = &(*end)->next;
        *end = thread_own.spare_tasks;
    }
    thread_own.spare_tasks = loop->spare_tasks;
    loop->spare_tasks = NULL;
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
