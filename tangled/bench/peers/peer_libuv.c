/* Benchmark peer: C on libuv, callbacks instead of tasks (appendix-peers). */
#define _POSIX_C_SOURCE 200809L  /* uv.h needs the POSIX thread types */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include "../pairs.h"   /* W6's connections, shared with the runtime's program */

static void report(const char *workload, const char *metric, int decimals, double value)
{
    printf("RESULT %s libuv %s %.*f\n", workload, metric, decimals, value);
}

static double peak_rss_bytes(void)
{
    char line[256];
    long kib = -1;
    FILE *status = fopen("/proc/self/status", "r");
    if (status == NULL) { perror("/proc/self/status"); exit(1); }
    while (kib < 0 && fgets(line, sizeof line, status) != NULL)
        if (sscanf(line, "VmHWM: %ld kB", &kib) != 1) kib = -1;
    fclose(status);
    return kib * 1024.0;
}
static double cpu_seconds(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static double seconds_since(uint64_t start_ns) { return (uv_hrtime() - start_ns) / 1e9; }

static void *allocate(size_t size)
{
    void *memory = malloc(size);
    if (memory == NULL) { fputs("peer_libuv: out of memory\n", stderr); exit(1); }
    return memory;
}

/* Close callback for a handle that is the first member of a malloc'd struct. */
static void free_handle(uv_handle_t *handle) { free(handle); }
struct yielding_task { uv_idle_t idle; int steps; };  /* idle first: see free_handle */

static void yielding_task_step(uv_idle_t *idle)
{
    struct yielding_task *task = (struct yielding_task *)idle;
    if (++task->steps == 2) uv_close((uv_handle_t *)idle, free_handle);
}

static void spawn_and_gather(uv_loop_t *loop, long n)
{
    uint64_t start = uv_hrtime();
    for (long i = 0; i < n; i++) {
        struct yielding_task *task = allocate(sizeof *task);
        task->steps = 0;
        uv_idle_init(loop, &task->idle);
        uv_idle_start(&task->idle, yielding_task_step);
    }
    uv_run(loop, UV_RUN_DEFAULT);
    report("W1", "us_per_task", 3, seconds_since(start) / n * 1e6);
}
struct counting_task { uv_idle_t idle; long steps_left; };

static void counting_task_step(uv_idle_t *idle)
{
    struct counting_task *task = (struct counting_task *)idle;
    if (--task->steps_left == 0) uv_close((uv_handle_t *)idle, NULL);
}

static void ping_pong(uv_loop_t *loop, long n)
{
    long half = n / 2;
    struct counting_task tasks[2] = { { .steps_left = half }, { .steps_left = half } };
    uint64_t start = uv_hrtime();
    for (int i = 0; i < 2; i++) {
        uv_idle_init(loop, &tasks[i].idle);
        uv_idle_start(&tasks[i].idle, counting_task_step);
    }
    uv_run(loop, UV_RUN_DEFAULT);
    report("W2", "ns_per_switch", 1, seconds_since(start) * 1e9 / (2.0 * half));
}
static long sleep_ms(long i) { return (long)((unsigned long)i * 2654435761ul % 4294967291ul % 100); }

static void sleeper_wakes(uv_timer_t *timer) { uv_close((uv_handle_t *)timer, free_handle); }

static void random_sleepers(uv_loop_t *loop, long n)
{
    long longest = 0;
    for (long i = 0; i < n; i++) longest = sleep_ms(i) > longest ? sleep_ms(i) : longest;
    uv_update_time(loop);
    uint64_t start = uv_hrtime();
    for (long i = 0; i < n; i++) {
        uv_timer_t *timer = allocate(sizeof *timer);
        uv_timer_init(loop, timer);
        uv_timer_start(timer, sleeper_wakes, (uint64_t)sleep_ms(i), 0);
    }
    uv_run(loop, UV_RUN_DEFAULT);
    report("W3", "late_ms", 2, seconds_since(start) * 1e3 - longest);
}
struct worker { uv_timer_t timer; struct worker *next_waiter; };

static struct {
    int permits;
    struct worker *first_waiter, *last_waiter;
} semaphore;

static void enter_limited_section(struct worker *worker);

static void semaphore_acquire(struct worker *worker)
{
    if (semaphore.permits > 0) {
        semaphore.permits--;
        enter_limited_section(worker);
        return;
    }
    worker->next_waiter = NULL;
    if (semaphore.last_waiter != NULL) semaphore.last_waiter->next_waiter = worker;
    else semaphore.first_waiter = worker;
    semaphore.last_waiter = worker;
}
static void semaphore_release(void)
{
    struct worker *next = semaphore.first_waiter;
    if (next == NULL) { semaphore.permits++; return; }
    semaphore.first_waiter = next->next_waiter;
    if (semaphore.first_waiter == NULL) semaphore.last_waiter = NULL;
    enter_limited_section(next);
}
static void leave_limited_section(uv_timer_t *timer)
{
    uv_close((uv_handle_t *)timer, NULL);
    semaphore_release();
}

static void enter_limited_section(struct worker *worker)
{
    uv_timer_start(&worker->timer, leave_limited_section, 10, 0);
}
static void semaphore_workers(uv_loop_t *loop, long n)
{
    struct worker *workers = allocate(n * sizeof *workers);
    semaphore.permits = 5;
    double cpu_start = cpu_seconds();
    uint64_t start = uv_hrtime();
    for (long i = 0; i < n; i++) {
        uv_timer_init(loop, &workers[i].timer);
        semaphore_acquire(&workers[i]);
    }
    uv_run(loop, UV_RUN_DEFAULT);
    report("W4", "wall_ms", 1, seconds_since(start) * 1e3);
    report("W4", "cpu_ms", 2, (cpu_seconds() - cpu_start) * 1e3);
    free(workers);
}
static void million_sleepers(uv_loop_t *loop, long n)
{
    double rss_before = peak_rss_bytes();
    uv_update_time(loop);
    uint64_t start = uv_hrtime();
    for (long i = 0; i < n; i++) {
        uv_timer_t *timer = allocate(sizeof *timer);
        uv_timer_init(loop, timer);
        uv_timer_start(timer, sleeper_wakes, 1000, 0);
    }
    uv_run(loop, UV_RUN_DEFAULT);
    report("W5", "past_sleep_s", 3, seconds_since(start) - 1.0);
    report("W5", "bytes_per_task", 0, (peak_rss_bytes() - rss_before) / n);
}
struct pending_write { uv_write_t request; char data[]; };

static void pending_write_done(uv_write_t *request, int status)
{
    if (status < 0) { fprintf(stderr, "peer_libuv: write: %s\n", uv_strerror(status)); exit(1); }
    free(request);
}

static void write_all(uv_stream_t *stream, const char *data, size_t size)
{
    uv_buf_t buffer = uv_buf_init((char *)data, (unsigned)size);
    int written = uv_try_write(stream, &buffer, 1);
    if (written == (int)size) return;
    if (written < 0 && written != UV_EAGAIN) { fprintf(stderr, "peer_libuv: write: %s\n", uv_strerror(written)); exit(1); }
    size_t done = written > 0 ? (size_t)written : 0;
    struct pending_write *rest = allocate(sizeof *rest + size - done);
    memcpy(rest->data, data + done, size - done);
    buffer = uv_buf_init(rest->data, (unsigned)(size - done));
    uv_write(&rest->request, stream, &buffer, 1, pending_write_done);
}
struct connection_side { uv_tcp_t tcp; long round_trips_left; size_t have; char buffer[512]; };
static const char message[64] = "ping";

static void give_buffer(uv_handle_t *handle, size_t suggested, uv_buf_t *buffer)
{
    (void)suggested;
    struct connection_side *side = (struct connection_side *)handle;
    *buffer = uv_buf_init(side->buffer + side->have, (unsigned)(sizeof side->buffer - side->have));
}

static void echo_back(uv_stream_t *stream, ssize_t got, const uv_buf_t *buffer)
{
    if (got > 0) write_all(stream, buffer->base, (size_t)got);
    else if (got < 0) uv_close((uv_handle_t *)stream, free_handle);   /* UV_EOF, or an error */
}
static void reply_arrives(uv_stream_t *stream, ssize_t got, const uv_buf_t *buffer)
{
    (void)buffer;
    struct connection_side *side = (struct connection_side *)stream;
    if (got < 0) { fprintf(stderr, "peer_libuv: the echo server closed the connection\n"); exit(1); }
    if ((side->have += (size_t)got) < sizeof message) return;
    side->have = 0;
    if (--side->round_trips_left > 0) write_all(stream, message, sizeof message);
    else uv_close((uv_handle_t *)stream, free_handle);
}

static void open_side(uv_loop_t *loop, int fd, long round_trips, uv_read_cb on_read)
{
    struct connection_side *side = allocate(sizeof *side);
    *side = (struct connection_side){ .round_trips_left = round_trips };
    uv_tcp_init(loop, &side->tcp);
    uv_tcp_open(&side->tcp, fd);
    uv_tcp_nodelay(&side->tcp, 1);
    uv_read_start((uv_stream_t *)&side->tcp, give_buffer, on_read);
    if (on_read == reply_arrives) write_all((uv_stream_t *)&side->tcp, message, sizeof message);
}
static long round_trips_each;   /* W6's optional third argument; 0: 200,000 in all */

static void echo_pairs(uv_loop_t *loop, long n)
{
    long round_trips = round_trips_each > 0 ? round_trips_each : 200000 / n > 0 ? 200000 / n : 1;
    int *client_fds = allocate(n * sizeof *client_fds), *server_fds = allocate(n * sizeof *server_fds);
    connect_pairs(n, client_fds, server_fds);
    if (role == CLIENTS) {
        if (uv_loop_fork(loop) != 0) exit(1);
        wait_for_the_word();
    }
    if (role == SERVERS) give_the_word();
    uv_update_time(loop);
    uint64_t start = uv_hrtime();
    for (long i = 0; i < n; i++) {
        if (role != CLIENTS) open_side(loop, server_fds[i], 0, echo_back);
        if (role != SERVERS) open_side(loop, client_fds[i], round_trips, reply_arrives);
    }
    uv_run(loop, UV_RUN_DEFAULT);
    if (role == CLIENTS) exit(uv_loop_close(loop) == 0 ? 0 : 1);
    if (role == SERVERS) wait_for_the_clients();
    report("W6", "round_trips_per_s", 0, n * round_trips / seconds_since(start));
    free(client_fds);
    free(server_fds);
}
static const struct {
    const char *name;
    void (*run)(uv_loop_t *loop, long n);
    long default_n;
} workloads[] = {
    { "W1", spawn_and_gather, 100000 }, { "W2", ping_pong, 1000000 },
    { "W3", random_sleepers, 100000 },  { "W4", semaphore_workers, 50 },
    { "W5", million_sleepers, 1000000 }, { "W6", echo_pairs, 100 },
};

int main(int argc, char **argv)
{
    for (size_t i = 0; argc >= 2 && argc <= 4 && i < sizeof workloads / sizeof workloads[0]; i++) {
        if (strcmp(argv[1], workloads[i].name) != 0) continue;
        long n = argc >= 3 ? strtol(argv[2], NULL, 10) : workloads[i].default_n;
        round_trips_each = argc == 4 ? strtol(argv[3], NULL, 10) : 0;
        if (n < 2 || (argc == 4 && (workloads[i].run != echo_pairs || round_trips_each < 1))) break;
        uv_loop_t loop;
        uv_loop_init(&loop);
        workloads[i].run(&loop, n);
        return uv_loop_close(&loop) == 0 ? 0 : 1;
    }
    fprintf(stderr, "usage: %s W1|W2|W3|W4|W5 [N >= 2] | W6 [N [ROUND_TRIPS_EACH]]\n", argv[0]);
    return 2;
}
