/*
 * Tiny assertion helpers for the C test programs in tests/c/.
 *
 * Each program includes this after <nats.h>. A failed check prints where and
 * why (with nats_GetLastError() for status checks) and exits with status 1.
 * Compiles as C99 and as C++11 (POSIX: the harness passes
 * -D_POSIX_C_SOURCE=200809L, since <nats.h> pulls in libc headers first).
 */
#ifndef NATS_RS_TEST_CHECK_H
#define NATS_RS_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

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

/* A connection callback (natsConnectionHandler) that counts its calls in the
 * int its closure points to; pair it with test_wait_count. */
static inline void
test_count_event(natsConnection *nc, void *closure)
{
    (void) nc;
    __atomic_add_fetch((volatile int *) closure, 1, __ATOMIC_SEQ_CST);
}

/* The value of an environment variable the test harness must have set
 * (fixtures: see tests/c_programs.rs). */
static inline const char *
test_env(const char *name)
{
    const char *v = getenv(name);
    CHECK(v != NULL && v[0] != '\0', name);
    return v;
}

/* A small text file as a malloc'ed string, without trailing newlines. */
static inline char *
test_read_file(const char *path)
{
    FILE  *f = fopen(path, "r");
    char  *buf = (char *) calloc(1, 16384);
    size_t n;
    CHECK(f != NULL && buf != NULL, path);
    n = fread(buf, 1, 16383, f);
    fclose(f);
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    return buf;
}

/*
 * Controlling the test server, for reconnect scenarios.
 *
 * tests/c_programs.rs runs every program against a fresh nats-server and
 * describes it in NATS_RS_SERVER_BIN, _PORT, _CONF, _PID and _LOG. These
 * helpers kill it, start a new one on the same port with the same config,
 * and pause or resume the current one. A server started here is killed when
 * the program exits (atexit; on Linux also when the program dies). Call them
 * from the main thread: on Linux the started server dies with the thread
 * that forked it.
 */

#define TEST_SERVER_TIMEOUT_MS 10000

struct test_server_state_ {
    int   loaded;
    pid_t pid;  /* the current server, 0 when stopped */
    int   ours; /* started by this program: a child to reap */
    int   atexit_set;
};

static inline struct test_server_state_ *
test_server_state_(void)
{
    static struct test_server_state_ st;
    if (!st.loaded) {
        const char *p = getenv("NATS_RS_SERVER_PID");
        st.loaded = 1;
        st.pid = (p != NULL) ? (pid_t) strtol(p, NULL, 10) : 0;
    }
    return &st;
}

static inline const char *
test_server_env_(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0') {
        fprintf(stderr, "FAIL: %s is not set (run through tests/c_programs.rs)\n",
                name);
        exit(1);
    }
    return v;
}

/* 1 if 127.0.0.1:port accepts a connection (and, with want_info, greets
 * with INFO within a second), else 0. */
static inline int
test_server_probe_(int port, int want_info)
{
    struct sockaddr_in a;
    struct timeval tv;
    char buf[5];
    size_t got = 0;
    int ok;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0, "socket()");
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t) port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok = connect(fd, (struct sockaddr *) &a, sizeof(a)) == 0;
    if (ok && want_info) {
        tv.tv_sec = 1;
        tv.tv_usec = 0;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        while (got < sizeof(buf)) {
            ssize_t n = recv(fd, buf + got, sizeof(buf) - got, 0);
            if (n <= 0)
                break;
            got += (size_t) n;
        }
        ok = got == sizeof(buf) && memcmp(buf, "INFO ", sizeof(buf)) == 0;
    }
    close(fd);
    return ok;
}

/* Kills a server this program started (atexit handler; idempotent). */
static inline void
test_server_kill_ours_(void)
{
    struct test_server_state_ *st = test_server_state_();
    if (st->ours && st->pid > 0) {
        kill(st->pid, SIGKILL);
        waitpid(st->pid, NULL, 0);
        st->pid = 0;
        st->ours = 0;
    }
}

/* The pid of the current server (0 when stopped). */
static inline pid_t
test_server_pid(void)
{
    return test_server_state_()->pid;
}

/* Kills the current server (SIGKILL) and waits until its port refuses
 * connections. */
static inline void
test_server_stop(void)
{
    struct test_server_state_ *st = test_server_state_();
    int port = atoi(test_server_env_("NATS_RS_SERVER_PORT"));
    int64_t deadline = test_now_ms() + TEST_SERVER_TIMEOUT_MS;
    CHECK(st->pid > 0, "test_server_stop: no server running");
    kill(st->pid, SIGKILL); /* the harness reaps its own server */
    if (st->ours)
        waitpid(st->pid, NULL, 0);
    st->pid = 0;
    st->ours = 0;
    while (test_server_probe_(port, 0) && test_now_ms() < deadline)
        nats_Sleep(10);
    CHECK(!test_server_probe_(port, 0), "test_server_stop: port still accepts");
}

/* Forks and execs `nats-server -c CONF -a 127.0.0.1 -p PORT`, output
 * appended to NATS_RS_SERVER_LOG (or /dev/null). */
