/* test_util.h: what every test program shares. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* main() for a test program made of one suite. */
#define TEST_MAIN(make_suite)                                   \
    int main(void)                                              \
    {                                                           \
        SRunner *runner = srunner_create(make_suite());         \
        srunner_run_all(runner, CK_NORMAL);                     \
        int failed = srunner_ntests_failed(runner);             \
        srunner_free(runner);                                   \
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;       \
    }

/* Run fn(arg) in a child process with its stderr captured into text (NUL-terminated).
   Returns the child's wait status. Works with CK_FORK=no and under Valgrind, because the
   test runner itself never dies. */
static inline int run_in_child(void (*fn)(void *), void *arg, char *text, size_t size)
{
    int err[2];
    ck_assert_int_eq(pipe(err), 0);
    fflush(NULL);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        close(err[0]);
        dup2(err[1], STDERR_FILENO);
        signal(SIGABRT, SIG_DFL);
        fn(arg);
        _exit(0);
    }
    close(err[1]);
    size_t n = 0;
    ssize_t got;
    while ((got = read(err[0], text + n, size - 1 - n)) > 0 && n + (size_t)got < size - 1)
        n += (size_t)got;
    if (got > 0) n += (size_t)got;
    text[n] = '\0';
    close(err[0]);
    int status;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    return status;
}

/* A checked runtime error: fn(arg) must die by a signal (abort) having said `expected`. */
static inline void expect_death(void (*fn)(void *), void *arg, const char *expected)
{
    char text[4096];
    int status = run_in_child(fn, arg, text, sizeof text);
    ck_assert_msg(WIFSIGNALED(status), "expected a death saying \"%s\"; it exited %d, saying: %s",
                  expected, WIFEXITED(status) ? WEXITSTATUS(status) : -1, text);
    ck_assert_msg(strstr(text, expected) != NULL, "expected \"%s\" on stderr; got: %s",
                  expected, text);
}

/* A duplicate of fd numbered at least `at_least` (FD_SETSIZE, say), raising the soft limit
   of open files if it is too low; -1 with a message on stderr when the hard limit (or the
   process's already open files) forbid it, and the test should skip what needs it. */
static inline int duplicate_at_or_above(int fd, int at_least)
{
    struct rlimit limit;
    rlim_t need = (rlim_t)at_least + 16;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < need) {
        if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < need) {
            fprintf(stderr, "skipped: a descriptor >= %d needs a hard limit of open files of %lu,"
                    " this one is %lu\n", at_least, (unsigned long)need, (unsigned long)limit.rlim_max);
            return -1;
        }
        limit.rlim_cur = need;
        ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &limit), 0);
    }
    int high = fcntl(fd, F_DUPFD, at_least);
    if (high < 0) fprintf(stderr, "skipped: no descriptor >= %d: %s\n", at_least, strerror(errno));
    return high;
}

/* For expect_death with calls that must be made inside a task: in_a_task(fn) runs fn() as
   the main task of a loop on the virtual clock. (Include aio.h before this header.) */
#ifdef AIO_H
static inline aio_outcome run_void_function(void *fn)
{
    ((void (*)(void))fn)();
    return aio_value(0);
}

static inline void in_a_task(void *fn)
{
    (void)aio_run(run_void_function, fn, &(aio_loop_options){.virtual_clock = true}, NULL);
}
#endif

#endif
