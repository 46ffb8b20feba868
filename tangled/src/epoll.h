/* epoll.h: the descriptors watched, on epoll; loop.h's struct watched in a build
   with -DAIO_BACKEND_EPOLL (appendix "epoll"). */
#include <stdint.h>
#include <sys/epoll.h>

enum { WATCHED_PAGE = 256 };     /* descriptors per page of the table */

struct watched_fd {
    struct watcher reader, writer;
    uint32_t armed;              /* the events the kernel will report, once; 0 after it did */
    uint32_t generation;         /* of this number's registration: every event carries it */
    bool registered;             /* the kernel has, or had, a registration for this number */
    bool closed;                 /* found closed while watched */
};

struct watched {
    struct watched_fd **pages;   /* descriptor fd: pages[fd / WATCHED_PAGE][fd % WATCHED_PAGE] */
    int page_count;
    int count;                   /* watchers in use (chapter 1) */
    int epoll_fd;                /* -1 until the first watch or wait */
    struct epoll_event *events;  /* what the last epoll_wait reported */
    int event_count;
    struct pollfd *checks;       /* scratch for the check before sleeping (below) */
    int check_capacity;
};
static inline struct watched_fd *find_fd(struct watched *w, int fd)
{
    if (fd < 0 || fd / WATCHED_PAGE >= w->page_count || !w->pages[fd / WATCHED_PAGE]) return NULL;
    return &w->pages[fd / WATCHED_PAGE][fd % WATCHED_PAGE];
}

static inline struct watcher *watcher_of(struct watched *w, int fd, int event)
{
    struct watched_fd *entry = find_fd(w, fd);
    if (!entry) return NULL;
    struct watcher *slot = event == AIO_READABLE ? &entry->reader : &entry->writer;
    return slot->fn ? slot : NULL;
}

static inline bool take_closed_mark(struct watched *w, int fd)
{
    struct watched_fd *entry = find_fd(w, fd);
    if (!entry || !entry->closed) return false;
    entry->closed = false;
    return true;
}
