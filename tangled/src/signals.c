/* signals.c: Ctrl-C cancels the main task; the exit status of an interrupted program. */
#define _POSIX_C_SOURCE 200809L
#include "task.h"
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

atomic_int sigint_arrived;            /* set by the handler, taken by the loop */
static atomic_bool sigint_claimed;    /* one loop at a time catches SIGINT */
static int sigint_pipe[2] = {-1, -1};
static struct sigaction previous_action;

static void on_sigint(int signal_number)
{
    (void)signal_number;
    int saved_errno = errno;
    atomic_store(&sigint_arrived, 1);
    ssize_t written = write(sigint_pipe[1], "", 1);
    (void)written;
    errno = saved_errno;
}
static void drain_sigint_pipe(void *unused)
{
    (void)unused;
    drain_wake_pipe(sigint_pipe[0]);
}

static bool watch_in_background(aio_loop *loop, int fd)
{
    if (aio_watch(loop, fd, AIO_READABLE, drain_sigint_pipe, NULL) != 0) return false;
    loop->watched.count--;
    return true;
}
void catch_sigint(aio_loop *loop)
{
    if (atomic_exchange(&sigint_claimed, true)) return;
    struct sigaction action = {.sa_handler = on_sigint, .sa_flags = SA_RESETHAND | SA_RESTART};
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGINT, NULL, &previous_action) != 0 || previous_action.sa_handler != SIG_DFL ||
        open_wake_pipe(sigint_pipe) != 0) {
        atomic_store(&sigint_claimed, false);
        return;
    }
    if (!watch_in_background(loop, sigint_pipe[0])) {
        close_wake_pipe(sigint_pipe);
        atomic_store(&sigint_claimed, false);
        return;
    }
    atomic_store(&sigint_arrived, 0);
    sigaction(SIGINT, &action, NULL);
    loop->catching_sigint = true;
    loop_watch_flag(loop, &sigint_arrived, take_sigint);
}
void take_sigint(aio_loop *loop)
{
    atomic_store(&sigint_arrived, 0);
    if (loop->main_task->state == TASK_DONE) return;
    loop->sigint_cancelled_main = true;
    aio_cancel(loop->main_task, "interrupted by SIGINT");
}
aio_outcome stop_catching_sigint(aio_loop *loop, aio_task *main_task, aio_outcome result)
{
    if (!loop->catching_sigint) return result;
    sigaction(SIGINT, &previous_action, NULL);
    loop->watched.count++;   /* counted again, to be taken off */
    aio_unwatch(loop, sigint_pipe[0], AIO_READABLE);
    close_wake_pipe(sigint_pipe);
    loop->catching_sigint = false;
    loop_watch_flag(loop, NULL, NULL);
    atomic_store(&sigint_claimed, false);
    if (loop->sigint_cancelled_main && result.status == AIO_CANCELLED &&
        aio_uncancel(main_task) == 0)
        return (aio_outcome){.status = AIO_CANCELLED, .error = EINTR,
                             .message = "interrupted by SIGINT"};
    return result;
}
int aio_exit_status(aio_status status, const aio_outcome *outcome)
{
    if (status == AIO_OK) return 0;
    if (status == AIO_CANCELLED && outcome && outcome->error == EINTR) return 128 + SIGINT;
    return 1;
}
