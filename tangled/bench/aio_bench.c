/* aio_bench.c: the workloads of the performance appendix, on this runtime. */
#define _DEFAULT_SOURCE   /* MAP_NORESERVE and syscall() for the floors */
#include "aio.h"
#include "coro.h"         /* the switch alone, for its floor */
#include "pairs.h"        /* W6's connections, shared with the libuv peer */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23   /* Linux 5.14; older C libraries lack the name */
#endif
#ifndef PIDFD_SELF
#define PIDFD_SELF (-10000)
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102   /* Linux 6.13 */
#endif

static long n, n_per_connection;   /* N, and W6's optional round trips per connection */

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu_seconds(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static double peak_rss_bytes(void)
{
    char line[256];
    long kib = -1;
    FILE *status = fopen("/proc/self/status", "r");
    while (status && kib < 0 && fgets(line, sizeof line, status))
        if (sscanf(line, "VmHWM: %ld kB", &kib) != 1) kib = -1;
    if (status) fclose(status);
    return kib * 1024.0;
}

static void report(const char *workload, const char *metric, double value)
{
    printf("RESULT %s aio %s %.6g\n", workload, metric, value);
}
struct batch { aio_task_fn *fn; long count; };
static double started, finished, cpu_started, cpu_finished;

static aio_outcome spawn_and_gather(void *arg)
{
    const struct batch *batch = arg;
    aio_task **tasks = malloc(batch->count * sizeof *tasks);
    aio_outcome *outcomes = malloc(batch->count * sizeof *outcomes);
    if (!tasks || !outcomes) return aio_error(ENOMEM, "no memory for %ld tasks", batch->count);
    started = seconds(), cpu_started = cpu_seconds();
    for (long i = 0; i < batch->count; i++)
        if (!(tasks[i] = aio_spawn("bench", batch->fn, (void *)(intptr_t)i)))
            return aio_error(ENOMEM, "no memory for task %ld", i);
    aio_status status = aio_gather(tasks, (size_t)batch->count, false, outcomes);
    for (long i = 0; i < batch->count; i++) aio_release(tasks[i]);
    finished = seconds(), cpu_finished = cpu_seconds();
    free(tasks);
    free(outcomes);
    return aio_propagate(status);
}
static bool run_batch(aio_task_fn *fn, long count)
{
    struct batch batch = {fn, count};
    aio_outcome outcome;
    if (aio_run(spawn_and_gather, &batch, NULL, &outcome) == AIO_OK) return true;
    fprintf(stderr, "aio_bench: %s\n", outcome.message ? outcome.message : "failed");
    return false;
}
static aio_outcome yield_once(void *arg)
{
    (void)arg;
    return aio_propagate(aio_yield());
}

static void w1(void)
{
    for (int run = 0; run < 2; run++) {
        if (!run_batch(yield_once, n)) exit(1);
        report("W1", run == 0 ? "us_per_task" : "us_per_task_warm", (finished - started) / n * 1e6);
    }
}
static aio_outcome yield_many(void *arg)
{
    (void)arg;
    for (long i = 0, rounds = n / 2; i < rounds; i++)
        if (aio_yield() != AIO_OK) return aio_propagate(AIO_CANCELLED);
    return aio_value(0);
}

static void w2(void)
{
    if (!run_batch(yield_many, 2)) exit(1);
    report("W2", "ns_per_switch", (finished - started) / (n / 2 * 2) * 1e9);
}
static long sleep_ms(long i) { return (long)((unsigned long)i * 2654435761ul % 4294967291ul % 100); }

static long longest_sleep_ms(void)
{
    long longest = 0;
    for (long i = 0; i < n; i++) longest = sleep_ms(i) > longest ? sleep_ms(i) : longest;
    return longest;
}

static aio_outcome sleep_random(void *arg)
{
    return aio_propagate(aio_sleep(AIO_MSEC(sleep_ms((intptr_t)arg))));
}

static void w3(void)
{
    for (int run = 0; run < 2; run++) {
        if (!run_batch(sleep_random, n)) exit(1);
        double late_ms = (finished - started) * 1e3 - longest_sleep_ms();
        report("W3", run == 0 ? "late_ms" : "late_ms_warm", late_ms);
    }
}
static aio_outcome sleep_one_second(void *arg)
{
    (void)arg;
    return aio_propagate(aio_sleep(AIO_SEC(1)));
}

static void w5(void)
{
    double rss = peak_rss_bytes();
    if (!run_batch(sleep_one_second, n)) exit(1);
    report("W5", "past_sleep_s", finished - started - 1.0);
    report("W5", "bytes_per_task", (peak_rss_bytes() - rss) / n);
}
static aio_semaphore *limit;

static aio_outcome limited_sleeper(void *arg)
{
    (void)arg;
    if (aio_semaphore_acquire(limit) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    aio_status status = aio_sleep(AIO_MSEC(10));
    aio_semaphore_release(limit);
    return aio_propagate(status);
}

static void w4(void)
{
    limit = aio_semaphore_new(5);
    if (!limit || !run_batch(limited_sleeper, n)) exit(1);
    report("W4", "wall_ms", (finished - started) * 1e3);
    report("W4", "cpu_ms", (cpu_finished - cpu_started) * 1e3);
    aio_semaphore_free(limit);
}
static long round_trips;   /* per connection */
static int *client_fds, *server_fds;

static void tune(int fd)   /* no Nagle delay, and non-blocking for the loop */
{
    int yes = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes) != 0 || aio_set_nonblocking(fd) != 0) {
        perror("aio_bench: socket options");
        exit(1);
    }
}

