/* inside.c: seeing inside: traces, debug mode and the task tree (chapter 11). */
#define _GNU_SOURCE
#include "task.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct inside {
    aio_loop *loop;
    aio_time start;                   /* the loop's clock when it was created */
    char *trace_file;                 /* NULL: no trace */
    struct trace_event *events;       /* preallocated: recording never allocates */
    size_t count, capacity, dropped;
    bool debug;
    aio_time slow;                    /* debug: a step longer than this is reported */
    aio_time step_began;              /* CLOCK_MONOTONIC, at the current step's start */
    const aio_task *stepping;         /* the task whose step is timed */
    char hog[24];                     /* the task with the longest step since the last turn */
    aio_time hog_time;
    struct spawn_record *sites;       /* debug: where each task was created */
    size_t site_count, site_capacity;
};
struct spawn_record {
    const aio_task *task;
    struct aio_spawn_site site;
};

_Thread_local struct aio_spawn_site aio_spawn_site;

static void note_spawn_site(struct inside *in, const aio_task *task)
{
    if (in->site_count == in->site_capacity) {
        size_t capacity = in->site_capacity ? 2 * in->site_capacity : 64;
        struct spawn_record *sites = realloc(in->sites, capacity * sizeof *sites);
        if (!sites) return;   /* debug mode only: a site less is no failure */
        in->sites = sites;
        in->site_capacity = capacity;
    }
    in->sites[in->site_count++] = (struct spawn_record){task, aio_spawn_site};
}
static struct aio_spawn_site spawn_site_of(const struct inside *in, const aio_task *task)
{
    for (size_t i = in->site_count; i-- > 0;)
        if (in->sites[i].task == task) return in->sites[i].site;
    return (struct aio_spawn_site){0};
}

void inside_main_ended(aio_loop *loop)
{
    struct inside *in = loop->inside;
    if (!in->debug) return;
    for (aio_task *task = loop->all_tasks; task; task = task->next) {
        if (task == loop->main_task || task->state == TASK_DONE) continue;
        struct aio_spawn_site site = spawn_site_of(in, task);
        fprintf(stderr, "aio debug: task '%s' (created at %s:%d) is still pending when main "
                        "ends; aio_run cancels it\n",
                task->name, site.file ? site.file : "?", site.line);
    }
}
static void copy_text(char *to, const char *from, size_t size)
{
    size_t n = 0;
    while (n + 1 < size && from[n]) to[n] = from[n], n++;
    to[n] = '\0';
}

static aio_time monotonic_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (aio_time)ts.tv_sec * AIO_SEC(1) + ts.tv_nsec;
}
static const char *status_name(int status)
{
    static const char *const names[] = {"OK", "CANCELLED", "TIMEOUT", "ERROR"};
    return status >= 0 && status < 4 ? names[status] : "?";
}
enum trace_kind { EV_CREATED, EV_STEP, EV_WAIT, EV_WOKEN, EV_CANCEL, EV_END, EV_HOLD, EV_UNHOLD };

struct trace_event {
    aio_time time;
    const aio_task *task;
    const void *other;        /* the parent, the waker */
    const char *reason;       /* what a wait is for: a constant string */
    uint8_t kind, status;
    char text[22];            /* a name at creation, a cancellation's message */
};

/* The new event, or NULL if the buffer is full. */
static struct trace_event *record(struct inside *in, enum trace_kind kind, const aio_task *task,
                                  const void *other, const char *text)
{
    if (in->count == in->capacity) {
        in->dropped++;
        return NULL;
    }
    struct trace_event *event = &in->events[in->count++];
    *event = (struct trace_event){.time = aio_now(in->loop), .task = task, .other = other,
                                  .kind = kind};
    if (text) copy_text(event->text, text, sizeof event->text);
    return event;
}
extern const struct wait_kind task_wait_kinds[], gather_wait_kinds[], line_wait_kinds[],
    cancel_wait_kinds[], io_wait_kinds[], thread_wait_kinds[];

