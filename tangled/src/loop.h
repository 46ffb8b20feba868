/* loop.h: the loop's state, shared by the runtime's files (not public). */
#ifndef LOOP_H
#define LOOP_H
#include "aio.h"
#include <stdatomic.h>
#include <sys/select.h>
#include "coro.h"
#include "stack.h"
#include <stdatomic.h>

struct callback {
    aio_callback *fn;
    void *arg;
};

struct ready_queue {
    struct callback *items;
    size_t head, count, mask;  /* capacity is mask + 1, a power of two */
    size_t reserved;           /* free slots promised to ready_push_reserved */
};

bool ready_grow(struct ready_queue *queue);

static inline bool ready_push(struct ready_queue *queue, aio_callback *fn, void *arg)
{
    if (queue->count + queue->reserved > queue->mask && !ready_grow(queue)) return false;
    queue->items[(queue->head + queue->count++) & queue->mask] = (struct callback){fn, arg};
    return true;
}

/* Promise room for one later ready_push_reserved, which then cannot fail (chapter 3). */
static inline bool ready_reserve(struct ready_queue *queue)
{
    if (queue->count + queue->reserved > queue->mask && !ready_grow(queue)) return false;
    queue->reserved++;
    return true;
}

static inline void ready_push_reserved(struct ready_queue *queue, aio_callback *fn, void *arg)
{
    queue->reserved--;
    queue->items[(queue->head + queue->count++) & queue->mask] = (struct callback){fn, arg};
}

static inline struct callback ready_pop(struct ready_queue *queue)
{
    struct callback first = queue->items[queue->head];
    queue->head = (queue->head + 1) & queue->mask;
    queue->count--;
    return first;
}
enum timer_state { TIMER_IDLE, TIMER_PENDING, TIMER_DUE };

struct aio_timer {           /* 32 bytes on a 64-bit machine: every task has one */
    aio_time deadline;
    aio_callback *fn;         /* NULL once cancelled while due */
    void *arg;
    uint32_t index;           /* position in the heap while pending */
    unsigned char state;      /* enum timer_state */
    bool owned_by_loop;       /* made by aio_call_at, freed after it fires */
};

struct heap_entry {           /* a place in the heap: a timer, and what orders it */
    aio_time deadline;        /* the timer's, copied */
    uint64_t sequence;        /* breaks ties: first scheduled, first fired */
    struct aio_timer *timer;
};

struct timer_heap {
    struct heap_entry *items;
    size_t count, capacity;
    uint64_t next_sequence;
};
struct watcher {
    aio_callback *fn;         /* NULL: not watched */
    void *arg;
};

#ifdef AIO_BACKEND_EPOLL
#include "epoll.h"            /* the same seam on epoll (appendix) */
#else
struct watched {
    struct watcher readers[FD_SETSIZE], writers[FD_SETSIZE];
    int count;                /* watchers in use */
    int max_fd;               /* highest fd with a watcher, or -1 */
    fd_set closed;            /* watched descriptors found closed (see below) */
};
static inline struct watcher *watcher_of(struct watched *w, int fd, int event)
{
    if (fd < 0 || fd >= FD_SETSIZE) return NULL;
    struct watcher *slot = event == AIO_READABLE ? &w->readers[fd] : &w->writers[fd];
    return slot->fn ? slot : NULL;
}

static inline bool take_closed_mark(struct watched *w, int fd)
{
    if (fd < 0 || fd >= FD_SETSIZE || !FD_ISSET(fd, &w->closed)) return false;
    FD_CLR(fd, &w->closed);
    return true;
}
#endif
static inline void set_watcher(struct watched *w, struct watcher *slot, aio_callback *fn, void *arg)
{
    w->count += (fn != NULL) - (slot->fn != NULL);
    *slot = (struct watcher){fn, arg};
}
static inline void run_watcher(void *slot)
{
    struct watcher *watcher = slot;
    if (watcher->fn) watcher->fn(watcher->arg);
}

struct aio_loop {
    struct ready_queue ready;
    struct timer_heap timers;
    struct watched watched;
    aio_time now;              /* the virtual clock's time */
    bool virtual_clock;
    bool stop_requested;       /* aio_loop_stop: end after this turn */
    size_t turn_left;          /* callbacks of this turn not yet run */
    struct { void (*items[4])(aio_loop *); size_t count; } before_turn;   /* run before each turn */
    struct { atomic_int *flag; void (*take)(aio_loop *); } flagged;      /* take(loop) if *flag */
    void (*timer_due)(aio_loop *loop, aio_time deadline, aio_time now);   /* or NULL */
    bool (*caller_allowed)(const aio_loop *loop, const char *function);   /* NULL: anyone */
    struct coro scheduler;        /* the loop's own context, on the thread's stack */
    struct aio_task *current;     /* the task running now, or NULL */
    struct stack_pool *stacks;    /* own_stacks, or a pool the thread keeps (chapter 12) */
    struct stack_pool own_stacks;
    struct aio_task *spare_tasks;      /* freed task structures, linked through next */
    struct aio_task *all_tasks;   /* every task not yet freed */
    struct aio_task *main_task;
    struct { int error; char message[96]; size_t count; } unread;   /* the last warning */
    struct thread_pool *threads;  /* aio_to_thread's workers, started at the first call */
    int max_threads;              /* the option, 0 for the default */
    aio_time thread_grace;
    const void *owner_thread;     /* this_thread() of the thread that made the loop */
    struct foreign_calls *foreign;   /* aio_call_soon_threadsafe's queue and pipe */
    bool catching_sigint;         /* this loop's aio_run handles Ctrl-C */
    bool sigint_cancelled_main;
    struct inside *inside;        /* traces and debug mode (chapter 11), or NULL */
};