static void make_the_connections(void)
{
    client_fds = malloc(n * sizeof *client_fds), server_fds = malloc(n * sizeof *server_fds);
    if (!client_fds || !server_fds) exit(1);
    connect_pairs(n, client_fds, server_fds);
    for (long i = 0; i < n; i++) {
        if (role != SERVERS) tune(client_fds[i]);
        if (role != CLIENTS) tune(server_fds[i]);
    }
}
static aio_outcome echo_back(int fd)
{
    char buffer[512];
    size_t got;
    aio_status status;
    while ((status = aio_read(fd, buffer, sizeof buffer, &got)) == AIO_OK && got > 0)
        if ((status = aio_write_all(fd, buffer, got)) != AIO_OK) break;
    int error = errno;
    close(fd);
    if (status == AIO_ERROR) return aio_error(error, "echo: %s", strerror(error));
    return aio_propagate(status);
}
static aio_outcome ask_and_wait(int fd)
{
    char message[64] = "ping", reply[64];
    aio_status status = AIO_OK;
    for (long i = 0; status == AIO_OK && i < round_trips; i++) {
        status = aio_write_all(fd, message, sizeof message);
        for (size_t have = 0, got = 0; status == AIO_OK && have < sizeof reply; have += got)
            if ((status = aio_read(fd, reply + have, sizeof reply - have, &got)) == AIO_OK && got == 0)
                return aio_error(EPIPE, "the echo server closed the connection");
    }
    int error = errno;
    close(fd);
    if (status == AIO_ERROR) return aio_error(error, "round trip: %s", strerror(error));
    return aio_propagate(status);
}

static aio_outcome connection_side(void *arg)   /* both ends in one process */
{
    long i = (intptr_t)arg;
    return i % 2 == 0 ? echo_back(server_fds[i / 2]) : ask_and_wait(client_fds[i / 2]);
}

static aio_outcome serving_side(void *arg) { return echo_back(server_fds[(intptr_t)arg]); }
static aio_outcome asking_side(void *arg) { return ask_and_wait(client_fds[(intptr_t)arg]); }
static void w6(void)
{
    round_trips = n_per_connection > 0 ? n_per_connection : 200000 / n > 0 ? 200000 / n : 1;
    make_the_connections();
    if (role == CLIENTS) {
        wait_for_the_word();
        exit(run_batch(asking_side, n) ? 0 : 1);
    }
    if (role == SERVERS) give_the_word();
    if (!(role == SERVERS ? run_batch(serving_side, n) : run_batch(connection_side, 2 * n))) exit(1);
    if (role == SERVERS) wait_for_the_clients();
    report("W6", "round_trips_per_s", n * round_trips / (finished - started));
    free(client_fds);
    free(server_fds);
}
/* N slots spaced as the runtime's stacks are: 64 KiB of stack above a 64 KiB guard. */
static const size_t slot = 128 * 1024, page = 4096;

