#line 37 "book/01-event-loop.nw"
/* aio.h: the public interface of the runtime this book builds. */
#ifndef AIO_H
#define AIO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#line 53 "book/01-event-loop.nw"
typedef int64_t aio_time;                     /* nanoseconds */
#define AIO_USEC(us) ((aio_time)(us) * 1000)
#define AIO_MSEC(ms) ((aio_time)(ms) * 1000000)
#define AIO_SEC(s)   ((aio_time)(s) * 1000000000)

#line 67 "book/01-event-loop.nw"
typedef struct aio_loop aio_loop;
typedef void aio_callback(void *arg);

typedef struct aio_loop_options {
    bool virtual_clock;    /* time jumps to the next deadline instead of passing */
#line 73 "book/01-event-loop.nw"
} aio_loop_options;

aio_loop *aio_loop_new(const aio_loop_options *options);   /* NULL: defaults */
void aio_loop_free(aio_loop *loop);
aio_time aio_now(aio_loop *loop);   /* CLOCK_MONOTONIC, or the virtual clock */

#line 89 "book/01-event-loop.nw"
int aio_call_soon(aio_loop *loop, aio_callback *fn, void *arg);

typedef struct aio_timer aio_timer;
aio_timer *aio_call_later(aio_loop *loop, aio_time delay, aio_callback *fn, void *arg);
aio_timer *aio_call_at(aio_loop *loop, aio_time deadline, aio_callback *fn, void *arg);
bool aio_timer_cancel(aio_loop *loop, aio_timer *timer);   /* false: too late */

enum { AIO_READABLE = 1, AIO_WRITABLE = 2 };
int aio_watch(aio_loop *loop, int fd, int events, aio_callback *fn, void *arg);
int aio_unwatch(aio_loop *loop, int fd, int events);

int aio_loop_run(aio_loop *loop);   /* until nothing is left; 0 or an errno */


#line 45 "book/01-event-loop.nw"
#endif
