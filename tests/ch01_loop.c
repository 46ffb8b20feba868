/* ch01_loop.c: the event loop of chapter 1. */
#include "test_util.h"
#include "aio.h"
#include "loop.h"
#include <errno.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

/* A log of which callback ran, and at what loop time. */
static aio_loop *loop;
static char order[64];
static aio_time when[64];
static int runs;

static void note(void *letter)
{
    when[runs] = aio_now(loop);
    order[runs++] = *(const char *)letter;
    order[runs] = '\0';
}

static void setup(void)
{
    loop = aio_loop_new(&(aio_loop_options){.virtual_clock = true});
    ck_assert_ptr_nonnull(loop);
    runs = 0;
    order[0] = '\0';
}

static void teardown(void) { aio_loop_free(loop); }

START_TEST(call_soon_runs_in_fifo_order)
{
    aio_call_soon(loop, note, "a");
    aio_call_soon(loop, note, "b");
    aio_call_soon(loop, note, "c");
    ck_assert_int_eq(aio_loop_run(loop), 0);
    ck_assert_str_eq(order, "abc");
}
END_TEST

static void add_d_then_note(void *letter)
{
    aio_call_soon(loop, note, "d");
    note(letter);
}

START_TEST(what_a_callback_adds_runs_in_the_next_turn)
{
    aio_call_soon(loop, add_d_then_note, "a");
    aio_call_soon(loop, note, "b");
    ck_assert_int_eq(aio_loop_run(loop), 0);
    ck_assert_str_eq(order, "abd");
}
END_TEST

START_TEST(timers_fire_earliest_first_and_ties_in_scheduling_order)
{
    aio_call_later(loop, AIO_MSEC(30), note, "c");
    aio_call_later(loop, AIO_MSEC(10), note, "a");
    aio_call_later(loop, AIO_MSEC(20), note, "b");
    aio_call_later(loop, AIO_MSEC(10), note, "A");
    aio_call_later(loop, AIO_MSEC(20), note, "B");
    aio_call_later(loop, AIO_MSEC(10), note, "x");
    ck_assert_int_eq(aio_loop_run(loop), 0);
    ck_assert_str_eq(order, "aAxbBc");
}
END_TEST

static aio_time fired_at[500];
static int fired_slot[500], fired;

static void record(void *index)
{
    int i = (int)(intptr_t)index;
    fired_at[fired] = aio_now(loop);
    fired_slot[fired++] = i;
}

START_TEST(timer_heap_orders_many_timers)
{
    fired = 0;
    for (int i = 0; i < 500; i++)
        aio_call_later(loop, AIO_MSEC((i * 37) % 7), record, (void *)(intptr_t)i);
    ck_assert_int_eq(aio_loop_run(loop), 0);
    ck_assert_int_eq(fired, 500);
    for (int k = 1; k < 500; k++) {
        ck_assert(fired_at[k - 1] <= fired_at[k]);
        if (fired_at[k - 1] == fired_at[k])   /* same deadline: scheduling order */
            ck_assert_int_lt(fired_slot[k - 1], fired_slot[k]);
    }
}
END_TEST

/* Seeded stress for the heap's bookkeeping: many timers, a third of them cancelled from
   wherever they sit in the heap; the rest fire exactly at their deadlines, in (deadline,
   scheduling) order. A timer that lost track of its place would cancel another. */
enum { MANY = 2000 };
static aio_time many_at[MANY];
static int many_slot[MANY], many_fired;

static void record_many(void *index)
{
    many_at[many_fired] = aio_now(loop);
    many_slot[many_fired++] = (int)(intptr_t)index;
}

static unsigned next_random(unsigned *seed) { return (*seed = *seed * 1103515245u + 12345u) >> 16; }

START_TEST(cancelling_from_anywhere_in_the_heap_keeps_the_rest_in_order)
{
    static aio_timer *timers[MANY];
    static aio_time deadline[MANY];
    static bool cancelled[MANY];
    unsigned seed = 20261130;
    int kept = MANY;
    many_fired = 0;
    for (int i = 0; i < MANY; i++) {
        aio_time delay = AIO_MSEC(next_random(&seed) % 50);
        deadline[i] = aio_now(loop) + delay;
        cancelled[i] = false;
        timers[i] = aio_call_later(loop, delay, record_many, (void *)(intptr_t)i);
        ck_assert_ptr_nonnull(timers[i]);
    }
    for (int i = MANY - 1; i >= 0; i--)
        if (next_random(&seed) % 3 == 0) {
            ck_assert(aio_timer_cancel(loop, timers[i]));
            cancelled[i] = true;
            kept--;
        }
    ck_assert_int_eq(aio_loop_run(loop), 0);
    ck_assert_int_eq(many_fired, kept);
    for (int k = 0; k < many_fired; k++) {
        int i = many_slot[k], before = k > 0 ? many_slot[k - 1] : -1;
        ck_assert(!cancelled[i]);
        ck_assert_int_eq(many_at[k], deadline[i]);
        if (before >= 0)
            ck_assert(deadline[before] < deadline[i] || (deadline[before] == deadline[i] && before < i));
    }
}
END_TEST