static const struct wait_kind *wait_kind_of(void (*abort_wait)(aio_task *))
{
    static const struct wait_kind yield = {NULL, "yield", NULL, NULL},
                                  other = {NULL, "wait", NULL, NULL};
    static const struct wait_kind *const tables[] = {task_wait_kinds, gather_wait_kinds,
        line_wait_kinds, cancel_wait_kinds, io_wait_kinds, thread_wait_kinds};
    if (!abort_wait) return &yield;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        for (const struct wait_kind *kind = tables[t]; kind->abort_wait; kind++)
            if (kind->abort_wait == abort_wait) return kind;
    return &other;
}
static void step_ends(struct inside *in, const aio_task *task)
{
    if (in->stepping != task) return;
    in->stepping = NULL;
    aio_time took = monotonic_now() - in->step_began;
    if (took > in->hog_time) {
        in->hog_time = took;
        copy_text(in->hog, task->name, sizeof in->hog);
    }
    if (took > in->slow)
        fprintf(stderr, "aio debug: task '%s' ran %.1f ms without waiting (slow: over %.0f ms)\n",
                task->name, took / 1e6, in->slow / 1e6);
}
void inside_created(aio_loop *loop, aio_task *task)
{
    struct inside *in = loop->inside;
    if (in->trace_file) record(in, EV_CREATED, task, loop->current, task->name);
    if (in->debug) note_spawn_site(in, task);
    aio_spawn_site = (struct aio_spawn_site){0};
}

void inside_step_begins(aio_loop *loop, aio_task *task)
{
    struct inside *in = loop->inside;
    if (in->trace_file) record(in, EV_STEP, task, NULL, NULL);
    if (in->debug) {
        in->stepping = task;
        in->step_began = monotonic_now();
    }
}

void inside_woken(aio_task *task, aio_status status)
{
    struct inside *in = task->loop->inside;
    struct trace_event *event;
    if (task == task->loop->current) return;   /* woken before it left: see inside_leaves */
    if (in->trace_file && (event = record(in, EV_WOKEN, task, task->loop->current, NULL)))
        event->status = (uint8_t)status;
}
void inside_leaves(aio_task *task)
{
    aio_loop *loop = task->loop;
    struct inside *in = loop->inside;
    struct trace_event *event;
    if (in->trace_file && (event = record(in, EV_WAIT, task, NULL, NULL)))
        event->reason = wait_kind_of(task->abort_wait)->reason;
    if (in->debug) step_ends(in, task);
    if (task->state == TASK_READY && in->trace_file &&
        (event = record(in, EV_WOKEN, task, task, NULL)))
        event->status = (uint8_t)task->wake_status;
    if (loop->current != task) inside_step_begins(loop, loop->current);
}

void inside_cancel_asked(aio_task *task, const char *message)
{
    struct inside *in = task->loop->inside;
    if (in->trace_file) record(in, EV_CANCEL, task, task->loop->current, message ? message : "");
}

void inside_ended(aio_task *task, aio_status status)
{
    struct inside *in = task->loop->inside;
    struct trace_event *event;
    if (in->trace_file && (event = record(in, EV_END, task, NULL, NULL)))
        event->status = (uint8_t)status;
    if (in->debug) step_ends(in, task);
}
bool inside_tracing;   /* set for good once a loop traces: the hooks then look closer */

void trace_hold(bool taken)
{
    aio_loop *loop = aio_running_loop();
    if (loop && loop->current && loop->inside && loop->inside->trace_file)
        record(loop->inside, taken ? EV_HOLD : EV_UNHOLD, loop->current, NULL, NULL);
}
void inside_timer_due(aio_loop *loop, aio_time deadline, aio_time now)
{
    struct inside *in = loop->inside;
    if (!in->debug || loop->virtual_clock) return;
    if (now - deadline > in->slow && in->hog_time > 0)
        fprintf(stderr, "aio debug: a timer fired %.1f ms late: the loop was blocked, "
                        "longest by task '%s' (%.1f ms in one step)\n",
                (now - deadline) / 1e6, in->hog, in->hog_time / 1e6);
    in->hog_time = 0;
}
struct row {
    const aio_task *task;
    int tid;
    aio_time running_since, waiting_since;     /* -1: not running, not waiting */
    const char *reason;
    int woken_by;                               /* the waker's tid, for the next step's arrow */
    aio_time woken_at;
    long holding;                               /* the open holding slice's id, or 0 */
};

struct rows {
    struct row *items;
    size_t count, capacity;
    size_t *table, mask;                        /* address -> row index + 1 */
};

static size_t slot_of(const struct rows *rows, const void *task)
{
    size_t slot = ((uintptr_t)task >> 4) * 0x9E3779B97F4A7C15u & rows->mask;
    while (rows->table[slot] && rows->items[rows->table[slot] - 1].task != task)
        slot = (slot + 1) & rows->mask;
    return slot;
}

