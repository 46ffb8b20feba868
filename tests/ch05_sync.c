/* ch05_sync.c: semaphores, locks, events and queues of chapter 5, on the virtual clock. */
#include "test_util.h"
#include "aio.h"
#include <errno.h>
#include <string.h>

static const aio_loop_options virtual = {.virtual_clock = true};
static aio_time now(void) { return aio_now(aio_running_loop()); }

static void run(aio_task_fn *main)
{
    ck_assert_int_eq(aio_run(main, NULL, &virtual, NULL), AIO_OK);
}

/* What the tasks of a test saw: who got in, in which order, and when. */
static char order[64];
static size_t turns;
static aio_time entered_at[64];
static int inside, peak;

static void note_turn(char name)
{
    entered_at[turns] = now();
    order[turns++] = name;
}

/* The primitive the turn-takers below use: the lock if there is one, else the semaphore. */
static aio_semaphore *semaphore;
static aio_lock *lock;

static void start_test(void)
{
    memset(order, 0, sizeof order);
    turns = 0;
    inside = peak = 0;
    semaphore = NULL;
    lock = NULL;
}

static aio_status acquire(void)
{
    return lock ? aio_lock_acquire(lock) : aio_semaphore_acquire(semaphore);
}

static int release(void) { return lock ? aio_lock_release(lock) : aio_semaphore_release(semaphore); }

/* Get in, note the turn, stay 1 ms, get out. */
static aio_outcome take_a_turn(void *arg)
{
    aio_status status = acquire();
    if (status != AIO_OK) return aio_propagate(status);
    note_turn((char)(intptr_t)arg);
    status = aio_sleep(AIO_MSEC(1));
    ck_assert_int_eq(release(), 0);
    return aio_propagate(status);
}

static aio_task *spawn_turn(char name)
{
    return aio_spawn("turn", take_a_turn, (void *)(intptr_t)name);
}

static void await_and_release(aio_task **tasks, size_t count, aio_status expected)
{
    for (size_t i = 0; i < count; i++) {
        ck_assert_int_eq(aio_await(tasks[i], NULL), expected);
        aio_release(tasks[i]);
    }
}

/* ---- semaphores ---- */

static aio_outcome line_up_behind_main(void *arg)
{
    (void)arg;
    ck_assert_int_eq(acquire(), AIO_OK);
    aio_task *t[4] = {spawn_turn('A'), spawn_turn('B'), spawn_turn('C'), NULL};
    ck_assert_int_eq(aio_yield(), AIO_OK);             /* A, B and C line up */
    t[3] = spawn_turn('N');                            /* runs before anyone the release wakes */
    ck_assert_int_eq(release(), 0);                    /* handed to A, who has not run yet */
    ck_assert(lock ? aio_lock_locked(lock) : aio_semaphore_locked(semaphore));
    ck_assert_int_eq(aio_gather(t, 4, false, (aio_outcome[4]){{0}}), AIO_OK);
    ck_assert_str_eq(order, "ABCN");                   /* the newcomer N did not overtake */
    for (size_t i = 0; i < 4; i++) ck_assert_int_eq(entered_at[i], AIO_MSEC(i));
    await_and_release(t, 4, AIO_OK);
    return aio_value(0);
}

START_TEST(semaphore_waiters_go_in_arrival_order_and_a_newcomer_waits_behind_them)
{
    start_test();
    semaphore = aio_semaphore_new(1);
    run(line_up_behind_main);
    ck_assert(aio_semaphore_try_acquire(semaphore));   /* the one permit is back */
    ck_assert(!aio_semaphore_try_acquire(semaphore));
    aio_semaphore_free(semaphore);
}
END_TEST

static aio_outcome limited_worker(void *arg)
{
    aio_status status = aio_semaphore_acquire(semaphore);
    if (status != AIO_OK) return aio_propagate(status);
    entered_at[(intptr_t)arg] = now();
    if (++inside > peak) peak = inside;
    status = aio_sleep(AIO_MSEC(10));
    inside--;
    ck_assert_int_eq(aio_semaphore_release(semaphore), 0);
    return aio_propagate(status);
}