START_TEST(zero_delay_timer_runs_after_the_ready_callbacks)
{
    aio_call_later(loop, 0, note, "t");
    aio_call_soon(loop, note, "a");
    ck_assert_int_eq(aio_loop_run(loop), 0);
    ck_assert_str_eq(order, "at");
    ck_assert_int_eq(when[1], 0);
}
END_TEST

START_TEST(negative_delay_is_due_at_once)
{
    aio_call_later(loop, -AIO_SEC(5), note, "t");
    ck_assert_int_eq(aio_loop_run(loop), 0);
    ck_assert_str_eq(order, "t");
    ck_assert_int_eq(when[0], 0);
}
END_TEST

START_TEST(loop_with_nothing_to_do_returns_at_once)
{
    ck_assert_int_eq(aio_loop_run(loop), 0);
    ck_assert_int_eq(runs, 0);
    ck_assert_int_eq(aio_now(loop), 0);
}
END_TEST

START_TEST(virtual_clock_wakes_exactly_at_the_deadline)
{
    aio_call_later(loop, AIO_SEC(3600), note, "h");
    aio_call_later(loop, AIO_USEC(1), note, "u");
    ck_assert_int_eq(aio_loop_run(loop), 0);
    ck_assert_str_eq(order, "uh");
    ck_assert_int_eq(when[0], AIO_USEC(1));
    ck_assert_int_eq(when[1], AIO_SEC(3600));
    ck_assert_int_eq(aio_now(loop), AIO_SEC(3600));
}
END_TEST

/* Late in time, a huge delay would overflow now + delay into the past. */
static void schedule_huge_delays(void *unused)
{
    (void)unused;
    note("s");
    ck_assert_ptr_nonnull(aio_call_later(loop, AIO_FOREVER - 1, note, "x"));
    ck_assert_ptr_nonnull(aio_call_later(loop, AIO_FOREVER, note, "y"));
    ck_assert_ptr_nonnull(aio_call_at(loop, AIO_FOREVER, note, "z"));
}

START_TEST(a_timer_at_forever_never_fires_and_does_not_keep_the_loop_running)
{
    aio_call_later(loop, AIO_SEC(5), schedule_huge_delays, NULL);
    ck_assert_int_eq(aio_loop_run(loop), 0);
    ck_assert_str_eq(order, "s");              /* none of x, y, z fired */
    ck_assert_int_eq(aio_now(loop), AIO_SEC(5));
}
END_TEST

static aio_timer *victim;
static void cancel_victim(void *unused)
{
    (void)unused;
    ck_assert(aio_timer_cancel(loop, victim));
}

START_TEST(cancelled_timers_do_not_fire)
{
    aio_timer *t = aio_call_later(loop, AIO_MSEC(5), note, "x");
    aio_call_later(loop, AIO_MSEC(6), note, "y");
    ck_assert(aio_timer_cancel(loop, t));
    /* a timer that is due in the same turn as its canceller: cancelled while due */
    aio_call_later(loop, AIO_MSEC(9), cancel_victim, NULL);
    victim = aio_call_later(loop, AIO_MSEC(9), note, "z");
    ck_assert_int_eq(aio_loop_run(loop), 0);
    ck_assert_str_eq(order, "y");
}
END_TEST

static int pipe_fds[2];
static void on_readable(void *letter)
{
    char byte;
    ck_assert_int_eq(read(pipe_fds[0], &byte, 1), 1);
    note(letter);
    aio_unwatch(loop, pipe_fds[0], AIO_READABLE);
}

static void write_byte(void *unused)
{
    (void)unused;
    ck_assert_int_eq(write(pipe_fds[1], "x", 1), 1);
}

START_TEST(select_reports_a_readable_pipe)
{
    ck_assert_int_eq(pipe(pipe_fds), 0);
    ck_assert_int_eq(aio_watch(loop, pipe_fds[0], AIO_READABLE, on_readable, "r"), 0);
    aio_call_later(loop, AIO_MSEC(7), write_byte, NULL);
    aio_call_later(loop, AIO_MSEC(3), note, "t");
    ck_assert_int_eq(aio_loop_run(loop), 0);
    ck_assert_str_eq(order, "tr");
    ck_assert_int_eq(when[1], AIO_MSEC(7));   /* I/O takes no virtual time */
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}
END_TEST

static void on_writable(void *letter)
{
    note(letter);
    aio_unwatch(loop, pipe_fds[1], AIO_WRITABLE);
}

START_TEST(select_reports_a_writable_pipe_on_the_real_clock)
{
    aio_loop *real = aio_loop_new(NULL);
    aio_loop *saved = loop;
    loop = real;
    ck_assert_int_eq(pipe(pipe_fds), 0);
    ck_assert_int_eq(aio_watch(loop, pipe_fds[1], AIO_WRITABLE, on_writable, "w"), 0);
    ck_assert_int_eq(aio_loop_run(loop), 0);
    ck_assert_str_eq(order, "w");
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    loop = saved;
    aio_loop_free(real);
}
END_TEST

