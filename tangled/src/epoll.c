/* epoll.c: the loop's way to wait on Linux, behind select.c's seam (appendix "epoll").
   Compiled only with -DAIO_BACKEND_EPOLL, which leaves select.c empty. */
#ifdef AIO_BACKEND_EPOLL
#define _GNU_SOURCE   /* epoll_pwait2 */
#include "loop.h"
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { MAX_EVENTS = 1024 };   /* events taken per epoll_wait; the rest wait for the next */

static int forget_closed(aio_loop *loop, struct watched_fd *entry);
static int check_before_sleeping(aio_loop *loop, bool *found);
void io_init(struct watched *w) { w->epoll_fd = -1; }

void io_free(struct watched *w)
{
    if (w->epoll_fd >= 0) close(w->epoll_fd);
    for (int page = 0; page < w->page_count; page++) free(w->pages[page]);
    free(w->pages);
    free(w->events);
    free(w->checks);
}

static int open_epoll(struct watched *w)   /* 0 or an errno */
{
    if (w->epoll_fd >= 0) return 0;
    if (!w->events && !(w->events = malloc(MAX_EVENTS * sizeof *w->events))) return ENOMEM;
    w->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    return w->epoll_fd < 0 ? errno : 0;
}
static struct watched_fd *make_fd(struct watched *w, int fd)
{
    int page = fd / WATCHED_PAGE;
    if (page >= w->page_count) {
        int count = page + 1 > 2 * w->page_count ? page + 1 : 2 * w->page_count;
        struct watched_fd **pages = realloc(w->pages, (size_t)count * sizeof *pages);
        if (!pages) return NULL;
        memset(pages + w->page_count, 0, (size_t)(count - w->page_count) * sizeof *pages);
        w->pages = pages;
        w->page_count = count;
    }
    if (!w->pages[page] && !(w->pages[page] = calloc(WATCHED_PAGE, sizeof *w->pages[page])))
        return NULL;
    return &w->pages[page][fd % WATCHED_PAGE];
}
/* Ask the kernel to report, once, the events the entry's watchers want: 0 or an errno. */
static int arm(struct watched *w, int fd, struct watched_fd *entry)
{
    uint32_t wanted = (entry->reader.fn ? EPOLLIN : 0) | (entry->writer.fn ? EPOLLOUT : 0);
    struct epoll_event event = {.events = wanted | EPOLLONESHOT};
    event.data.u64 = (uint64_t)entry->generation << 32 | (uint32_t)fd;
    if (!entry->registered || epoll_ctl(w->epoll_fd, EPOLL_CTL_MOD, fd, &event) != 0) {
        if (entry->registered && errno != ENOENT) return errno;
        event.data.u64 = (uint64_t)++entry->generation << 32 | (uint32_t)fd;
        if (epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) return errno;
        entry->registered = true;
    }
    entry->armed = wanted;
    return 0;
}
int aio_watch(aio_loop *loop, int fd, int events, aio_callback *fn, void *arg)
{
    struct watched *w = &loop->watched;
    if (fd < 0) return EBADF;
    if (events == 0 || (events & ~(AIO_READABLE | AIO_WRITABLE)) || fn == NULL) return EINVAL;
    int err = open_epoll(w);
    struct watched_fd *entry = err ? NULL : make_fd(w, fd);
    if (!entry) return err ? err : ENOMEM;
    struct watcher reader = entry->reader, writer = entry->writer;
    if (events & AIO_READABLE) set_watcher(w, &entry->reader, fn, arg);
    if (events & AIO_WRITABLE) set_watcher(w, &entry->writer, fn, arg);
    if ((err = arm(w, fd, entry)) != 0) {   /* not watched after all */
        set_watcher(w, &entry->reader, reader.fn, reader.arg);
        set_watcher(w, &entry->writer, writer.fn, writer.arg);
        return err;
    }
    entry->closed = false;   /* a new descriptor may reuse a closed one's number */
    return 0;
}
int aio_unwatch(aio_loop *loop, int fd, int events)
{
    struct watched *w = &loop->watched;
    struct watched_fd *entry = find_fd(w, fd);
    if (fd < 0) return EBADF;
    if (!entry) return 0;
    if (events & AIO_READABLE) set_watcher(w, &entry->reader, NULL, NULL);
    if (events & AIO_WRITABLE) set_watcher(w, &entry->writer, NULL, NULL);
    return 0;
}
static int queue_event(aio_loop *loop, const struct epoll_event *event)
{
    struct watched_fd *entry = find_fd(&loop->watched, (int)(uint32_t)event->data.u64);
    if (!entry || entry->generation != event->data.u64 >> 32) return 0;   /* an old registration */
    entry->armed = 0;   /* one-shot: it has fired */
    uint32_t happened = event->events;
    if (entry->reader.fn && (happened & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
        !ready_push(&loop->ready, run_watcher, &entry->reader))
        return ENOMEM;
    if (entry->writer.fn && (happened & (EPOLLOUT | EPOLLHUP | EPOLLERR)) &&
        !ready_push(&loop->ready, run_watcher, &entry->writer))
        return ENOMEM;
    return 0;
}
static int rearm_what_still_watches(aio_loop *loop)
{
    struct watched *w = &loop->watched;
    for (int i = 0; i < w->event_count; i++) {
        int fd = (int)(uint32_t)w->events[i].data.u64;
        struct watched_fd *entry = find_fd(w, fd);
        if (!entry || entry->armed || (!entry->reader.fn && !entry->writer.fn)) continue;
        int err = arm(w, fd, entry) != 0 ? forget_closed(loop, entry) : 0;
        if (err) return err;
    }
    w->event_count = 0;
    return 0;
}
static int sleep_in_epoll(struct watched *w, aio_time timeout)
{
    struct timespec limit = {.tv_sec = timeout / AIO_SEC(1), .tv_nsec = timeout % AIO_SEC(1)};
    int ready = epoll_pwait2(w->epoll_fd, w->events, MAX_EVENTS, timeout < 0 ? NULL : &limit, NULL);
    if (ready >= 0 || errno != ENOSYS) return ready;
    aio_time ms = timeout < 0 ? -1 : timeout / AIO_MSEC(1) + (timeout % AIO_MSEC(1) != 0);
    return epoll_wait(w->epoll_fd, w->events, MAX_EVENTS, ms > INT_MAX ? INT_MAX : (int)ms);
}
int io_wait(aio_loop *loop, aio_time timeout)
{
    struct watched *w = &loop->watched;
    int err = open_epoll(w);
    if (err || (err = rearm_what_still_watches(loop)) != 0) return err;
    int ready = epoll_wait(w->epoll_fd, w->events, MAX_EVENTS, 0);
    if (ready == 0 && loop->ready.count == 0 && (timeout != 0 || loop->virtual_clock)) {
        bool found = false;
        if ((err = check_before_sleeping(loop, &found)) != 0 || found) return err;
        if (timeout != 0) ready = sleep_in_epoll(w, timeout);
    }
    if (ready < 0) return errno == EINTR ? 0 : errno;
    w->event_count = ready;
    for (int i = 0; i < ready; i++)
        if ((err = queue_event(loop, &w->events[i])) != 0) return err;
    return 0;
}
static bool grow_checks(struct watched *w)
{
    int capacity = w->check_capacity ? 2 * w->check_capacity : 64;
    struct pollfd *checks = realloc(w->checks, (size_t)capacity * sizeof *checks);
    if (!checks) return false;
    w->checks = checks;
    w->check_capacity = capacity;
    return true;
}
/* Just before the loop sleeps: wake the watchers of descriptors closed under them, and
   register again those a new descriptor took the number of. *found: some were woken. */
static int check_before_sleeping(aio_loop *loop, bool *found)
{
    struct watched *w = &loop->watched;
    int count = 0;
    for (int page = 0; page < w->page_count; page++)
        for (int i = 0; w->pages[page] && i < WATCHED_PAGE; i++) {
            struct watched_fd *entry = &w->pages[page][i];
            if (!entry->reader.fn && !entry->writer.fn) continue;
            if (count == w->check_capacity && !grow_checks(w)) return ENOMEM;
            w->checks[count++] = (struct pollfd){.fd = page * WATCHED_PAGE + i,
                .events = (short)((entry->reader.fn ? POLLIN : 0) | (entry->writer.fn ? POLLOUT : 0))};
        }
    if (count == 0 || poll(w->checks, (nfds_t)count, 0) <= 0) return 0;
    for (int i = 0; i < count; i++) {
        short seen = w->checks[i].revents;
        struct watched_fd *entry = find_fd(w, w->checks[i].fd);
        if (!seen || (!(seen & POLLNVAL) && arm(w, w->checks[i].fd, entry) == 0)) continue;
        *found = true;   /* not open any more, or not even to be armed again */
        int err = forget_closed(loop, entry);
        if (err) return err;
    }
    return 0;
}
static int forget_closed(aio_loop *loop, struct watched_fd *entry)
{
    struct watcher reader = entry->reader, writer = entry->writer;
    set_watcher(&loop->watched, &entry->reader, NULL, NULL);
    set_watcher(&loop->watched, &entry->writer, NULL, NULL);
    entry->closed = true;
    if (reader.fn && !ready_push(&loop->ready, reader.fn, reader.arg)) return ENOMEM;
    if (writer.fn && !ready_push(&loop->ready, writer.fn, writer.arg)) return ENOMEM;
    return 0;
}
#endif
