/* forgot_status.c: compiled only to show the compiler's warning. */
#include "aio.h"

aio_outcome save_after_a_pause(void *arg)
{
    (void)arg;
    aio_sleep(AIO_SEC(1));       /* the status is dropped: was the pause cut short? */
    return aio_value(0);
}