static aio_outcome fifty_workers(void *arg)
{
    (void)arg;
    aio_task *t[50];
    aio_outcome out[50];
    for (intptr_t i = 0; i < 50; i++) t[i] = aio_spawn("worker", limited_worker, (void *)i);
    ck_assert_int_eq(aio_gather(t, 50, false, out), AIO_OK);
    ck_assert_int_eq(now(), AIO_MSEC(100));            /* ten waves of 10 ms */
    for (int i = 0; i < 50; i++) ck_assert_int_eq(entered_at[i], AIO_MSEC(10 * (i / 5)));
    ck_assert_int_eq(peak, 5);
    await_and_release(t, 50, AIO_OK);
    return aio_value(0);
}

START_TEST(fifty_workers_behind_a_semaphore_of_five_go_in_ten_waves)
{
    start_test();
    semaphore = aio_semaphore_new(5);
    run(fifty_workers);
    aio_semaphore_free(semaphore);
}
END_TEST

static aio_outcome release_then_acquire_again(void *arg)
{
    (void)arg;
    ck_assert_int_eq(aio_semaphore_acquire(semaphore), AIO_OK);
    aio_task *waiter = spawn_turn('W');
    ck_assert_int_eq(aio_yield(), AIO_OK);             /* W waits */
    ck_assert_int_eq(aio_semaphore_release(semaphore), 0);
    ck_assert(aio_semaphore_locked(semaphore));        /* the permit is W's already */
    ck_assert(!aio_semaphore_try_acquire(semaphore));
    ck_assert_int_eq(aio_semaphore_acquire(semaphore), AIO_OK);   /* behind W */
    note_turn('M');
    ck_assert_str_eq(order, "WM");
    ck_assert_int_eq(now(), AIO_MSEC(1));              /* after W's 1 ms */
    ck_assert_int_eq(aio_semaphore_release(semaphore), 0);
    await_and_release(&waiter, 1, AIO_OK);
    return aio_value(0);
}

START_TEST(a_release_hands_the_permit_to_the_first_waiter)
{
    start_test();
    semaphore = aio_semaphore_new(1);
    run(release_then_acquire_again);
    aio_semaphore_free(semaphore);
}
END_TEST

static aio_outcome cancel_two_waiters(void *arg)
{
    (void)arg;
    ck_assert_int_eq(aio_semaphore_acquire(semaphore), AIO_OK);
    aio_task *t[4] = {spawn_turn('A'), spawn_turn('B'), spawn_turn('C'), spawn_turn('D')};
    ck_assert_int_eq(aio_yield(), AIO_OK);             /* all four wait */
    ck_assert(aio_cancel(t[1], "B, out of the middle of the line"));
    ck_assert(aio_cancel(t[3], "D, off the end of the line"));
    ck_assert_int_eq(aio_semaphore_release(semaphore), 0);
    ck_assert_int_eq(aio_await(t[0], NULL), AIO_OK);
    ck_assert_int_eq(aio_await(t[2], NULL), AIO_OK);
    ck_assert_int_eq(aio_await(t[1], NULL), AIO_CANCELLED);
    ck_assert_int_eq(aio_await(t[3], NULL), AIO_CANCELLED);
    ck_assert_str_eq(order, "AC");
    ck_assert_int_eq(now(), AIO_MSEC(2));
    for (int i = 0; i < 4; i++) aio_release(t[i]);
    return aio_value(0);
}

START_TEST(a_cancelled_waiter_leaves_the_line)
{
    start_test();
    semaphore = aio_semaphore_new(1);
    run(cancel_two_waiters);
    ck_assert(aio_semaphore_try_acquire(semaphore));
    ck_assert(!aio_semaphore_try_acquire(semaphore));
    aio_semaphore_free(semaphore);
}
END_TEST

static aio_outcome cancel_after_the_hand_off(void *arg)
{
    (void)arg;
    ck_assert_int_eq(aio_semaphore_acquire(semaphore), AIO_OK);
    aio_task *t[2] = {spawn_turn('A'), spawn_turn('B')};
    ck_assert_int_eq(aio_yield(), AIO_OK);             /* A and B wait */
    ck_assert_int_eq(aio_semaphore_release(semaphore), 0);   /* A is handed the permit... */
    ck_assert(aio_cancel(t[0], "cancelled before it could run"));   /* ...and cancelled */
    ck_assert_int_eq(aio_await(t[0], NULL), AIO_CANCELLED);
    ck_assert_int_eq(aio_await(t[1], NULL), AIO_OK);   /* A passed the permit on to B */
    ck_assert_str_eq(order, "B");
    for (int i = 0; i < 2; i++) aio_release(t[i]);
    return aio_value(0);
}

