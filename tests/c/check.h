/*
 * Tiny assertion helpers for the C test programs in tests/c/.
 *
 * Each program includes this after <nats.h>. A failed check prints where and
 * why (with nats_GetLastError() for status checks) and exits with status 1.
 * Compiles as C99 and as C++11.
 */
#ifndef NATS_RS_TEST_CHECK_H
#define NATS_RS_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond, msg)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "FAIL %s:%d: %s  [%s]\n", __FILE__, __LINE__,     \
                    (msg), #cond);                                            \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

#define CHECK_STATUS(expr, expected)                                          \
    do {                                                                      \
        natsStatus check_s_ = (expr);                                         \
        natsStatus check_e_ = (expected);                                     \
        if (check_s_ != check_e_) {                                           \
            natsStatus check_le_ = NATS_OK;                                   \
            const char *check_txt_ = nats_GetLastError(&check_le_);           \
            fprintf(stderr,                                                   \
                    "FAIL %s:%d: %s\n  got %d (%s), expected %d (%s)\n"       \
                    "  last error: %s\n",                                     \
                    __FILE__, __LINE__, #expr, (int) check_s_,                \
                    natsStatus_GetText(check_s_), (int) check_e_,             \
                    natsStatus_GetText(check_e_),                             \
                    check_txt_ != NULL ? check_txt_ : "(none)");              \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

#define CHECK_OK(expr) CHECK_STATUS((expr), NATS_OK)

/* The server URL from argv[1], or the default one. */
static inline const char *
test_url(int argc, char **argv)
{
    return (argc > 1 && argv[1] != NULL && argv[1][0] != '\0')
               ? argv[1] : NATS_DEFAULT_URL;
}

/* Milliseconds (nats_Now() is part of the public API). */
static inline int64_t
test_now_ms(void)
{
    return nats_Now();
}

/* Waits until *counter (read atomically) reaches want, or timeout_ms passes.
 * Returns the last value seen. Only a guard against hangs, not a timing test. */
static inline int
test_wait_count(volatile int *counter, int want, int64_t timeout_ms)
{
    int64_t deadline = test_now_ms() + timeout_ms;
    int v = __atomic_load_n(counter, __ATOMIC_SEQ_CST);
    while (v < want && test_now_ms() < deadline) {
        nats_Sleep(5);
        v = __atomic_load_n(counter, __ATOMIC_SEQ_CST);
    }
    return v;
}

#define TEST_PASS(name)                                                       \
    do {                                                                      \
        printf("PASS %s\n", (name));                                          \
    } while (0)

#endif /* NATS_RS_TEST_CHECK_H */
