/* echo_demo.c: an echo server and 100 concurrent clients over loopback. */
#define _POSIX_C_SOURCE 200809L
#include "aio.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { CLIENTS = 100, ROUND_TRIPS = 100 };
static struct sockaddr_in server_address;
static long completed;

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --facts: after the usual output, print FACT lines, which the book's prose
   quotes and checks. --real-clock: run in real time a demo that the book
   captures on the virtual clock. */
static bool facts, real_clock;

static void read_options(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--facts") == 0) facts = true;
        else if (strcmp(argv[i], "--real-clock") == 0) real_clock = true;
        else {
            fprintf(stderr, "usage: %s [--facts] [--real-clock]\n", argv[0]);
            exit(2);
        }
    }
}

/* With --facts, print the line FACT KEY VALUE. */
static inline void fact(const char *key, const char *format, ...)
{
    if (!facts) return;
    va_list values;
    va_start(values, format);
    printf("FACT %s ", key);
    vprintf(format, values);
    putchar('\n');
    va_end(values);
}
static aio_outcome handle_connection(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buffer[512];
    size_t got;
    aio_status status;
    while ((status = aio_read(fd, buffer, sizeof buffer, &got)) == AIO_OK && got > 0)
        if ((status = aio_write_all(fd, buffer, got)) != AIO_OK) break;
    close(fd);
    return aio_propagate(status);
}

static aio_outcome serve(void *arg)
{
    int listener = (int)(intptr_t)arg, client;
    aio_status status;
    while ((status = aio_accept(listener, &client)) == AIO_OK)
        aio_release(aio_spawn("connection", handle_connection, (void *)(intptr_t)client));
    if (status == AIO_ERROR) return aio_error(errno, "accept failed: %s", strerror(errno));
    return aio_propagate(status);   /* cancelled when main is done */
}
static aio_outcome client(void *arg)
{
    (void)arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || aio_set_nonblocking(fd) != 0) return aio_error(1, "socket failed");
    aio_status status = aio_connect(fd, &server_address, sizeof server_address);
    char message[32] = "hello, echo server!", reply[32];
    for (int i = 0; status == AIO_OK && i < ROUND_TRIPS; i++) {
        status = aio_write_all(fd, message, sizeof message);
        size_t have = 0, got = 0;
        while (status == AIO_OK && have < sizeof reply &&
               (status = aio_read(fd, reply + have, sizeof reply - have, &got)) == AIO_OK && got > 0)
            have += got;
        if (status == AIO_OK && have == sizeof reply && memcmp(reply, message, sizeof reply) == 0)
            completed++;
    }
    close(fd);
    return aio_propagate(status);
}
static aio_outcome run_demo(void *arg)
{
    (void)arg;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    server_address = (struct sockaddr_in){.sin_family = AF_INET,
                                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof server_address;
    if (listener < 0 || bind(listener, (void *)&server_address, length) != 0 ||
        listen(listener, 128) != 0 || getsockname(listener, (void *)&server_address, &length) != 0 ||
        aio_set_nonblocking(listener) != 0)
        return aio_error(1, "cannot listen on 127.0.0.1");
    aio_task *server = aio_spawn("server", serve, (void *)(intptr_t)listener);
    aio_task *clients[CLIENTS];
    aio_outcome outcomes[CLIENTS];
    aio_time start = aio_now(aio_running_loop());
    for (int i = 0; i < CLIENTS; i++) clients[i] = aio_spawn("client", client, NULL);
    aio_status status = aio_gather(clients, CLIENTS, true, outcomes);
    double ms = (aio_now(aio_running_loop()) - start) / 1e6;
    printf("%d clients, %ld round trips completed in %.0f ms\n", CLIENTS, completed, ms);
    fact("round_trips", "%ld", completed);
    fact("clock.total_ms", "%.0f", ms);
    fact("clock.us_per_round_trip", "%.1f", ms * 1000 / completed);
    for (int i = 0; i < CLIENTS; i++) aio_release(clients[i]);
    aio_cancel(server, "the demo is over");   /* stop it before closing its socket */
    if (aio_await(server, NULL) != AIO_CANCELLED) status = AIO_ERROR;
    aio_release(server);
    close(listener);
    return aio_propagate(status);
}

int main(int argc, char **argv)
{
    read_options(argc, argv);   /* real time is the point here: --real-clock changes nothing */
    return aio_run(run_demo, NULL, NULL, NULL) == AIO_OK && completed == CLIENTS * ROUND_TRIPS ? 0 : 1;
}