static inline aio_time deadline_after(aio_loop *loop, aio_time delay)
{
    aio_time now = aio_now(loop);
    if (delay <= 0) return now;
    return delay >= AIO_FOREVER - now ? AIO_FOREVER : now + delay;
}
bool timer_heap_add(struct timer_heap *heap, struct aio_timer *timer);
void timer_heap_remove(struct timer_heap *heap, struct aio_timer *timer);
static inline struct aio_timer *timer_heap_first(const struct timer_heap *heap)
{
    return heap->count ? heap->items[0].timer : NULL;
}
void io_init(struct watched *w);                  /* with the loop */
void io_free(struct watched *w);
int io_wait(aio_loop *loop, aio_time timeout);    /* < 0: no timeout; 0 or an errno */
/* and aio_watch, aio_unwatch, watcher_of, take_closed_mark */
/* A programming error: print "FUNCTION: what went wrong" on stderr, then abort. */
_Noreturn void misuse(const char *function, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

#define REQUIRE_ARGUMENT(pointer, function) \
    do { if (!(pointer)) misuse(function, "the argument '%s' is NULL", #pointer); } while (0)
/* What later chapters add to a loop when it is made (0, or an errno: the loop is not
   made) and free when it is freed: defined in extensions.c. */
int loop_extensions_init(aio_loop *loop, const aio_loop_options *options);
void loop_extensions_free(aio_loop *loop);
void loop_add_before_turn(aio_loop *loop, void (*fn)(aio_loop *));   /* for the loop's life */
/* Before each turn, if *flag is set, call take(loop), which clears it; NULL: no flag. */
void loop_watch_flag(aio_loop *loop, atomic_int *flag, void (*take)(aio_loop *));
void aio_timer_cancel_internal(aio_loop *loop, aio_timer *timer);
/* The caller's own timer, delay from now; AIO_FOREVER arms nothing. false: no memory. */
bool timer_arm(aio_loop *loop, aio_timer *timer, aio_time delay, aio_callback *fn, void *arg);
void free_every_task(aio_loop *loop);
void free_spare_tasks(struct aio_task **spares);
size_t default_stack_size(void);
int open_wake_pipe(int fds[2]);    /* non-blocking, close-on-exec; 0 or an errno */
void close_wake_pipe(int fds[2]);
void drain_wake_pipe(int fd);
void watch_for_stuck_jobs(aio_loop *loop);
const void *this_thread(void);
bool in_loop_thread(const aio_loop *loop, const char *function);
void thread_pool_free(struct thread_pool *pool);
void foreign_calls_open(aio_loop *loop);
void foreign_calls_close(aio_loop *loop);
extern atomic_int sigint_arrived;
void take_sigint(aio_loop *loop);
void catch_sigint(aio_loop *loop);
aio_outcome stop_catching_sigint(aio_loop *loop, struct aio_task *main_task,
                                 aio_outcome result);
#ifndef AIO_WITHOUT_INSIDE
#define INSIDE(loop) __builtin_expect((loop)->inside != NULL, 0)
#define TRACING_ANY_LOOP() __builtin_expect(inside_tracing, 0)
#else   /* the benchmark's build without these tools, to measure what they cost */
#define INSIDE(loop) ((void)(loop), 0)
#define TRACING_ANY_LOOP() 0
#endif
struct inside *inside_new(aio_loop *loop, const aio_loop_options *options);
void inside_free(aio_loop *loop);
void inside_created(aio_loop *loop, struct aio_task *task);
void inside_step_begins(aio_loop *loop, struct aio_task *task);
void inside_leaves(struct aio_task *task);
void inside_woken(struct aio_task *task, aio_status status);
void inside_cancel_asked(struct aio_task *task, const char *message);
void inside_ended(struct aio_task *task, aio_status status);
void inside_timer_due(aio_loop *loop, aio_time deadline, aio_time now);
void inside_main_ended(aio_loop *loop);
void inside_turn(aio_loop *loop);
/* Would the loop, between this turn and the next, do nothing but start the next one? */
static inline bool loop_idle_between_turns(const aio_loop *loop)
{
    return loop->timers.count == 0 && loop->watched.count == 0 && !loop->stop_requested &&
           loop->before_turn.count == 0 &&
           !atomic_load_explicit(loop->flagged.flag, memory_order_relaxed);
}
void use_the_thread_pools(aio_loop *loop, size_t stack_size);
void give_the_spare_tasks_back(aio_loop *loop);
#endif