static inline pid_t
test_server_spawn_(void)
{
    const char *bin = test_server_env_("NATS_RS_SERVER_BIN");
    const char *conf = test_server_env_("NATS_RS_SERVER_CONF");
    const char *port = test_server_env_("NATS_RS_SERVER_PORT");
    const char *log = getenv("NATS_RS_SERVER_LOG");
    char *argv[8];
    int in, out, fd;
    pid_t parent = getpid();
    pid_t pid;

    argv[0] = (char *) bin;
    argv[1] = (char *) "-c";
    argv[2] = (char *) conf;
    argv[3] = (char *) "-a";
    argv[4] = (char *) "127.0.0.1";
    argv[5] = (char *) "-p";
    argv[6] = (char *) port;
    argv[7] = NULL;
    in = open("/dev/null", O_RDONLY);
    out = (log != NULL && log[0] != '\0')
              ? open(log, O_WRONLY | O_APPEND | O_CREAT, 0644) : -1;
    if (out < 0)
        out = open("/dev/null", O_WRONLY);
    CHECK(in >= 0 && out >= 0, "open /dev/null or the server log");
    pid = fork();
    if (pid == 0) {
        /* Only async-signal-safe calls until exec: the program has threads. */
#ifdef __linux__
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
#else
        (void) parent;
#endif
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        /* Keep the program's sockets out of the server. */
        for (fd = 3; fd < 1024; fd++)
            close(fd);
        execv(bin, argv);
        _exit(127);
    }
    close(in);
    close(out);
    CHECK(pid > 0, "fork");
    return pid;
}

/* Starts a new server on the harness's port with its config (after
 * test_server_stop), waits until it greets, and returns its pid. Retries if
 * the port cannot be bound yet. */
static inline pid_t
test_server_start(void)
{
    struct test_server_state_ *st = test_server_state_();
    int port = atoi(test_server_env_("NATS_RS_SERVER_PORT"));
    int64_t deadline = test_now_ms() + TEST_SERVER_TIMEOUT_MS;
    CHECK(!test_server_probe_(port, 0),
          "test_server_start: a server is still listening (test_server_stop first)");
    if (!st->atexit_set) {
        CHECK(atexit(test_server_kill_ours_) == 0, "atexit");
        st->atexit_set = 1;
    }
    for (;;) {
        pid_t pid = test_server_spawn_();
        st->pid = pid;
        st->ours = 1;
        while (test_now_ms() < deadline) {
            if (waitpid(pid, NULL, WNOHANG) == pid) {
                st->pid = 0; /* exited early (port not free yet?) */
                st->ours = 0;
                break;
            }
            if (test_server_probe_(port, 1))
                return pid;
            nats_Sleep(20);
        }
        if (test_now_ms() >= deadline) {
            test_server_kill_ours_();
            CHECK(0, "test_server_start: nats-server did not become ready");
        }
        nats_Sleep(100);
    }
}

/* test_server_stop() then test_server_start(); returns the new pid. */
static inline pid_t
test_server_restart(void)
{
    test_server_stop();
    return test_server_start();
}

/* 1 when every thread of pid is stopped. SIGSTOP is delivered
 * asynchronously: without this a PING sent right after kill() may still be
 * answered. Linux only (/proc); elsewhere 1. */
static inline int
test_server_stopped_(pid_t pid)
{
#ifdef __linux__
    char dir[64];
    char path[400];
    char buf[512];
    DIR *d;
    struct dirent *e;
    int seen = 0, all = 1;
    snprintf(dir, sizeof(dir), "/proc/%d/task", (int) pid);
    d = opendir(dir);
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        FILE *f;
        size_t n;
        const char *p;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s/stat", dir, e->d_name);
        f = fopen(path, "r");
        if (f == NULL)
            continue;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        p = strrchr(buf, ')'); /* "tid (comm) S ..." */
        seen = 1;
        if (p == NULL || p[1] != ' ' || (p[2] != 'T' && p[2] != 't'))
            all = 0;
    }
    closedir(d);
    return seen && all;
#else
    (void) pid;
    return 1;
#endif
}

/* Freezes the current server (SIGSTOP) and waits until it is stopped:
 * connections stay open, nothing is answered, as with a hung server. */
static inline void
test_server_pause(void)
{
    pid_t pid = test_server_pid();
    int64_t deadline = test_now_ms() + TEST_SERVER_TIMEOUT_MS;
    CHECK(pid > 0 && kill(pid, SIGSTOP) == 0, "test_server_pause");
    while (!test_server_stopped_(pid) && test_now_ms() < deadline)
        nats_Sleep(1);
    CHECK(test_server_stopped_(pid), "test_server_pause: server not stopped");
}

/* Lets a paused server run again (SIGCONT). */
static inline void
test_server_resume(void)
{
    pid_t pid = test_server_pid();
    CHECK(pid > 0 && kill(pid, SIGCONT) == 0, "test_server_resume");
}

#define TEST_PASS(name)                                                       \
    do {                                                                      \
        printf("PASS %s\n", (name));                                          \
    } while (0)

#endif /* NATS_RS_TEST_CHECK_H */