static aio_outcome cancel_after_the_hand_off_with_nobody_behind(void *arg)
{
    (void)arg;
    ck_assert_int_eq(aio_semaphore_acquire(semaphore), AIO_OK);
    aio_task *a = spawn_turn('A');
    ck_assert_int_eq(aio_yield(), AIO_OK);
    ck_assert_int_eq(aio_semaphore_release(semaphore), 0);
    ck_assert(aio_cancel(a, "cancelled before it could run"));
    ck_assert_int_eq(aio_await(a, NULL), AIO_CANCELLED);
    ck_assert(aio_semaphore_try_acquire(semaphore));   /* the permit came back to the count */
    ck_assert(!aio_semaphore_try_acquire(semaphore));
    ck_assert_int_eq(aio_semaphore_release(semaphore), 0);
    aio_release(a);
    return aio_value(0);
}

START_TEST(a_permit_handed_to_a_waiter_cancelled_before_it_runs_is_passed_on)
{
    start_test();
    semaphore = aio_semaphore_new(1);
    run(cancel_after_the_hand_off);
    ck_assert(aio_semaphore_try_acquire(semaphore));   /* exactly one permit, not lost */
    ck_assert(!aio_semaphore_try_acquire(semaphore));
    ck_assert_int_eq(aio_semaphore_release(semaphore), 0);
    run(cancel_after_the_hand_off_with_nobody_behind);
    aio_semaphore_free(semaphore);
}
END_TEST

START_TEST(a_bounded_semaphore_refuses_to_be_released_too_often)
{
    aio_semaphore *bounded = aio_bounded_semaphore_new(2);
    ck_assert_int_eq(aio_semaphore_release(bounded), EOVERFLOW);   /* nothing was acquired */
    ck_assert(aio_semaphore_try_acquire(bounded));
    ck_assert_int_eq(aio_semaphore_release(bounded), 0);
    ck_assert_int_eq(aio_semaphore_release(bounded), EOVERFLOW);
    ck_assert(aio_semaphore_try_acquire(bounded));     /* still two permits, not three */
    ck_assert(aio_semaphore_try_acquire(bounded));
    ck_assert(!aio_semaphore_try_acquire(bounded));
    aio_semaphore_free(bounded);

    aio_semaphore *plain = aio_semaphore_new(2);
    ck_assert_int_eq(aio_semaphore_release(plain), 0);   /* a plain one grows */
    for (int i = 0; i < 3; i++) ck_assert(aio_semaphore_try_acquire(plain));
    ck_assert(aio_semaphore_locked(plain));
    aio_semaphore_free(plain);
}
END_TEST

START_TEST(a_negative_initial_count_is_refused)
{
    errno = 0;
    ck_assert_ptr_null(aio_semaphore_new(-1));
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_null(aio_bounded_semaphore_new(-3));
    ck_assert_int_eq(errno, EINVAL);
    aio_semaphore *empty = aio_semaphore_new(0);      /* zero is fine: acquire waits */
    ck_assert_ptr_nonnull(empty);
    ck_assert(aio_semaphore_locked(empty));
    aio_semaphore_free(empty);
}
END_TEST

static aio_outcome wait_on_a_semaphore_that_is_freed(void *arg)
{
    (void)arg;
    aio_task *a = spawn_turn('A');
    ck_assert_int_eq(aio_yield(), AIO_OK);             /* A waits: no permit */
    aio_semaphore_free(semaphore);
    semaphore = NULL;
    ck_assert_int_eq(aio_await(a, NULL), AIO_ERROR);
    ck_assert_int_eq(turns, 0);
    aio_release(a);
    return aio_value(0);
}

START_TEST(freeing_a_semaphore_wakes_its_waiters_with_an_error)
{
    start_test();
    semaphore = aio_semaphore_new(0);
    run(wait_on_a_semaphore_that_is_freed);
}
END_TEST

/* Freeing a primitive in every state of its waiters: in line, woken and not yet run,
   woken and cancelled before it ran. No use after free (ASan), a documented errno. */
static aio_semaphore *freed_semaphore;
static aio_event *freed_event;
static aio_queue *freed_queue;