static struct row *row_of(const struct rows *rows, const void *task)
{
    size_t index = task ? rows->table[slot_of(rows, task)] : 0;
    return index ? &rows->items[index - 1] : NULL;
}
static bool rows_init(struct rows *rows, size_t creations)
{
    size_t size = 16;
    while (size < 2 * creations + 2) size *= 2;
    *rows = (struct rows){.items = malloc((creations + 1) * sizeof *rows->items),
                          .capacity = creations + 1, .table = calloc(size, sizeof(size_t)),
                          .mask = size - 1};
    return rows->items && rows->table;
}

static struct row *new_row(struct rows *rows, const aio_task *task)
{
    struct row *row = &rows->items[rows->count++];
    *row = (struct row){.task = task, .tid = (int)rows->count, .running_since = -1,
                        .waiting_since = -1};
    rows->table[slot_of(rows, task)] = rows->count;
    return row;
}
struct json {
    FILE *file;
    int pid;
    aio_time start;
    bool first;
    long next_id;
};

static double micros(const struct json *out, aio_time t) { return (t - out->start) / 1e3; }

/* Opens an event: {"ph":..,"pid":..,"tid":..,"ts":..  (the caller adds the rest and the brace) */
static void json_begin(struct json *out, const char *phase, int tid, double at)
{
    fprintf(out->file, "%s\n{\"ph\":\"%s\",\"pid\":%d,\"tid\":%d,\"ts\":%.3f",
            out->first ? "" : ",", phase, out->pid, tid, at);
    out->first = false;
}

/* ,"key":"text" with the text escaped ("{" instead of "," to open an object) */
static void json_member(FILE *file, const char *before, const char *key, const char *text)
{
    fprintf(file, "%s\"%s\":\"", before, key);
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c == '"' || *c == '\\') fprintf(file, "\\%c", *c);
        else if (*c < 0x20) fprintf(file, "\\u%04x", *c);
        else fputc(*c, file);
    }
    fputc('"', file);
}

static void json_string(FILE *file, const char *key, const char *text)
{
    json_member(file, ",", key, text);
}

/* ,"args":{"key":"text"} */
static void json_args(FILE *file, const char *key, const char *text)
{
    json_member(file, ",\"args\":{", key, text);
    fputc('}', file);
}
static void json_meta(struct json *out, const char *what, int tid, const char *name)
{
    json_begin(out, "M", tid, 0);
    json_string(out->file, "name", what);
    json_args(out->file, "name", name);
    fputc('}', out->file);
}

static void json_slice(struct json *out, int tid, double from, double to, const char *name,
                       const char *status)
{
    json_begin(out, "X", tid, from);
    fprintf(out->file, ",\"dur\":%.3f", to - from);
    json_string(out->file, "name", name);
    json_string(out->file, "cat", strncmp(name, "waiting", 7) == 0 ? "wait" : "step");
    if (status) json_args(out->file, "status", status);
    fputc('}', out->file);
}

static void json_instant(struct json *out, int tid, double at, const char *name,
                         const char *detail)
{
    json_begin(out, "i", tid, at);
    json_string(out->file, "name", name);
    fputs(",\"s\":\"t\"", out->file);
    if (detail) json_args(out->file, "detail", detail);
    fputc('}', out->file);
}
static void json_flow(struct json *out, int from_tid, double from, int to_tid, double to)
{
    long id = ++out->next_id;
    json_begin(out, "s", from_tid, from);
    fprintf(out->file, ",\"name\":\"wakes\",\"cat\":\"wake\",\"id\":%ld}", id);
    json_begin(out, "f", to_tid, to);
    fprintf(out->file, ",\"name\":\"wakes\",\"cat\":\"wake\",\"id\":%ld,\"bp\":\"e\"}", id);
}

static void json_async(struct json *out, char phase, int tid, double at, long id)
{
    char ph[2] = {phase, '\0'};
    json_begin(out, ph, tid, at);
    fprintf(out->file, ",\"name\":\"holding a semaphore\",\"cat\":\"hold\",\"id\":%ld}", id);
}
static void close_running(struct json *out, struct row *row, aio_time now)
{
    if (row->running_since < 0) return;
    json_slice(out, row->tid, micros(out, row->running_since), micros(out, now), "running",
               NULL);
    row->running_since = -1;
}

