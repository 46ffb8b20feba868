/* select.c: the loop's one way to wait, for file descriptors and time. */
#ifndef AIO_BACKEND_EPOLL
#include "loop.h"
#include <errno.h>
#include <fcntl.h>

void io_init(struct watched *w) { w->max_fd = -1; }

void io_free(struct watched *w) { (void)w; }

int aio_watch(aio_loop *loop, int fd, int events, aio_callback *fn, void *arg)
{
    struct watched *w = &loop->watched;
    if (fd < 0 || fd >= FD_SETSIZE) return EBADF;
    if (events == 0 || (events & ~(AIO_READABLE | AIO_WRITABLE)) || fn == NULL) return EINVAL;
    if (events & AIO_READABLE) set_watcher(w, &w->readers[fd], fn, arg);
    if (events & AIO_WRITABLE) set_watcher(w, &w->writers[fd], fn, arg);
    if (fd > w->max_fd) w->max_fd = fd;
    FD_CLR(fd, &w->closed);   /* a new descriptor may reuse a closed one's number */
    return 0;
}

int aio_unwatch(aio_loop *loop, int fd, int events)
{
    struct watched *w = &loop->watched;
    if (fd < 0 || fd >= FD_SETSIZE) return EBADF;
    if (events & AIO_READABLE) set_watcher(w, &w->readers[fd], NULL, NULL);
    if (events & AIO_WRITABLE) set_watcher(w, &w->writers[fd], NULL, NULL);
    while (w->max_fd >= 0 && !w->readers[w->max_fd].fn && !w->writers[w->max_fd].fn)
        w->max_fd--;
    return 0;
}
static int drop_closed_descriptors(aio_loop *loop)
{
    struct watched *w = &loop->watched;
    for (int fd = 0; fd <= w->max_fd; fd++) {
        if ((!w->readers[fd].fn && !w->writers[fd].fn) || fcntl(fd, F_GETFD) != -1) continue;
        FD_SET(fd, &w->closed);
        struct watcher reader = w->readers[fd], writer = w->writers[fd];
        aio_unwatch(loop, fd, AIO_READABLE | AIO_WRITABLE);
        if (reader.fn && !ready_push(&loop->ready, reader.fn, reader.arg)) return ENOMEM;
        if (writer.fn && !ready_push(&loop->ready, writer.fn, writer.arg)) return ENOMEM;
    }
    return 0;
}
int io_wait(aio_loop *loop, aio_time timeout)
{
    struct watched *w = &loop->watched;
    fd_set readable, writable;
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    for (int fd = 0; fd <= w->max_fd; fd++) {
        if (w->readers[fd].fn) FD_SET(fd, &readable);
        if (w->writers[fd].fn) FD_SET(fd, &writable);
    }
    aio_time usec = timeout / 1000 + (timeout % 1000 != 0);   /* rounded up: see below */
    struct timeval tv = {.tv_sec = usec / 1000000, .tv_usec = usec % 1000000};
    int ready = select(w->max_fd + 1, &readable, &writable, NULL, timeout < 0 ? NULL : &tv);
    if (ready < 0 && errno == EBADF) return drop_closed_descriptors(loop);
    if (ready < 0) return errno == EINTR ? 0 : errno;
    for (int fd = 0; ready > 0 && fd <= w->max_fd; fd++) {
        if (FD_ISSET(fd, &readable)) {
            ready--;
            if (!ready_push(&loop->ready, run_watcher, &w->readers[fd])) return ENOMEM;
        }
        if (FD_ISSET(fd, &writable)) {
            ready--;
            if (!ready_push(&loop->ready, run_watcher, &w->writers[fd])) return ENOMEM;
        }
    }
    return 0;
}
#endif