static aio_outcome acquire_and_report(void *arg)
{
    (void)arg;
    errno = 0;
    aio_status status = aio_semaphore_acquire(freed_semaphore);
    return aio_value(status * 1000 + errno);
}

static aio_outcome wait_and_report(void *arg)
{
    (void)arg;
    errno = 0;
    aio_status status = aio_event_wait(freed_event);
    return aio_value(status * 1000 + errno);
}

static aio_outcome get_and_report(void *arg)
{
    (void)arg;
    intptr_t item = 0;
    errno = 0;
    aio_status status = aio_queue_get(freed_queue, &item);
    return aio_value(status * 1000 + errno);
}

static intptr_t outcome_of(aio_task *task)
{
    aio_outcome out;
    ck_assert_int_eq(aio_await(task, &out), AIO_OK);
    aio_release(task);
    return out.value;
}

static aio_outcome free_under_every_kind_of_waiter(void *arg)
{
    (void)arg;
    /* a waiter handed the permit, then cancelled, then the semaphore freed: the bug */
    freed_semaphore = aio_semaphore_new(0);
    aio_task *handed = aio_spawn("handed", acquire_and_report, NULL);
    aio_task *in_line = aio_spawn("in line", acquire_and_report, NULL);
    ck_assert_int_eq(aio_yield(), AIO_OK);                       /* both wait */
    ck_assert_int_eq(aio_semaphore_release(freed_semaphore), 0);  /* handed gets it */
    ck_assert(aio_cancel(handed, "cancelled before it ran"));
    aio_semaphore_free(freed_semaphore);
    ck_assert_int_eq(outcome_of(handed), AIO_CANCELLED * 1000);  /* its cancellation stands */
    ck_assert_int_eq(outcome_of(in_line), AIO_ERROR * 1000 + EIDRM);
    /* handed the permit, not cancelled: the wait still fails, the semaphore is gone */
    freed_semaphore = aio_semaphore_new(0);
    handed = aio_spawn("handed", acquire_and_report, NULL);
    ck_assert_int_eq(aio_yield(), AIO_OK);
    ck_assert_int_eq(aio_semaphore_release(freed_semaphore), 0);
    aio_semaphore_free(freed_semaphore);
    ck_assert_int_eq(outcome_of(handed), AIO_ERROR * 1000 + EIDRM);
    /* an event set, then freed before its waiter ran */
    freed_event = aio_event_new();
    aio_task *waiter = aio_spawn("waiter", wait_and_report, NULL);
    ck_assert_int_eq(aio_yield(), AIO_OK);
    aio_event_set(freed_event);
    aio_event_free(freed_event);
    ck_assert_int_eq(outcome_of(waiter), AIO_ERROR * 1000 + EIDRM);
    /* a queue's getter handed an item, then the queue freed: it must not take the item */
    freed_queue = aio_queue_new(0);
    aio_task *getter = aio_spawn("getter", get_and_report, NULL);
    ck_assert_int_eq(aio_yield(), AIO_OK);
    ck_assert_int_eq(aio_queue_try_put(freed_queue, 42), 0);
    aio_queue_free(freed_queue);
    ck_assert_int_eq(outcome_of(getter), AIO_ERROR * 1000 + EIDRM);
    return aio_value(0);
}

static int occurrences(const char *text, const char *what)
{
    int n = 0;
    for (const char *at = text; (at = strstr(at, what)); at += strlen(what)) n++;
    return n;
}

static void free_under_waiters_in_a_child(void *arg)
{
    (void)arg;
    run(free_under_every_kind_of_waiter);
}

START_TEST(freeing_a_primitive_is_safe_whatever_its_waiters_are_doing)
{
    char text[4096];
    int status = run_in_child(free_under_waiters_in_a_child, NULL, text, sizeof text);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child failed: %s", text);
    /* two semaphores and one event were freed under waiters; the queue speaks for its parts */
    ck_assert_int_eq(occurrences(text, "aio_semaphore_free: tasks still wait on it"), 2);
    ck_assert_int_eq(occurrences(text, "aio_event_free: tasks still wait on it"), 1);
    ck_assert_int_eq(occurrences(text, "aio_queue_free: tasks still wait on it"), 1);
    ck_assert_int_eq(occurrences(text, "EIDRM"), 4);
}
END_TEST

/* ---- locks ---- */