static void close_waiting(struct json *out, struct row *row, aio_time now, int status)
{
    if (row->waiting_since < 0) return;
    char name[64];
    snprintf(name, sizeof name, "waiting: %s", row->reason ? row->reason : "wait");
    json_slice(out, row->tid, micros(out, row->waiting_since), micros(out, now), name,
               status_name(status));
    row->waiting_since = -1;
}
static void close_everything(struct json *out, struct rows *rows, aio_time now)
{
    for (size_t i = 0; i < rows->count; i++) {
        struct row *row = &rows->items[i];
        close_running(out, row, now);
        close_waiting(out, row, now, AIO_OK);
        if (row->holding) json_async(out, 'e', row->tid, micros(out, now), row->holding);
        row->holding = 0;
    }
}
static void translate(struct json *out, struct rows *rows, const struct trace_event *event)
{
    struct row *row = event->kind == EV_CREATED ? new_row(rows, event->task)
                                                : row_of(rows, event->task);
    if (!row) return;   /* created before the trace began, or dropped */
    double at = micros(out, event->time);
    switch ((enum trace_kind)event->kind) {
    case EV_CREATED:
        json_meta(out, "thread_name", row->tid, event->text);
        json_instant(out, row->tid, at, "created", NULL);
        break;
    case EV_STEP:
        row->running_since = event->time;
        if (row->woken_by) json_flow(out, row->woken_by, micros(out, row->woken_at), row->tid, at);
        row->woken_by = 0;
        break;
    case EV_WAIT:
        close_running(out, row, event->time);
        row->waiting_since = event->time;
        row->reason = event->reason;
        break;
    case EV_WOKEN: {
        close_waiting(out, row, event->time, event->status);
        const struct row *waker = row_of(rows, event->other);
        if (waker && waker != row) row->woken_by = waker->tid, row->woken_at = event->time;
        break;
    }
    case EV_CANCEL:
        json_instant(out, row->tid, at, strcmp(event->text, "timeout") == 0 ? "timeout" : "cancel",
                     event->text);
        break;
    case EV_END:
        close_running(out, row, event->time);
        json_instant(out, row->tid, at, "end", status_name(event->status));
        break;
    case EV_HOLD:
        if (!row->holding) json_async(out, 'b', row->tid, at, row->holding = ++out->next_id);
        break;
    case EV_UNHOLD:
        if (row->holding) json_async(out, 'e', row->tid, at, row->holding);
        row->holding = 0;
        break;
    }
}
static void write_trace(struct inside *in)
{
    static char last_file[256];
    static int loops_in_file;
    bool same = strcmp(last_file, in->trace_file) == 0;
    int pid = same ? ++loops_in_file : (loops_in_file = 1);
    snprintf(last_file, sizeof last_file, "%s", in->trace_file);
    FILE *file = pid > 1 ? fopen(in->trace_file, "r+") : NULL;
    if (file && fseek(file, -3, SEEK_END) == 0) {
        fputs(",", file);
    } else {
        if (file) fclose(file);
        if (!(file = fopen(in->trace_file, "w"))) {
            fprintf(stderr, "aio: cannot write the trace %s: %s\n", in->trace_file, strerror(errno));
            return;
        }
        fputs("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[", file);
    }
    struct json out = {.file = file, .pid = pid, .start = in->start, .first = true};
    char name[64];
    snprintf(name, sizeof name, "aio_run %d", pid);
    json_meta(&out, "process_name", 0, name);
    size_t creations = 0;
    for (size_t i = 0; i < in->count; i++) creations += in->events[i].kind == EV_CREATED;
    struct rows rows;
    if (rows_init(&rows, creations)) {
        for (size_t i = 0; i < in->count; i++) translate(&out, &rows, &in->events[i]);
        close_everything(&out, &rows, aio_now(in->loop));
    } else {
        fprintf(stderr, "aio: no memory to write the trace %s\n", in->trace_file);
    }
    free(rows.items);
    free(rows.table);
    if (in->dropped) fprintf(stderr, "aio: the trace %s lost %zu events (raise .trace_events)\n",
                             in->trace_file, in->dropped);
    fputs("\n]}\n", file);
    if (fclose(file) != 0) fprintf(stderr, "aio: cannot write the trace %s\n", in->trace_file);
}
enum { MOST_AWAITED = 64 };

static bool is_awaited_by(const aio_task *task, const aio_task *other)
{
    if (other->state != TASK_SUSPENDED) return false;
    const struct wait_kind *kind = wait_kind_of(other->abort_wait);
    const aio_task *awaited[MOST_AWAITED];
    size_t n = kind->awaits ? kind->awaits(other, awaited, MOST_AWAITED) : 0;
    for (size_t i = 0; i < n; i++)
        if (awaited[i] == task) return true;
    return false;
}

