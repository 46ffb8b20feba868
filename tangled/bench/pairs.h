/* pairs.h: W6's connections over loopback, made before the clock starts,
   for both C programs (aio_bench.c and peers/peer_libuv.c). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void raise_descriptor_limit(rlim_t need)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= need) return;
    limit.rlim_cur = need;
    if (limit.rlim_max < need) limit.rlim_max = need;   /* allowed for root only */
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        fprintf(stderr, "W6 needs %lu descriptors: ", (unsigned long)need);
        perror("setrlimit");
        exit(1);
    }
}
enum { CLIENTS_APART_PAST = 1000 };   /* connections */
static enum { BOTH_ENDS, SERVERS, CLIENTS } role = BOTH_ENDS;
static pid_t clients_process;
static int go[2];   /* a pipe: the parent's word to start */

static void split_off_the_clients(void)
{
    fflush(stdout);   /* nothing printed twice */
    if (pipe(go) != 0 || (clients_process = fork()) < 0) {
        perror("W6: start the clients' process");
        exit(1);
    }
    role = clients_process == 0 ? CLIENTS : SERVERS;
    close(role == CLIENTS ? go[1] : go[0]);
}
static void give_the_word(void)   /* in the parent, as the clock starts */
{
    if (write(go[1], "g", 1) != 1) {
        perror("W6: start the clients");
        exit(1);
    }
}

static void wait_for_the_word(void)   /* in the child */
{
    char word;
    if (read(go[0], &word, 1) != 1) exit(1);   /* the parent is gone */
}

static void wait_for_the_clients(void)   /* in the parent, after the clock */
{
    int status;
    if (waitpid(clients_process, &status, 0) != clients_process || !WIFEXITED(status)
        || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "W6: the clients' process failed\n");
        exit(1);
    }
}
static int listen_on_loopback(struct sockaddr_in *address)
{
    socklen_t length = sizeof *address;
    *address = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *)address, length) != 0
        || listen(listener, SOMAXCONN) != 0 || getsockname(listener, (struct sockaddr *)address, &length) != 0) {
        perror("W6: listen on 127.0.0.1");
        exit(1);
    }
    return listener;
}
static void connect_pairs(long n, int *client_fds, int *server_fds)
{
    int apart = n > CLIENTS_APART_PAST;
    raise_descriptor_limit((apart ? 1 : 2) * (rlim_t)n + 64);
    struct sockaddr_in address;
    int listener = listen_on_loopback(&address);
    if (apart) split_off_the_clients();
    for (long i = 0; i < n; i++) {
        if (role != SERVERS && ((client_fds[i] = socket(AF_INET, SOCK_STREAM, 0)) < 0
                                || connect(client_fds[i], (struct sockaddr *)&address, sizeof address) != 0)) {
            perror("W6: connect over loopback");
            exit(1);
        }
        if (role != CLIENTS && (server_fds[i] = accept(listener, NULL, NULL)) < 0) {
            perror("W6: accept over loopback");
            exit(1);
        }
    }
    close(listener);
}
