/* ch08_io.c: tasks waiting for descriptors, chapter 8. */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"
#include "aio.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

static const aio_loop_options virtual = {.virtual_clock = true};
static aio_time now(void) { return aio_now(aio_running_loop()); }
static int fds[2];

static aio_outcome write_later(void *ms)
{
    if (aio_sleep(AIO_MSEC((intptr_t)ms)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
    ck_assert_int_eq(write(fds[1], "ping", 4), 4);
    return aio_value(0);
}

static aio_outcome read_when_ready(void *arg)
{
    (void)arg;
    aio_task *writer = aio_spawn("writer", write_later, (void *)7);
    char buffer[8];
    size_t got;
    ck_assert_int_eq(aio_read(fds[0], buffer, sizeof buffer, &got), AIO_OK);
    ck_assert_uint_eq(got, 4);
    ck_assert_int_eq(memcmp(buffer, "ping", 4), 0);
    ck_assert_int_eq(now(), AIO_MSEC(7));
    ck_assert_int_eq(aio_await(writer, NULL), AIO_OK);
    aio_release(writer);
    return aio_value(0);
}

START_TEST(a_task_reads_a_pipe_when_it_becomes_readable)
{
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(aio_set_nonblocking(fds[0]), 0);
    ck_assert_int_eq(aio_run(read_when_ready, NULL, &virtual, NULL), AIO_OK);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

static aio_outcome wait_with_timeout(void *arg)
{
    (void)arg;
    ck_assert_int_eq(aio_wait_fd(fds[0], AIO_READABLE, AIO_MSEC(25)), AIO_TIMEOUT);
    ck_assert_int_eq(now(), AIO_MSEC(25));
    ck_assert_int_eq(aio_wait_fd(fds[1], AIO_WRITABLE, AIO_MSEC(25)), AIO_OK);  /* at once */
    ck_assert_int_eq(now(), AIO_MSEC(25));
    /* the same descriptor can be waited for again after a timeout */
    ck_assert_int_eq(aio_wait_fd(fds[0], AIO_READABLE, 0), AIO_TIMEOUT);
    return aio_value(0);
}

START_TEST(a_wait_times_out_exactly)
{
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    ck_assert_int_eq(aio_run(wait_with_timeout, NULL, &virtual, NULL), AIO_OK);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

static aio_outcome refuse(void *arg)
{
    (void)arg;
    errno = 0;
    ck_assert_int_eq(aio_wait_fd(-3, AIO_READABLE, AIO_FOREVER), AIO_ERROR);
    ck_assert_int_eq(errno, EBADF);
    errno = 0;
    ck_assert_int_eq(aio_wait_fd(0, 0, AIO_FOREVER), AIO_ERROR);    /* no event */
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(aio_wait_fd(0, 8, AIO_FOREVER), AIO_ERROR);    /* not an event */
    ck_assert_int_eq(errno, EINVAL);
    return aio_value(0);
}

/* Outside a task, the message names the function the program called. */
static void read_outside_a_task(void *arg)
{
    (void)arg;
    int p[2];
    char byte;
    size_t got;
    if (pipe(p) != 0 || aio_set_nonblocking(p[0]) != 0) _exit(2);
    _exit(aio_read(p[0], &byte, 1, &got) == AIO_ERROR ? 0 : 1);
}

START_TEST(a_read_outside_a_task_is_refused_by_its_own_name)
{
    char text[1024];
    int status = run_in_child(read_outside_a_task, NULL, text, sizeof text);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child failed: %s", text);
    ck_assert_msg(strstr(text, "aio_read: not called from a task") != NULL, "got: %s", text);
}
END_TEST

START_TEST(bad_descriptors_and_events_are_refused)
{
    ck_assert_int_eq(aio_run(refuse, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

/* An open descriptor numbered FD_SETSIZE or more: the select() backend refuses it
   (EBADF), the epoll backend (appendix "epoll", -DAIO_BACKEND_EPOLL) serves it. */
static int high_fd;
static aio_outcome wait_on_a_high_descriptor(void *arg)
{
    (void)arg;
    errno = 0;
#ifdef AIO_BACKEND_EPOLL
    ck_assert_int_eq(write(fds[1], "h", 1), 1);
    ck_assert_int_eq(aio_wait_fd(high_fd, AIO_READABLE, AIO_SEC(1)), AIO_OK);
    char byte;
    size_t got;
    ck_assert_int_eq(aio_read(high_fd, &byte, 1, &got), AIO_OK);
    ck_assert_uint_eq(got, 1);
#else
    ck_assert_int_eq(aio_wait_fd(high_fd, AIO_READABLE, AIO_FOREVER), AIO_ERROR);
    ck_assert_int_eq(errno, EBADF);
#endif
    return aio_value(0);
}

START_TEST(descriptors_past_fd_setsize_are_refused_by_select_and_served_by_epoll)
{
    ck_assert_int_eq(pipe(fds), 0);
    high_fd = duplicate_at_or_above(fds[0], FD_SETSIZE);
    if (high_fd >= 0) {
        ck_assert_int_eq(aio_run(wait_on_a_high_descriptor, NULL, &virtual, NULL), AIO_OK);
        close(high_fd);
    }
    close(fds[0]);
    close(fds[1]);
}
END_TEST

/* A timeout of zero or less is a poll: ready at the next turn, or AIO_TIMEOUT. */
static aio_outcome poll_with_timeouts_of_zero_or_less(void *arg)
{
    (void)arg;
    ck_assert_int_eq(aio_sleep(AIO_SEC(1)), AIO_OK);
    ck_assert_int_eq(aio_wait_fd(fds[0], AIO_READABLE, -AIO_SEC(1)), AIO_TIMEOUT);
    ck_assert_int_eq(aio_wait_fd(fds[0], AIO_READABLE, 0), AIO_TIMEOUT);
    ck_assert_int_eq(aio_wait_fd(fds[1], AIO_WRITABLE, -1), AIO_OK);
    ck_assert_int_eq(now(), AIO_SEC(1));
    return aio_value(0);
}

START_TEST(a_timeout_of_zero_or_less_is_a_poll)
{
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    ck_assert_int_eq(aio_run(poll_with_timeouts_of_zero_or_less, NULL, &virtual, NULL), AIO_OK);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

/* A wait returns AIO_OK only when the descriptor is ready: the read after it never
   fails with EAGAIN (each byte arrives alone; the reader waits before every read). */
enum { DRIPS = 20 };
static aio_outcome drip(void *arg)
{
    (void)arg;
    for (int i = 0; i < DRIPS; i++) {
        if (aio_sleep(AIO_MSEC(1)) != AIO_OK) return aio_propagate(AIO_CANCELLED);
        ck_assert_int_eq(write(fds[1], "d", 1), 1);
    }
    return aio_value(0);
}

static aio_outcome wait_then_read(void *arg)
{
    (void)arg;
    aio_task *writer = aio_spawn("drip", drip, NULL);
    int bytes = 0;
    while (bytes < DRIPS) {
        ck_assert_int_eq(aio_wait_fd(fds[0], AIO_READABLE, AIO_FOREVER), AIO_OK);
        char buffer[DRIPS];
        ssize_t n = read(fds[0], buffer, sizeof buffer);
        ck_assert_msg(n > 0, "woken for a descriptor that was not ready (read: %s)",
                      n < 0 ? strerror(errno) : "end of file");
        bytes += (int)n;
    }
    ck_assert_int_eq(aio_await(writer, NULL), AIO_OK);
    aio_release(writer);
    return aio_value(0);
}

START_TEST(a_wait_returns_only_when_the_descriptor_is_ready)
{
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(aio_set_nonblocking(fds[0]), 0);
    ck_assert_int_eq(aio_run(wait_then_read, NULL, &virtual, NULL), AIO_OK);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

static aio_outcome wait_forever(void *arg)
{
    (void)arg;
    aio_status status = aio_wait_fd(fds[0], AIO_READABLE, AIO_FOREVER);
    return aio_value(status * 1000 + errno);
}

static aio_outcome close_under_a_waiter(void *arg)
{
    (void)arg;
    aio_task *waiter = aio_spawn("waiter", wait_forever, NULL);
    ck_assert_int_eq(aio_sleep(AIO_MSEC(1)), AIO_OK);
    aio_task *second = aio_spawn("second", wait_forever, NULL);   /* same fd, same event */
    aio_outcome out;
    ck_assert_int_eq(aio_await(second, &out), AIO_OK);
    ck_assert_int_eq(out.value, AIO_ERROR * 1000 + EBUSY);
    close(fds[0]);
    ck_assert_int_eq(aio_await(waiter, &out), AIO_OK);
    ck_assert_int_eq(out.value, AIO_ERROR * 1000 + EBADF);       /* woken, not hung */
    aio_release(waiter);
    aio_release(second);
    return aio_value(0);
}

START_TEST(closing_a_watched_descriptor_wakes_its_waiter_with_an_error)
{
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(aio_run(close_under_a_waiter, NULL, NULL, NULL), AIO_OK);
    close(fds[1]);
}
END_TEST

/* Closing under a waiter while another task keeps the loop busy: select() finds the
   closed descriptor at its next turn; epoll (appendix "epoll") once the loop has
   nothing else to do. Either way the waiter learns EBADF. */
enum { BUSY_TURNS = 20 };
static int busy_turns, busy_turns_at_wake_up;
static aio_outcome keep_the_loop_busy(void *arg)
{
    (void)arg;
    for (busy_turns = 0; busy_turns < BUSY_TURNS; busy_turns++)
        if (aio_yield() != AIO_OK) return aio_propagate(AIO_CANCELLED);
    return aio_value(0);
}

static aio_outcome wait_and_note_the_turn(void *arg)
{
    aio_outcome outcome = wait_forever(arg);
    busy_turns_at_wake_up = busy_turns;
    return outcome;
}

static aio_outcome close_while_busy(void *arg)
{
    (void)arg;
    aio_task *waiter = aio_spawn("waiter", wait_and_note_the_turn, NULL);
    ck_assert_int_eq(aio_yield(), AIO_OK);   /* the waiter now waits */
    aio_task *busy = aio_spawn("busy", keep_the_loop_busy, NULL);
    close(fds[0]);
    aio_outcome out;
    ck_assert_int_eq(aio_await(waiter, &out), AIO_OK);
    ck_assert_int_eq(out.value, AIO_ERROR * 1000 + EBADF);
#ifdef AIO_BACKEND_EPOLL
    ck_assert_int_eq(busy_turns_at_wake_up, BUSY_TURNS);
#else
    ck_assert_int_lt(busy_turns_at_wake_up, 3);
#endif
    ck_assert_int_eq(aio_await(busy, NULL), AIO_OK);
    aio_release(waiter);
    aio_release(busy);
    return aio_value(0);
}

START_TEST(a_close_under_a_busy_loop_is_found_by_select_at_once_by_epoll_when_idle)
{
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(aio_run(close_while_busy, NULL, NULL, NULL), AIO_OK);
    close(fds[1]);
}
END_TEST

/* A number reused after a close is a new descriptor, and a wait on it sees the new
   one's readiness (epoll's registration went with the old one: it registers afresh). */
static aio_outcome reuse_a_number(void *arg)
{
    (void)arg;
    int first[2], second[2];
    ck_assert_int_eq(pipe(first), 0);
    ck_assert_int_eq(aio_wait_fd(first[0], AIO_READABLE, 0), AIO_TIMEOUT);
    ck_assert_int_eq(write(first[1], "x", 1), 1);
    ck_assert_int_eq(aio_wait_fd(first[0], AIO_READABLE, AIO_MSEC(5)), AIO_OK);
    close(first[0]);
    close(first[1]);
    ck_assert_int_eq(pipe(second), 0);
    ck_assert_int_eq(second[0], first[0]);   /* the lowest free number, reused */
    ck_assert_int_eq(aio_wait_fd(second[0], AIO_READABLE, AIO_MSEC(5)), AIO_TIMEOUT);
    ck_assert_int_eq(write(second[1], "y", 1), 1);
    ck_assert_int_eq(aio_wait_fd(second[0], AIO_READABLE, AIO_MSEC(5)), AIO_OK);
    ck_assert_int_eq(now(), AIO_MSEC(5));
    close(second[0]);
    close(second[1]);
    return aio_value(0);
}

START_TEST(a_reused_descriptor_number_is_waited_for_afresh)
{
    ck_assert_int_eq(aio_run(reuse_a_number, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

/* A closed number whose open file lives on (a dup of it): epoll keeps that file's
   registration under the old number; its events must not wake a new descriptor
   that has the number now. */
static aio_outcome ignore_an_old_registration(void *arg)
{
    (void)arg;
    int old[2], fresh[2];
    ck_assert_int_eq(pipe(old), 0);
    ck_assert_int_eq(aio_wait_fd(old[0], AIO_READABLE, 0), AIO_TIMEOUT);   /* armed, unused */
    int keep = dup(old[0]);
    ck_assert_int_ge(keep, 0);
    close(old[0]);
    ck_assert_int_eq(pipe(fresh), 0);
    ck_assert_int_eq(fresh[0], old[0]);
    ck_assert_int_eq(write(old[1], "x", 1), 1);   /* the old file becomes readable */
    ck_assert_int_eq(aio_wait_fd(fresh[0], AIO_READABLE, AIO_MSEC(10)), AIO_TIMEOUT);
    ck_assert_int_eq(write(fresh[1], "y", 1), 1);
    ck_assert_int_eq(aio_wait_fd(fresh[0], AIO_READABLE, AIO_MSEC(10)), AIO_OK);
    close(keep);
    close(old[1]);
    close(fresh[0]);
    close(fresh[1]);
    return aio_value(0);
}

START_TEST(an_old_registration_does_not_wake_a_new_descriptor_of_the_same_number)
{
    ck_assert_int_eq(aio_run(ignore_an_old_registration, NULL, &virtual, NULL), AIO_OK);
}
END_TEST

/* A task whose last aio_read found its descriptor empty waits before reading it again,
   rather than trying a read that fails with EAGAIN: about two reads per round trip of
   a ping-pong (one on each side), not four. Counted by the kernel in /proc/self/io. */
enum { PINGS = 200 };
static long read_calls(void)
{
    char line[64];
    long count = -1;
    FILE *io = fopen("/proc/self/io", "r");
    while (io && count < 0 && fgets(line, sizeof line, io))
        if (sscanf(line, "syscr: %ld", &count) != 1) count = -1;
    if (io) fclose(io);
    return count;
}

static aio_status read_exactly(int fd, char *buffer, size_t size)
{
    size_t have = 0, got = 0;
    aio_status status = AIO_OK;
    while (status == AIO_OK && have < size)
        if ((status = aio_read(fd, buffer + have, size - have, &got)) == AIO_OK && got == 0)
            return AIO_ERROR;
        else
            have += got;
    return status;
}

static aio_outcome pong(void *arg)
{
    (void)arg;
    char message[4];
    for (int i = 0; i < PINGS; i++) {
        ck_assert_int_eq(read_exactly(fds[1], message, sizeof message), AIO_OK);
        ck_assert_int_eq(aio_write_all(fds[1], message, sizeof message), AIO_OK);
    }
    return aio_value(0);
}

static aio_outcome ping_pong(void *arg)
{
    (void)arg;
    aio_task *other = aio_spawn("pong", pong, NULL);
    long before = read_calls();
    char reply[4];
    for (int i = 0; i < PINGS; i++) {
        ck_assert_int_eq(aio_write_all(fds[0], "ping", 4), AIO_OK);
        ck_assert_int_eq(read_exactly(fds[0], reply, sizeof reply), AIO_OK);
        ck_assert_int_eq(memcmp(reply, "ping", 4), 0);
    }
    long after = read_calls();
    ck_assert_int_eq(aio_await(other, NULL), AIO_OK);
    aio_release(other);
    if (before < 0 || after < 0 || RUNNING_ON_VALGRIND) {   /* Valgrind reads too */
        fprintf(stderr, "skipped: no count of this program's own reads in /proc/self/io\n");
        return aio_value(0);
    }
    ck_assert_msg(after - before < 3 * PINGS, "%ld reads for %d round trips", after - before, PINGS);
    return aio_value(0);
}

START_TEST(a_descriptor_found_empty_is_waited_for_before_it_is_read_again)
{
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    ck_assert_int_eq(aio_set_nonblocking(fds[0]), 0);
    ck_assert_int_eq(aio_set_nonblocking(fds[1]), 0);
    ck_assert_int_eq(aio_run(ping_pong, NULL, &virtual, NULL), AIO_OK);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

static aio_outcome cancel_a_reader(void *arg)
{
    (void)arg;
    aio_task *waiter = aio_spawn("waiter", wait_forever, NULL);
    ck_assert_int_eq(aio_sleep(AIO_MSEC(3)), AIO_OK);
    aio_cancel(waiter, "enough");
    aio_outcome out;
    ck_assert_int_eq(aio_await(waiter, &out), AIO_OK);
    ck_assert_int_eq(out.value / 1000, AIO_CANCELLED);
    ck_assert_int_eq(now(), AIO_MSEC(3));
    ck_assert_int_eq(write(fds[1], "x", 1), 1);            /* a late readiness wakes no one */
    ck_assert_int_eq(aio_sleep(AIO_MSEC(1)), AIO_OK);
    aio_release(waiter);
    return aio_value(0);
}

START_TEST(cancelling_an_io_wait_unwatches_the_descriptor)
{
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(aio_run(cancel_a_reader, NULL, &virtual, NULL), AIO_OK);
    close(fds[0]);
    close(fds[1]);
}
END_TEST

/* Echo over loopback TCP: 40 connections, 25 round trips each. */
enum { CONNECTIONS = 40, TRIPS = 25 };
static struct sockaddr_in address;
static long trips;

static long eagain_reads;   /* reads after a wait that said "readable", which failed */

/* aio_read's loop, written out: wait first, then read; count the reads a wait
   promised would succeed and that failed with EAGAIN. */
static aio_status wait_then_read_once(int fd, void *buffer, size_t size, size_t *got)
{
    for (;;) {
        aio_status status = aio_wait_fd(fd, AIO_READABLE, AIO_FOREVER);
        if (status != AIO_OK) return status;
        ssize_t n = read(fd, buffer, size);
        if (n >= 0) {
            *got = (size_t)n;
            return AIO_OK;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) return AIO_ERROR;
        eagain_reads++;
    }
}

static aio_outcome echo_connection(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buffer[256];
    size_t got;
    while (wait_then_read_once(fd, buffer, sizeof buffer, &got) == AIO_OK && got > 0)
        if (aio_write_all(fd, buffer, got) != AIO_OK) break;
    close(fd);
    return aio_value(0);
}

static aio_outcome echo_server(void *listener)
{
    int client;
    while (aio_accept((int)(intptr_t)listener, &client) == AIO_OK)
        aio_release(aio_spawn("echo", echo_connection, (void *)(intptr_t)client));
    return aio_propagate(AIO_CANCELLED);
}

static aio_outcome echo_client(void *arg)
{
    int id = (int)(intptr_t)arg, fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_eq(aio_set_nonblocking(fd), 0);
    ck_assert_int_eq(aio_connect(fd, &address, sizeof address), AIO_OK);
    for (int i = 0; i < TRIPS; i++) {
        char message[32] = {0}, reply[32];
        snprintf(message, sizeof message, "c%03d-m%03d", id, i);
        ck_assert_int_eq(aio_write_all(fd, message, sizeof message), AIO_OK);
        size_t have = 0, got;
        while (have < sizeof reply) {
            ck_assert_int_eq(wait_then_read_once(fd, reply + have, sizeof reply - have, &got), AIO_OK);
            ck_assert_uint_gt(got, 0);
            have += got;
        }
        ck_assert_str_eq(reply, message);
        trips++;
    }
    close(fd);
    return aio_value(0);
}

static aio_outcome echo_test(void *arg)
{
    (void)arg;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    address = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    ck_assert_int_eq(bind(listener, (void *)&address, length), 0);
    ck_assert_int_eq(listen(listener, 64), 0);
    ck_assert_int_eq(getsockname(listener, (void *)&address, &length), 0);
    ck_assert_int_eq(aio_set_nonblocking(listener), 0);
    aio_task *server = aio_spawn("server", echo_server, (void *)(intptr_t)listener);
    aio_task *clients[CONNECTIONS];
    aio_outcome outcomes[CONNECTIONS];
    for (int i = 0; i < CONNECTIONS; i++) clients[i] = aio_spawn("client", echo_client, (void *)(intptr_t)i);
    ck_assert_int_eq(aio_gather(clients, CONNECTIONS, false, outcomes), AIO_OK);
    for (int i = 0; i < CONNECTIONS; i++) aio_release(clients[i]);
    aio_cancel(server, "done");            /* before its socket is closed */
    ck_assert_int_eq(aio_await(server, NULL), AIO_CANCELLED);
    aio_release(server);
    close(listener);
    return aio_value(0);
}

START_TEST(echo_round_trips_over_many_connections)
{
    trips = eagain_reads = 0;
    ck_assert_int_eq(aio_run(echo_test, NULL, NULL, NULL), AIO_OK);
    ck_assert_int_eq(trips, CONNECTIONS * TRIPS);
    ck_assert_msg(eagain_reads == 0, "%ld reads failed with EAGAIN after a wait said readable",
                  eagain_reads);
}
END_TEST

static Suite *io_suite(void)
{
    Suite *s = suite_create("chapter 8: input and output");
    TCase *t = tcase_create("io");
    tcase_set_timeout(t, 30);
    tcase_add_test(t, a_task_reads_a_pipe_when_it_becomes_readable);
    tcase_add_test(t, a_wait_times_out_exactly);
    tcase_add_test(t, bad_descriptors_and_events_are_refused);
    tcase_add_test(t, descriptors_past_fd_setsize_are_refused_by_select_and_served_by_epoll);
    tcase_add_test(t, a_close_under_a_busy_loop_is_found_by_select_at_once_by_epoll_when_idle);
    tcase_add_test(t, a_reused_descriptor_number_is_waited_for_afresh);
    tcase_add_test(t, an_old_registration_does_not_wake_a_new_descriptor_of_the_same_number);
    tcase_add_test(t, a_read_outside_a_task_is_refused_by_its_own_name);
    tcase_add_test(t, closing_a_watched_descriptor_wakes_its_waiter_with_an_error);
    tcase_add_test(t, cancelling_an_io_wait_unwatches_the_descriptor);
    tcase_add_test(t, a_timeout_of_zero_or_less_is_a_poll);
    tcase_add_test(t, a_wait_returns_only_when_the_descriptor_is_ready);
    tcase_add_test(t, echo_round_trips_over_many_connections);
    tcase_add_test(t, a_descriptor_found_empty_is_waited_for_before_it_is_read_again);
    suite_add_tcase(s, t);
    return s;
}

TEST_MAIN(io_suite)