START_TEST(a_lock_is_fair_and_releasing_it_unlocked_is_an_error)
{
    start_test();
    lock = aio_lock_new();
    ck_assert(!aio_lock_locked(lock));
    ck_assert_int_eq(aio_lock_release(lock), EPERM);
    run(line_up_behind_main);                          /* the same line, on a lock */
    ck_assert(!aio_lock_locked(lock));
    ck_assert_int_eq(aio_lock_release(lock), EPERM);
    ck_assert(!aio_lock_locked(lock));                 /* the error changed nothing */
    aio_lock_free(lock);
}
END_TEST

static aio_outcome lock_twice(void *arg)
{
    (void)arg;
    ck_assert_int_eq(aio_lock_acquire(lock), AIO_OK);
    ck_assert(aio_lock_locked(lock));
    return aio_propagate(aio_lock_acquire(lock));     /* waits behind itself */
}

START_TEST(a_task_that_takes_a_lock_it_holds_is_reported_as_a_deadlock)
{
    start_test();
    lock = aio_lock_new();
    aio_outcome outcome;
    ck_assert_int_eq(aio_run(lock_twice, NULL, &virtual, &outcome), AIO_ERROR);
    ck_assert_int_eq(outcome.error, EDEADLK);
    ck_assert(aio_lock_locked(lock));                  /* by the first acquire */
    ck_assert_int_eq(aio_lock_release(lock), 0);
    aio_lock_free(lock);
}
END_TEST

/* ---- events ---- */

static aio_event *event;

static aio_outcome wait_for_the_event(void *arg)
{
    aio_status status = aio_event_wait(event);
    note_turn((char)(intptr_t)arg);
    return aio_propagate(status);
}

static aio_task *spawn_event_waiter(char name)
{
    return aio_spawn("waiter", wait_for_the_event, (void *)(intptr_t)name);
}

static aio_outcome set_and_clear(void *arg)
{
    (void)arg;
    aio_task *t[5] = {spawn_event_waiter('A'), spawn_event_waiter('B'), spawn_event_waiter('C')};
    ck_assert_int_eq(aio_sleep(AIO_MSEC(5)), AIO_OK);
    ck_assert_int_eq(turns, 0);                        /* all three still wait */
    aio_event_set(event);
    ck_assert(aio_event_is_set(event));
    ck_assert_int_eq(aio_gather(t, 3, false, (aio_outcome[3]){{0}}), AIO_OK);
    ck_assert_str_eq(order, "ABC");
    for (int i = 0; i < 3; i++) ck_assert_int_eq(entered_at[i], AIO_MSEC(5));
    t[3] = spawn_event_waiter('D');
    ck_assert_int_eq(aio_event_wait(event), AIO_OK);   /* set: returns without suspending */
    ck_assert_int_eq(turns, 3);                        /* so D has not run yet */
    aio_event_clear(event);
    ck_assert(!aio_event_is_set(event));
    t[4] = spawn_event_waiter('E');
    ck_assert_int_eq(aio_sleep(AIO_MSEC(1)), AIO_OK);
    ck_assert_int_eq(turns, 3);                        /* D and E wait again */
    aio_event_set(event);
    ck_assert_int_eq(aio_gather(t + 3, 2, false, (aio_outcome[2]){{0}}), AIO_OK);
    ck_assert_str_eq(order, "ABCDE");
    ck_assert_int_eq(entered_at[4], AIO_MSEC(6));
    await_and_release(t, 5, AIO_OK);
    return aio_value(0);
}

START_TEST(setting_an_event_wakes_every_waiter)
{
    start_test();
    event = aio_event_new();
    ck_assert(!aio_event_is_set(event));
    run(set_and_clear);
    aio_event_free(event);
}
END_TEST

/* ---- queues ---- */

static aio_queue *queue;

static aio_outcome first_in_first_out(void *arg)
{
    (void)arg;
    for (intptr_t i = 1; i <= 5; i++) ck_assert_int_eq(aio_queue_put(queue, i * 10), AIO_OK);
    ck_assert_int_eq(aio_queue_size(queue), 5);
    ck_assert_int_eq(now(), 0);                        /* unbounded: nothing waited */
    for (intptr_t i = 1; i <= 5; i++) {
        intptr_t item = 0;
        ck_assert_int_eq(aio_queue_get(queue, &item), AIO_OK);
        ck_assert_int_eq(item, i * 10);
    }
    intptr_t item = -1;
    ck_assert_int_eq(aio_queue_try_get(queue, &item), EAGAIN);
    ck_assert_int_eq(item, -1);
    ck_assert_int_eq(aio_queue_size(queue), 0);
    for (intptr_t i = 0; i < 100; i++) ck_assert_int_eq(aio_queue_try_put(queue, i), 0);
    for (intptr_t i = 0; i < 100; i++) {               /* through a ring that grew */
        ck_assert_int_eq(aio_queue_try_get(queue, &item), 0);
        ck_assert_int_eq(item, i);
    }
    return aio_value(0);
}

