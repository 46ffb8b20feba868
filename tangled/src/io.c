/* io.c: tasks waiting for descriptors; non-blocking read, write, accept, connect. */
#define _POSIX_C_SOURCE 200809L
#include "task.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

struct fd_wait {
    aio_task *task;
    int fd, events;
};
static void descriptor_ready(void *wait);
static void wait_timed_out(void *wait);
static void abort_fd_wait(aio_task *task);
static void stop_watching(struct fd_wait *wait);
static aio_status fail(int error);
static aio_status wait_fd(int fd, int events, aio_time timeout, const char *function)
{
    aio_task *self = current_task_or_complain(function);
    if (!self) return AIO_ERROR;
    aio_loop *loop = self->loop;
    if (fd < 0) return fail(EBADF);
    if (events == 0 || (events & ~(AIO_READABLE | AIO_WRITABLE))) return fail(EINVAL);
    if (((events & AIO_READABLE) && watcher_of(&loop->watched, fd, AIO_READABLE)) ||
        ((events & AIO_WRITABLE) && watcher_of(&loop->watched, fd, AIO_WRITABLE)))
        return fail(EBUSY);
    if (task_take_cancel(self)) return AIO_CANCELLED;
    struct fd_wait wait = {self, fd, events};
    int err = aio_watch(loop, fd, events, descriptor_ready, &wait);
    if (err) return fail(err);
    if (!timer_arm(loop, &self->timer, timeout, wait_timed_out, &wait)) {
        stop_watching(&wait);
        return fail(ENOMEM);
    }
    task_begin_wait(self, abort_fd_wait);
    aio_status status = task_switch_out(self);
    stop_watching(&wait);   /* already done by the wake-up; kept as a guarantee */
    aio_timer_cancel_internal(loop, &self->timer);
    if (take_closed_mark(&loop->watched, fd)) return fail(EBADF);
    return status;
}

aio_status aio_wait_fd(int fd, int events, aio_time timeout)
{
    return wait_fd(fd, events, timeout, "aio_wait_fd");
}
static bool watched_by(aio_loop *loop, struct fd_wait *wait, int event)
{
    struct watcher *watcher = watcher_of(&loop->watched, wait->fd, event);
    return (wait->events & event) && watcher && watcher->arg == wait;
}

static void stop_watching(struct fd_wait *wait)
{
    aio_loop *loop = wait->task->loop;
    if (watched_by(loop, wait, AIO_READABLE)) aio_unwatch(loop, wait->fd, AIO_READABLE);
    if (watched_by(loop, wait, AIO_WRITABLE)) aio_unwatch(loop, wait->fd, AIO_WRITABLE);
}

static void end_fd_wait(struct fd_wait *wait, aio_status status)
{
    stop_watching(wait);
    aio_timer_cancel_internal(wait->task->loop, &wait->task->timer);
    task_wake(wait->task, status);
}

static void descriptor_ready(void *wait) { end_fd_wait(wait, AIO_OK); }

static void wait_timed_out(void *wait) { end_fd_wait(wait, AIO_TIMEOUT); }

/* The task's timer carries the wait as its argument, armed or not. */
static void abort_fd_wait(aio_task *task) { end_fd_wait(task->timer.arg, AIO_CANCELLED); }

static aio_status fail(int error)
{
    errno = error;
    return AIO_ERROR;
}
aio_status aio_read(int fd, void *buffer, size_t size, size_t *got)
{
    aio_task *self = aio_current_task();
    bool waited = false;
    if (self && self->read_found_empty == fd + 1) {
        aio_status status = wait_fd(fd, AIO_READABLE, AIO_FOREVER, "aio_read");
        if (status == AIO_CANCELLED) return status;
        waited = status == AIO_OK;
    }
    for (;;) {
        ssize_t n = read(fd, buffer, size);
        if (n >= 0) {
            if (self && !waited) self->read_found_empty = 0;   /* data came unasked */
            *got = (size_t)n;
            return AIO_OK;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return AIO_ERROR;
        if (self) self->read_found_empty = fd + 1;
        aio_status status = wait_fd(fd, AIO_READABLE, AIO_FOREVER, "aio_read");
        if (status != AIO_OK) return status;
        waited = true;
    }
}

aio_status aio_write_all(int fd, const void *data, size_t size)
{
    const char *next = data;
    while (size > 0) {
        ssize_t n = write(fd, next, size);
        if (n >= 0) {
            next += n;
            size -= (size_t)n;
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return AIO_ERROR;
        aio_status status = wait_fd(fd, AIO_WRITABLE, AIO_FOREVER, "aio_write_all");
        if (status != AIO_OK) return status;
    }
    return AIO_OK;
}
aio_status aio_accept(int listener, int *client)
{
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd >= 0) {
            int err = aio_set_nonblocking(fd);
            if (err) {
                close(fd);
                return fail(err);
            }
            *client = fd;
            return AIO_OK;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return AIO_ERROR;
        aio_status status = wait_fd(listener, AIO_READABLE, AIO_FOREVER, "aio_accept");
        if (status != AIO_OK) return status;
    }
}

aio_status aio_connect(int fd, const void *address, unsigned address_length)
{
    if (connect(fd, address, address_length) == 0) return AIO_OK;
    if (errno != EINPROGRESS) return AIO_ERROR;
    aio_status status = wait_fd(fd, AIO_WRITABLE, AIO_FOREVER, "aio_connect");
    if (status != AIO_OK) return status;
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return AIO_ERROR;
    return error ? fail(error) : AIO_OK;
}

int aio_set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return errno;
    return 0;
}
const struct wait_kind io_wait_kinds[] = {
    {abort_fd_wait, "descriptor", NULL, NULL},
    {NULL, NULL, NULL, NULL},
};
