/* test_util.h: what every test program shares. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H
#include <check.h>
#include <stdlib.h>

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

#endif