START_TEST(a_queue_is_first_in_first_out)
{
    queue = aio_queue_new(0);
    run(first_in_first_out);
    aio_queue_free(queue);
}
END_TEST

static aio_time put_at[3];

static aio_outcome producer(void *arg)
{
    (void)arg;
    for (intptr_t i = 0; i < 3; i++) {
        aio_status status = aio_queue_put(queue, i + 1);
        if (status != AIO_OK) return aio_propagate(status);
        put_at[i] = now();
    }
    return aio_value(0);
}

static aio_outcome consumer(void *arg)
{
    (void)arg;
    intptr_t item = 0;
    aio_status status = aio_queue_get(queue, &item);
    return status == AIO_OK ? aio_value(item) : aio_propagate(status);
}

static aio_outcome a_full_queue(void *arg)
{
    (void)arg;
    aio_task *p = aio_spawn("producer", producer, NULL);
    ck_assert_int_eq(aio_sleep(AIO_MSEC(10)), AIO_OK);
    ck_assert_int_eq(aio_queue_size(queue), 2);        /* the third put waits */
    ck_assert_int_eq(aio_queue_try_put(queue, 99), EAGAIN);
    intptr_t item = 0;
    ck_assert_int_eq(aio_queue_get(queue, &item), AIO_OK);
    ck_assert_int_eq(item, 1);
    ck_assert_int_eq(aio_await(p, NULL), AIO_OK);
    ck_assert_int_eq(put_at[1], 0);
    ck_assert_int_eq(put_at[2], AIO_MSEC(10));         /* when the get made room */
    for (intptr_t expected = 2; expected <= 3; expected++) {
        ck_assert_int_eq(aio_queue_try_get(queue, &item), 0);
        ck_assert_int_eq(item, expected);
    }
    ck_assert_int_eq(aio_queue_try_get(queue, &item), EAGAIN);
    aio_task *c = aio_spawn("consumer", consumer, NULL);
    ck_assert_int_eq(aio_sleep(AIO_MSEC(5)), AIO_OK);  /* the consumer waits for an item */
    ck_assert(!aio_task_done(c));
    ck_assert_int_eq(aio_queue_put(queue, 42), AIO_OK);
    aio_outcome got;
    ck_assert_int_eq(aio_await(c, &got), AIO_OK);
    ck_assert_int_eq(got.value, 42);
    ck_assert_int_eq(now(), AIO_MSEC(15));
    aio_release(p);
    aio_release(c);
    return aio_value(0);
}

START_TEST(a_bounded_queue_suspends_put_until_a_get_makes_room)
{
    queue = aio_queue_new(2);
    run(a_full_queue);
    aio_queue_free(queue);
}
END_TEST

static aio_outcome three_getters(void *arg)
{
    (void)arg;
    aio_task *g[3];
    for (int i = 0; i < 3; i++) g[i] = aio_spawn("getter", consumer, NULL);
    ck_assert_int_eq(aio_yield(), AIO_OK);             /* all three wait, in order */
    ck_assert_int_eq(aio_queue_put(queue, 'x'), AIO_OK);   /* promised to g[0]... */
    ck_assert(aio_cancel(g[0], "cancelled before it could take it"));   /* ...cancelled */
    intptr_t item;
    ck_assert_int_eq(aio_queue_try_get(queue, &item), EAGAIN);   /* still promised */
    ck_assert_int_eq(aio_queue_put(queue, 'y'), AIO_OK);
    aio_outcome got[3];
    ck_assert_int_eq(aio_await(g[0], &got[0]), AIO_CANCELLED);
    ck_assert_int_eq(aio_await(g[1], &got[1]), AIO_OK);
    ck_assert_int_eq(aio_await(g[2], &got[2]), AIO_OK);
    ck_assert_int_eq(got[1].value, 'x');               /* nothing lost, order kept */
    ck_assert_int_eq(got[2].value, 'y');
    ck_assert_int_eq(aio_queue_size(queue), 0);
    for (int i = 0; i < 3; i++) aio_release(g[i]);
    return aio_value(0);
}