static bool awaited_by_anyone(const aio_loop *loop, const aio_task *task)
{
    for (const aio_task *other = loop->all_tasks; other; other = other->next)
        if (other != task && is_awaited_by(task, other)) return true;
    return false;
}
static void dump_one(FILE *out, const aio_task *task, int depth)
{
    static const char *const states[] = {"created", "ready", "running", "waiting", "done"};
    fprintf(out, "%*s%s%s [%s]", 2 * depth, "", depth ? "└─ " : "", task->name,
            states[task->state]);
    const struct wait_kind *kind = wait_kind_of(task->abort_wait);
    if (task->state == TASK_SUSPENDED) {
        char text[96] = "";
        if (kind->describe) kind->describe(task, text, sizeof text);
        fprintf(out, " %s%s%s", kind->reason, *text ? ": " : "", text);
    }
    fputc('\n', out);
    const aio_task *awaited[MOST_AWAITED];
    size_t n = task->state == TASK_SUSPENDED && kind->awaits
                   ? kind->awaits(task, awaited, MOST_AWAITED) : 0;
    for (size_t i = 0; i < n && depth < 32; i++) dump_one(out, awaited[i], depth + 1);
}

void aio_dump_tasks(FILE *out)
{
    aio_loop *loop = aio_running_loop();
    if (!loop) {
        fprintf(out, "aio_dump_tasks: no loop is running in this thread\n");
        return;
    }
    fprintf(out, "tasks at %.3f ms:\n", aio_now(loop) / 1e6);
    if (loop->main_task && loop->main_task->state != TASK_DONE) dump_one(out, loop->main_task, 0);
    for (const aio_task *task = loop->all_tasks; task; task = task->next)
        if (task != loop->main_task && task->state != TASK_DONE && !awaited_by_anyone(loop, task))
            dump_one(out, task, 0);
    fflush(out);
}
static volatile sig_atomic_t dump_asked;

static void ask_for_a_dump(int signal_number)
{
    (void)signal_number;
    dump_asked = 1;
}

static void catch_dump_signals(void)
{
    struct sigaction action = {.sa_handler = ask_for_a_dump};
    sigemptyset(&action.sa_mask);
    sigaction(SIGUSR1, &action, NULL);
    sigaction(SIGQUIT, &action, NULL);
}

void inside_turn(aio_loop *loop)
{
    if (!dump_asked || !loop->inside->debug) return;
    dump_asked = 0;
    aio_dump_tasks(stderr);
}
struct inside *inside_new(aio_loop *loop, const aio_loop_options *options)
{
    const char *trace = options && options->trace_file ? options->trace_file : getenv("AIO_TRACE");
    const char *debug_variable = getenv("AIO_DEBUG");
    bool debug = (options && options->debug) ||
                 (debug_variable && *debug_variable && strcmp(debug_variable, "0") != 0);
    if ((!trace || !*trace) && !debug) return NULL;
    struct inside *in = calloc(1, sizeof *in);
    if (!in) return NULL;
    *in = (struct inside){.loop = loop, .start = aio_now(loop), .debug = debug};
    const char *slow_variable = getenv("AIO_SLOW_MS");
    in->slow = options && options->slow_step > 0 ? options->slow_step
             : slow_variable && atoi(slow_variable) > 0 ? AIO_MSEC(atoi(slow_variable))
             : AIO_MSEC(100);
    if (trace && *trace) {
        in->capacity = options && options->trace_events ? options->trace_events : (size_t)1 << 20;
        in->events = malloc(in->capacity * sizeof *in->events);
        in->trace_file = strdup(trace);
        if (!in->events || !in->trace_file) {
            fprintf(stderr, "aio: no memory for a trace of %zu events; not tracing\n", in->capacity);
            free(in->events);
            free(in->trace_file);
            in->events = NULL;
            in->trace_file = NULL;
            in->capacity = 0;
        } else {
            inside_tracing = true;
        }
    }
    if (debug) catch_dump_signals();
    return in;
}
void inside_free(aio_loop *loop)
{
    struct inside *in = loop->inside;
    if (!in) return;
    if (in->trace_file) write_trace(in);
    free(in->events);
    free(in->trace_file);
    free(in->sites);
    free(in);
    loop->inside = NULL;
}