START_TEST(bad_descriptors_and_events_are_refused)
{
    ck_assert_int_eq(aio_watch(loop, -1, AIO_READABLE, note, "x"), EBADF);
    ck_assert_int_eq(aio_watch(loop, 0, 0, note, "x"), EINVAL);
    ck_assert_int_eq(aio_loop_run(loop), 0);   /* nothing was watched */
}
END_TEST

static int high_fd;
static void on_high_readable(void *letter)
{
    char byte;
    ck_assert_int_eq(read(high_fd, &byte, 1), 1);
    note(letter);
    aio_unwatch(loop, high_fd, AIO_READABLE);
}

/* An open descriptor numbered FD_SETSIZE or more: select() cannot hold it and refuses
   it; the epoll backend (appendix "epoll", -DAIO_BACKEND_EPOLL) watches it like any other. */
START_TEST(a_descriptor_past_fd_setsize_is_refused_by_select_and_watched_by_epoll)
{
    ck_assert_int_eq(pipe(pipe_fds), 0);
    high_fd = duplicate_at_or_above(pipe_fds[0], FD_SETSIZE);
    if (high_fd >= 0) {
#ifdef AIO_BACKEND_EPOLL
        ck_assert_int_eq(aio_watch(loop, high_fd, AIO_READABLE, on_high_readable, "h"), 0);
        aio_call_later(loop, AIO_MSEC(2), write_byte, NULL);
        ck_assert_int_eq(aio_loop_run(loop), 0);
        ck_assert_str_eq(order, "h");
#else
        ck_assert_int_eq(aio_watch(loop, high_fd, AIO_READABLE, on_high_readable, "h"), EBADF);
        ck_assert_int_eq(aio_loop_run(loop), 0);   /* nothing was watched */
#endif
        close(high_fd);
    }
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}
END_TEST

/* A watcher stays until it is unwatched, and runs at every turn its descriptor is ready
   (level-triggered, on both backends: epoll's one-shot registration is armed again). */
static int reads_left;
static void read_one_byte(void *letter)
{
    char byte;
    ck_assert_int_eq(read(pipe_fds[0], &byte, 1), 1);
    note(letter);
    if (--reads_left == 0) aio_unwatch(loop, pipe_fds[0], AIO_READABLE);
}

START_TEST(a_watcher_runs_while_its_descriptor_is_ready_until_unwatched)
{
    ck_assert_int_eq(pipe(pipe_fds), 0);
    ck_assert_int_eq(write(pipe_fds[1], "abc", 3), 3);
    reads_left = 3;
    ck_assert_int_eq(aio_watch(loop, pipe_fds[0], AIO_READABLE, read_one_byte, "r"), 0);
    aio_call_later(loop, AIO_MSEC(5), note, "t");
    ck_assert_int_eq(aio_loop_run(loop), 0);
    ck_assert_str_eq(order, "rrrt");
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}
END_TEST

static void pass_null(void *pointer)
{
    REQUIRE_ARGUMENT(pointer, "aio_example");
}

START_TEST(a_checked_runtime_error_names_the_function_and_stops)
{
    expect_death(pass_null, NULL, "aio_example: the argument 'pointer' is NULL");
    char text[256];
    int status = run_in_child(pass_null, "not NULL", text, sizeof text);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_str_eq(text, "");
}
END_TEST

static Suite *loop_suite(void)
{
    Suite *s = suite_create("chapter 1: the event loop");
    TCase *t = tcase_create("loop");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, call_soon_runs_in_fifo_order);
    tcase_add_test(t, what_a_callback_adds_runs_in_the_next_turn);
    tcase_add_test(t, timers_fire_earliest_first_and_ties_in_scheduling_order);
    tcase_add_test(t, timer_heap_orders_many_timers);
    tcase_add_test(t, cancelling_from_anywhere_in_the_heap_keeps_the_rest_in_order);
    tcase_add_test(t, zero_delay_timer_runs_after_the_ready_callbacks);
    tcase_add_test(t, negative_delay_is_due_at_once);
    tcase_add_test(t, loop_with_nothing_to_do_returns_at_once);
    tcase_add_test(t, virtual_clock_wakes_exactly_at_the_deadline);
    tcase_add_test(t, a_timer_at_forever_never_fires_and_does_not_keep_the_loop_running);
    tcase_add_test(t, cancelled_timers_do_not_fire);
    tcase_add_test(t, select_reports_a_readable_pipe);
    tcase_add_test(t, select_reports_a_writable_pipe_on_the_real_clock);
    tcase_add_test(t, bad_descriptors_and_events_are_refused);
    tcase_add_test(t, a_descriptor_past_fd_setsize_is_refused_by_select_and_watched_by_epoll);
    tcase_add_test(t, a_watcher_runs_while_its_descriptor_is_ready_until_unwatched);
    tcase_add_test(t, a_checked_runtime_error_names_the_function_and_stops);
    suite_add_tcase(s, t);
    return s;
}

TEST_MAIN(loop_suite)