START_TEST(getters_are_served_in_order_and_a_cancelled_getter_loses_no_item)
{
    queue = aio_queue_new(0);
    run(three_getters);
    aio_queue_free(queue);
}
END_TEST

static aio_outcome slow_consumer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        intptr_t item;
        aio_status status = aio_queue_get(queue, &item);
        if (status == AIO_OK) status = aio_sleep(AIO_MSEC(10));   /* the work on the item */
        if (status != AIO_OK) return aio_propagate(status);
        ck_assert_int_eq(aio_queue_task_done(queue), 0);
    }
    return aio_value(0);
}

static aio_outcome join_the_work(void *arg)
{
    (void)arg;
    aio_task *c = aio_spawn("consumer", slow_consumer, NULL);
    ck_assert_int_eq(aio_queue_join(queue), AIO_OK);   /* nothing put yet: at once */
    ck_assert(!aio_task_done(c) && now() == 0);
    for (intptr_t i = 0; i < 3; i++) ck_assert_int_eq(aio_queue_put(queue, i), AIO_OK);
    ck_assert_int_eq(aio_queue_join(queue), AIO_OK);
    ck_assert_int_eq(now(), AIO_MSEC(30));             /* the last task_done, not the last get */
    ck_assert_int_eq(aio_queue_task_done(queue), EINVAL);
    ck_assert_int_eq(aio_queue_join(queue), AIO_OK);   /* the error changed nothing */
    await_and_release(&c, 1, AIO_OK);
    return aio_value(0);
}

START_TEST(join_waits_until_every_item_is_done_and_task_done_too_often_is_an_error)
{
    queue = aio_queue_new(0);
    ck_assert_int_eq(aio_queue_task_done(queue), EINVAL);
    run(join_the_work);
    aio_queue_free(queue);
}
END_TEST

START_TEST(a_queue_capacity_beyond_int_is_refused)
{
    errno = 0;
    ck_assert_ptr_null(aio_queue_new((size_t)1 << 40));
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

static Suite *sync_suite(void)
{
    Suite *s = suite_create("chapter 5: semaphores, locks, events and queues");
    TCase *t = tcase_create("semaphores");
    tcase_add_test(t, semaphore_waiters_go_in_arrival_order_and_a_newcomer_waits_behind_them);
    tcase_add_test(t, fifty_workers_behind_a_semaphore_of_five_go_in_ten_waves);
    tcase_add_test(t, a_release_hands_the_permit_to_the_first_waiter);
    tcase_add_test(t, a_cancelled_waiter_leaves_the_line);
    tcase_add_test(t, a_permit_handed_to_a_waiter_cancelled_before_it_runs_is_passed_on);
    tcase_add_test(t, a_bounded_semaphore_refuses_to_be_released_too_often);
    tcase_add_test(t, a_negative_initial_count_is_refused);
    tcase_add_test(t, freeing_a_semaphore_wakes_its_waiters_with_an_error);
    tcase_add_test(t, freeing_a_primitive_is_safe_whatever_its_waiters_are_doing);
    suite_add_tcase(s, t);
    t = tcase_create("locks and events");
    tcase_add_test(t, a_lock_is_fair_and_releasing_it_unlocked_is_an_error);
    tcase_add_test(t, a_task_that_takes_a_lock_it_holds_is_reported_as_a_deadlock);
    tcase_add_test(t, setting_an_event_wakes_every_waiter);
    suite_add_tcase(s, t);
    t = tcase_create("queues");
    tcase_add_test(t, a_queue_is_first_in_first_out);
    tcase_add_test(t, a_bounded_queue_suspends_put_until_a_get_makes_room);
    tcase_add_test(t, getters_are_served_in_order_and_a_cancelled_getter_loses_no_item);
    tcase_add_test(t, join_waits_until_every_item_is_done_and_task_done_too_often_is_an_error);
    tcase_add_test(t, a_queue_capacity_beyond_int_is_refused);
    suite_add_tcase(s, t);
    return s;
}

TEST_MAIN(sync_suite)
