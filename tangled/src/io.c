/* io.c: tasks waiting for descriptors; non-blocking read, write, accept, connect. */
#define _POSIX_C_SOURCE 200809L
#include "task.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

static void descriptor_ready(void *task);
static void wait_timed_out(void *task);
static void abort_fd_wait(aio_task *task);
static aio_status fail(int error);
aio_status aio_wait_fd(int fd, int events, aio_time timeout)
{
    aio_task *self = current_task_or_complain("aio_wait_fd");
    if (!self) return AIO_ERROR;
    aio_loop *loop = self->loop;
    if (fd < 0 || fd >= FD_SETSIZE) return fail(EBADF);
    if (((events & AIO_READABLE) && loop->watched.readers[fd].fn) ||
        ((events & AIO_WRITABLE) && loop->watched.writers[fd].fn))
        return fail(EBUSY);
    if (task_take_cancel(self)) return AIO_CANCELLED;
    if (aio_watch(loop, fd, events, descriptor_ready, self) != 0) return fail(EBADF);
    if (timeout >= 0) {
        self->timer = (struct aio_timer){.deadline = aio_now(loop) + timeout,
                                         .fn = wait_timed_out, .arg = self};
        if (!timer_heap_add(&loop->timers, &self->timer)) self->timer.state = TIMER_IDLE;
    }
    task_begin_wait(self, abort_fd_wait);
    aio_status status = task_switch_out(self);
    aio_unwatch(loop, fd, events);
    aio_timer_cancel_internal(loop, &self->timer);
    if (FD_ISSET(fd, &loop->watched.closed)) {
        FD_CLR(fd, &loop->watched.closed);
        return fail(EBADF);
    }
    return status;
}
static void descriptor_ready(void *task) { task_wake(task, AIO_OK); }

static void wait_timed_out(void *task) { task_wake(task, AIO_TIMEOUT); }

static void abort_fd_wait(aio_task *task) { task_wake(task, AIO_CANCELLED); }

static aio_status fail(int error)
{
    errno = error;
    return AIO_ERROR;
}
aio_status aio_read(int fd, void *buffer, size_t size, size_t *got)
{
    for (;;) {
        ssize_t n = read(fd, buffer, size);
        if (n >= 0) {
            *got = (size_t)n;
            return AIO_OK;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return AIO_ERROR;
        aio_status status = aio_wait_fd(fd, AIO_READABLE, -1);
        if (status != AIO_OK) return status;
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
        aio_status status = aio_wait_fd(fd, AIO_WRITABLE, -1);
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
        aio_status status = aio_wait_fd(listener, AIO_READABLE, -1);
        if (status != AIO_OK) return status;
    }
}

aio_status aio_connect(int fd, const void *address, unsigned address_length)
{
    if (connect(fd, address, address_length) == 0) return AIO_OK;
    if (errno != EINPROGRESS) return AIO_ERROR;
    aio_status status = aio_wait_fd(fd, AIO_WRITABLE, -1);
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