static char *fresh_slots(long count)
{
    char *memory = mmap(NULL, count * slot, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (memory == MAP_FAILED) { perror("aio_bench: mmap"); exit(1); }
    madvise(memory, count * slot, MADV_NOHUGEPAGE);   /* small pages, as the stack pool asks */
    return memory;
}

/* Where a task's first frame goes: the last line of its stack's top page. */
static volatile char *first_frame(char *memory, long i) { return memory + (i + 1) * slot - 64; }
enum { FAULTED, POPULATED, GUARDED, WAYS };
static const char *const way_metric[WAYS] = {"us_per_page", "us_per_page_populated", "us_per_page_guarded"};
static long per_way;   /* slots in each way's region: N / 3, rounded up */

/* The same advice for the same range of slots first..first+63, in one call;
   false where the kernel refuses. */
static bool advise_slots(char *memory, long first, size_t offset, size_t length, int advice)
{
    struct iovec ranges[64];
    long count = per_way - first < 64 ? per_way - first : 64;
    for (long j = 0; j < count; j++)
        ranges[j] = (struct iovec){.iov_base = memory + (first + j) * slot + offset, .iov_len = length};
    if (syscall(SYS_process_madvise, PIDFD_SELF, ranges, count, advice, 0) >= 0) return true;
    fprintf(stderr, "aio_bench: FLOOR: no bulk advice %d here: %s\n", advice, strerror(errno));
    return false;
}
/* Slots first..first+63 made ready one way, up to the first write; false if refused. */
static bool fresh_pages(int way, char *memory, long first)
{
    if (way == GUARDED && !advise_slots(memory, first, 0, slot / 2, MADV_GUARD_INSTALL)) return false;
    if (way == POPULATED && !advise_slots(memory, first, slot - page, page, MADV_POPULATE_WRITE)) return false;
    for (long i = first; i < per_way && i < first + 64; i++) *first_frame(memory, i) = 1;
    return true;
}

static void fresh_page_floors(char *regions[WAYS])
{
    double spent[WAYS] = {0};
    bool refused[WAYS] = {false};
    for (long first = 0; first < per_way; first += 64)
        for (int way = 0; way < WAYS; way++) {
            double before = seconds();
            refused[way] = refused[way] || !fresh_pages(way, regions[way], first);
            spent[way] += seconds() - before;
        }
    for (int way = 0; way < WAYS; way++)
        if (!refused[way]) report("FLOOR", way_metric[way], spent[way] / per_way * 1e6);
}
static void warm_stack_floor(char *regions[WAYS])
{
    started = seconds();
    for (int visit = 0; visit < 2; visit++)
        for (int way = 0; way < WAYS; way++)
            for (long i = 0; i < per_way; i++) *first_frame(regions[way], i) += 1;
    finished = seconds();
    report("FLOOR", "us_per_task_warm", (finished - started) / (WAYS * per_way) * 1e6);
}
static void sleeps_floor(void)
{
    double before = cpu_seconds();
    for (int wave = 0; wave < 10; wave++) {
        struct timeval ten_ms = {.tv_sec = 0, .tv_usec = 10000};
        select(0, NULL, NULL, NULL, &ten_ms);
    }
    report("FLOOR", "cpu_ms_ten_sleeps", (cpu_seconds() - before) * 1e3);
}
static struct coro floor_main, ping, pong;

static void ping_body(void *arg)
{
    (void)arg;
    for (long i = 0, rounds = n / 2; i < rounds; i++) coro_switch(&ping, &pong);
    coro_switch(&ping, &floor_main);
}

static void pong_body(void *arg)
{
    (void)arg;
    for (;;) coro_switch(&pong, &ping);
}

static void switch_floor(void)
{
    const size_t size = 64 * 1024;
    char *stacks = malloc(2 * size);
    if (!stacks) { fprintf(stderr, "aio_bench: SWITCH: no memory\n"); exit(1); }
    coro_init(&ping, stacks, size, ping_body, NULL);
    coro_init(&pong, stacks + size, size, pong_body, NULL);
    started = seconds();
    coro_switch(&floor_main, &ping);
    finished = seconds();
    report("SWITCH", "ns_per_switch", (finished - started) / (n / 2 * 2) * 1e9);
    free(stacks);
}
static void measure_the_floors(void)   /* FLOOR */
{
    char *regions[WAYS];
    per_way = (n + WAYS - 1) / WAYS;
    for (int way = 0; way < WAYS; way++) regions[way] = fresh_slots(per_way);
    fresh_page_floors(regions);
    warm_stack_floor(regions);   /* every page is backed now */
    sleeps_floor();
    for (int way = 0; way < WAYS; way++) munmap(regions[way], per_way * slot);
}
int main(int argc, char **argv)
{
    static const struct { const char *name; long n; void (*run)(void); } workloads[] = {
        {"W1", 100000, w1}, {"W2", 1000000, w2}, {"W3", 100000, w3}, {"W4", 50, w4},
        {"W5", 1000000, w5}, {"W6", 100, w6}, {"FLOOR", 100000, measure_the_floors},
        {"SWITCH", 1000000, switch_floor},
    };
    for (size_t i = 0; argc >= 2 && argc <= 4 && i < sizeof workloads / sizeof workloads[0]; i++) {
        if (strcmp(argv[1], workloads[i].name) != 0) continue;
        n = argc >= 3 ? atol(argv[2]) : workloads[i].n;
        n_per_connection = argc == 4 ? atol(argv[3]) : 0;
        if (n < 2 || (argc == 4 && (workloads[i].run != w6 || n_per_connection < 1))) break;
        workloads[i].run();
        return 0;
    }
    fprintf(stderr, "usage: aio_bench W1|W2|W3|W4|W5|FLOOR|SWITCH [N >= 2] | W6 [N [ROUND_TRIPS_EACH]]\n");
    return 2;
}
