/*
 * One benchmark source, built twice: against nats_rs (-Iinclude -lnats_rs)
 * and against nats.c (-I/usr/include/nats -lnats). Only the public nats.c API
 * is used, so the two binaries run exactly the same code on top of each
 * library.
 *
 *   bench SCENARIO [--lib NAME] [--url URL] [--sink-url URL] [--count N]
 *                  [--size BYTES] [--send-asap] [--ideal-sub] [--ideal-pub]
 *                  [--subs N] [--pending N] [--timeout SECS] [--plain]
 *                  [--window N]
 *
 * Scenarios: pub pub-sink pubsub req large threads rss micro (see
 * bench/README.md).
 * Each run prints exactly one line of space-separated key=value fields,
 * starting with scenario= and lib= and ending with ok=1 (or ok=0 error=...).
 * The exit status is 0 only when ok=1.
 */
#define _GNU_SOURCE
#include <nats.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef BENCH_LIB
#define BENCH_LIB "unknown"
#endif

/* ---- command line ------------------------------------------------------ */

static struct {
    const char *scenario;
    const char *lib;
    const char *url;
    const char *sink_url;
    long long count; /* -1: the scenario's default */
    long long size;  /* -1: the scenario's default */
    int send_asap;
    int ideal_sub;
    int ideal_pub;
    int plain;
    int window;
    int subs;
    long long pending;
    double timeout; /* seconds to wait for deliveries */
} cfg = {NULL, BENCH_LIB, "nats://127.0.0.1:4222", "nats://127.0.0.1:4223", -1, -1, 0, 0, 0, 0, 100,
         1000, 100000, 120.0};

/* ---- the output line --------------------------------------------------- */

static char line[4096];
static size_t line_len;

static void field(const char *fmt, ...)
{
    va_list ap;
    if (line_len + 2 >= sizeof(line))
        return;
    if (line_len > 0)
        line[line_len++] = ' ';
    va_start(ap, fmt);
    int n = vsnprintf(line + line_len, sizeof(line) - line_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        line_len += (size_t)n < sizeof(line) - line_len ? (size_t)n : sizeof(line) - line_len - 1;
}

/* Prints the line and exits: ok=1, or ok=0 with the error (no spaces). */
static void finish(const char *error)
{
    if (error == NULL) {
        field("ok=1");
    } else {
        char buf[256];
        size_t i;
        snprintf(buf, sizeof(buf), "%s", error);
        for (i = 0; buf[i]; i++)
            if (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '=')
                buf[i] = '_';
        field("ok=0");
        field("error=%s", buf);
    }
    printf("%s\n", line);
    fflush(stdout);
    /* Skip library teardown on failure: a stuck connection must not hang us. */
    _exit(error == NULL ? 0 : 1);
}

static void failf(const char *what, natsStatus s)
{
    char buf[200];
    snprintf(buf, sizeof(buf), "%s:%s", what, natsStatus_GetText(s));
    finish(buf);
}

#define CHECK(what, call)                                                                          \
    do {                                                                                           \
        natsStatus s_ = (call);                                                                    \
        if (s_ != NATS_OK)                                                                         \
            failf(what, s_);                                                                       \
    } while (0)

/* ---- clocks, CPU, threads, memory -------------------------------------- */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void cpu_times(double *user, double *sys)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
    *sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;
    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char buf[256];
    long kb = -1;
    if (f == NULL)
        return -1;
    while (fgets(buf, sizeof(buf), f) != NULL)
        if (strncmp(buf, "VmRSS:", 6) == 0) {
            kb = strtol(buf + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kb;
}

/* ---- connections ------------------------------------------------------- */

static volatile int async_errors;
static volatile int disconnects;
static char last_async_error[128];
static char disconnect_reason[160];

static void on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    (void)nc;
    (void)sub;
    (void)closure;
    __atomic_add_fetch(&async_errors, 1, __ATOMIC_SEQ_CST);
    snprintf(last_async_error, sizeof(last_async_error), "async:%s", natsStatus_GetText(err));
}

/* closure: the connection's role, named in the error ("disconnected:sub:..."). */
static void on_disconnected(natsConnection *nc, void *closure)
{
    const char *text = NULL;
    natsStatus s = natsConnection_GetLastError(nc, &text);
    if (__atomic_load_n(&disconnects, __ATOMIC_SEQ_CST) == 0)
        snprintf(disconnect_reason, sizeof(disconnect_reason), "disconnected:%s:%s:%s",
                 (const char *)closure, natsStatus_GetText(s), text != NULL ? text : "");
    __atomic_add_fetch(&disconnects, 1, __ATOMIC_SEQ_CST);
}

static natsConnection *connect_to(const char *url, int global_delivery, const char *role)
{
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    CHECK("options", natsOptions_Create(&opts));
    CHECK("url", natsOptions_SetURL(opts, url));
    /* A benchmark must not silently reconnect and lose messages. */
    CHECK("reconnect", natsOptions_SetAllowReconnect(opts, false));
    CHECK("errhandler", natsOptions_SetErrorHandler(opts, on_error, NULL));
    CHECK("disconnectedcb", natsOptions_SetDisconnectedCB(opts, on_disconnected, (void *)role));
    if (cfg.send_asap)
        CHECK("sendasap", natsOptions_SetSendAsap(opts, true));
    if (global_delivery)
        CHECK("globaldelivery", natsOptions_UseGlobalMessageDelivery(opts, true));
    CHECK("connect", natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    return nc;
}

/* ---- receiving --------------------------------------------------------- */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int64_t expected;
    int64_t count; /* written by the (serialised) callback, read under mu at the end */
    int64_t bytes;
    int64_t first_ns, last_ns;
    int done;
} receiver;

static void receiver_init(receiver *r, int64_t expected)
{
    memset(r, 0, sizeof(*r));
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cond, NULL);
    r->expected = expected;
}

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    receiver *r = closure;
    int64_t n;
    (void)nc;
    (void)sub;
    r->bytes += natsMsg_GetDataLength(msg);
    natsMsg_Destroy(msg);
    n = __atomic_add_fetch(&r->count, 1, __ATOMIC_RELAXED);
    if (n == 1)
        r->first_ns = now_ns();
    if (n == r->expected) {
        r->last_ns = now_ns();
        pthread_mutex_lock(&r->mu);
        r->done = 1;
        pthread_cond_broadcast(&r->cond);
        pthread_mutex_unlock(&r->mu);
    }
}

/* ---- the ideal subscriber (--ideal-sub) -------------------------------- */

/*
 * A subscriber that costs (almost) nothing: a plain socket that subscribes
 * and counts the bytes of the MSG stream, without parsing or delivering. With
 * it, pubsub and large measure the library's publisher and nats-server alone:
 * the ceiling any subscribing client could reach on this machine.
 */
typedef struct {
    receiver *r;
    int fd;
    int64_t want_bytes;
} ideal_sub;

static int ideal_connect(const char *url)
{
    const char *hp = strstr(url, "://");
    char host[64] = "127.0.0.1";
    int port = 4222, fd;
    struct sockaddr_in a;
    hp = hp != NULL ? hp + 3 : url;
    if (sscanf(hp, "%63[^:]:%d", host, &port) < 1)
        finish("ideal-sub:url");
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
        finish("ideal-sub:only_numeric_IPv4_urls");
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
        finish("ideal-sub:connect");
    return fd;
}

/* Subscribes and returns once the server confirmed it (its PONG). */
static void ideal_subscribe(ideal_sub *s, const char *url, const char *subject)
{
    char buf[4096], cmd[256];
    size_t have = 0;
    s->fd = ideal_connect(url);
    snprintf(cmd, sizeof(cmd),
             "CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB %s 1\r\nPING\r\n", subject);
    if (write(s->fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
        finish("ideal-sub:write");
    while (memmem(buf, have, "PONG\r\n", 6) == NULL) {
        ssize_t n = read(s->fd, buf + have, sizeof(buf) - have);
        if (n <= 0 || have + (size_t)n >= sizeof(buf))
            finish("ideal-sub:handshake");
        have += (size_t)n;
    }
}

static void *ideal_read(void *arg)
{
    static char buf[1 << 20];
    ideal_sub *s = arg;
    int64_t got = 0;
    while (got < s->want_bytes) {
        ssize_t n = read(s->fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        got += n;
    }
    pthread_mutex_lock(&s->r->mu);
    if (got >= s->want_bytes)
        __atomic_store_n(&s->r->count, s->r->expected, __ATOMIC_SEQ_CST);
    s->r->last_ns = now_ns();
    s->r->done = 1;
    pthread_cond_broadcast(&s->r->cond);
    pthread_mutex_unlock(&s->r->mu);
    return NULL;
}

/* The bytes of one "MSG <subject> 1 <size>\r\n<payload>\r\n". */
static int64_t ideal_msg_bytes(const char *subject, int64_t size)
{
    char head[128];
    return snprintf(head, sizeof(head), "MSG %s 1 %lld\r\n", subject, (long long)size) + size + 2;
}

/* Waits until everything arrived; NULL, or why not. */
static const char *receiver_wait(receiver *r)
{
    int64_t deadline = now_ns() + (int64_t)(cfg.timeout * 1e9);
    const char *err = NULL;
    pthread_mutex_lock(&r->mu);
    while (!r->done) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&r->cond, &r->mu, &ts);
        if (r->done)
            break;
        if (__atomic_load_n(&disconnects, __ATOMIC_SEQ_CST) > 0) {
            err = disconnect_reason;
            break;
        }
        if (now_ns() > deadline) {
            err = "timeout";
            break;
        }
    }
    pthread_mutex_unlock(&r->mu);
    return err;
}

static void unlimited(natsSubscription *sub)
{
    CHECK("pendinglimits", natsSubscription_SetPendingLimits(sub, -1, -1));
}

/* ---- scenarios --------------------------------------------------------- */

static int64_t count_or(int64_t dflt) { return cfg.count >= 0 ? cfg.count : dflt; }
static int64_t size_or(int64_t dflt) { return cfg.size >= 0 ? cfg.size : dflt; }

static char *payload(int64_t size)
{
    char *p = malloc(size > 0 ? (size_t)size : 1);
    int64_t i;
    if (p == NULL)
        finish("malloc");
    for (i = 0; i < size; i++)
        p[i] = (char)('a' + i % 26);
    return p;
}

/* The fields of a pub, pub-sink or ideal-pub run. */
static void report_pub(int64_t n, int64_t size, double secs, double user, double sys)
{
    field("msgs=%lld", (long long)n);
    field("size=%lld", (long long)size);
    field("secs=%.3f", secs);
    field("msgs_per_sec=%.0f", n / secs);
    field("cpu_user=%.2f", user);
    field("cpu_sys=%.2f", sys);
    field("cpu_us_per_msg=%.3f", n ? (user + sys) * 1e6 / n : 0.0);
}

/*
 * pub --ideal-pub: no library at all; a plain socket writes pre-encoded PUBs
 * (1 MiB at a time) and waits for the PONG to its final PING. This is how
 * fast nats-server takes in messages on this machine: the ceiling for any
 * publishing client.
 */
static void scenario_ideal_pub(void)
{
    int64_t n = count_or(2000000), size = size_or(16), sent = 0;
    char *data = payload(size), head[128], *chunk, buf[4096];
    int hl = snprintf(head, sizeof(head), "PUB bench.pub %lld\r\n", (long long)size);
    int64_t rec = hl + size + 2, per_chunk = (1 << 20) / rec, i, t0, t1;
    double u0, s0, u1, s1;
    size_t have = 0;
    int fd;

    if (per_chunk < 1)
        per_chunk = 1;
    chunk = malloc((size_t)(per_chunk * rec));
    if (chunk == NULL)
        finish("malloc");
    for (i = 0; i < per_chunk; i++) {
        memcpy(chunk + i * rec, head, (size_t)hl);
        memcpy(chunk + i * rec + hl, data, (size_t)size);
        memcpy(chunk + i * rec + hl + size, "\r\n", 2);
    }
    fd = ideal_connect(cfg.url);
    {
        const char *c = "CONNECT {\"verbose\":false,\"pedantic\":false}\r\n";
        if (write(fd, c, strlen(c)) != (ssize_t)strlen(c))
            finish("ideal-pub:write");
    }
    cpu_times(&u0, &s0);
    t0 = now_ns();
    while (sent < n) {
        int64_t k = n - sent < per_chunk ? n - sent : per_chunk, off = 0, len = k * rec;
        while (off < len) {
            ssize_t w = write(fd, chunk + off, (size_t)(len - off));
            if (w <= 0)
                finish("ideal-pub:write");
            off += w;
        }
        sent += k;
    }
    if (write(fd, "PING\r\n", 6) != 6)
        finish("ideal-pub:write");
    while (memmem(buf, have, "PONG\r\n", 6) == NULL) {
        ssize_t r = read(fd, buf + have, sizeof(buf) - have);
        if (r <= 0 || have + (size_t)r >= sizeof(buf))
            finish("ideal-pub:pong");
        have += (size_t)r;
    }
    t1 = now_ns();
    cpu_times(&u1, &s1);
    close(fd);

    field("ideal_pub=1");
    report_pub(n, size, (t1 - t0) / 1e9, u1 - u0, s1 - s0);
    free(chunk);
    free(data);
}

/* pub, pub-sink: one connection publishes N messages, then flushes. */
static void scenario_pub(const char *url)
{
    int64_t n = count_or(2000000), size = size_or(16), i;
    char *data = payload(size);
    natsConnection *nc = connect_to(url, 0, "pub");
    double u0, s0, u1, s1;
    int64_t t0, t1;

    cpu_times(&u0, &s0);
    t0 = now_ns();
    for (i = 0; i < n; i++)
        CHECK("publish", natsConnection_Publish(nc, "bench.pub", data, (int)size));
    CHECK("flush", natsConnection_FlushTimeout(nc, (int64_t)(cfg.timeout * 1000)));
    t1 = now_ns();
    cpu_times(&u1, &s1);

    report_pub(n, size, (t1 - t0) / 1e9, u1 - u0, s1 - s0);
    natsConnection_Destroy(nc);
    free(data);
}

/* pubsub, large: a second connection's async subscription receives all (or,
 * with --ideal-sub, a raw socket counts the bytes). */
static void scenario_pubsub(int64_t dflt_count, int64_t dflt_size, int mbytes)
{
    int64_t n = count_or(dflt_count), size = size_or(dflt_size), i;
    char *data = payload(size);
    natsConnection *sub_nc = NULL;
    natsConnection *pub_nc = connect_to(cfg.url, 0, "pub");
    natsSubscription *sub = NULL;
    receiver r;
    ideal_sub ideal;
    pthread_t ideal_thread;
    double u0, s0, u1, s1;
    int64_t t0, t_pub, dropped = 0;
    const char *err;

    receiver_init(&r, n);
    if (cfg.ideal_sub) {
        ideal.r = &r;
        ideal.want_bytes = n * ideal_msg_bytes("bench.pubsub", size);
        ideal_subscribe(&ideal, cfg.url, "bench.pubsub");
        if (pthread_create(&ideal_thread, NULL, ideal_read, &ideal) != 0)
            finish("ideal-sub:thread");
    } else {
        sub_nc = connect_to(cfg.url, 0, "sub");
        CHECK("subscribe", natsConnection_Subscribe(&sub, sub_nc, "bench.pubsub", on_msg, &r));
        unlimited(sub);
        CHECK("subflush", natsConnection_FlushTimeout(sub_nc, 10000));
    }

    cpu_times(&u0, &s0);
    t0 = now_ns();
    for (i = 0; i < n; i++)
        CHECK("publish", natsConnection_Publish(pub_nc, "bench.pubsub", data, (int)size));
    CHECK("flush", natsConnection_FlushTimeout(pub_nc, (int64_t)(cfg.timeout * 1000)));
    t_pub = now_ns();
    err = n > 0 ? receiver_wait(&r) : NULL;
    cpu_times(&u1, &s1);
    if (sub != NULL)
        natsSubscription_GetDropped(sub, &dropped);

    int64_t got = __atomic_load_n(&r.count, __ATOMIC_SEQ_CST);
    int64_t end = err == NULL && n > 0 ? r.last_ns : now_ns();
    double secs = (end - t0) / 1e9;
    field("msgs=%lld", (long long)n);
    field("size=%lld", (long long)size);
    if (cfg.ideal_sub)
        field("ideal_sub=1");
    field("received=%lld", (long long)got);
    field("dropped=%lld", (long long)dropped);
    field("secs=%.3f", secs);
    field("pub_secs=%.3f", (t_pub - t0) / 1e9);
    if (mbytes)
        field("mb_per_sec=%.1f", (double)got * size / secs / 1e6);
    field("msgs_per_sec=%.0f", got / secs);
    field("cpu_user=%.2f", u1 - u0);
    field("cpu_sys=%.2f", s1 - s0);
    if (err == NULL && got != n)
        err = "short";
    if (err == NULL && dropped != 0)
        err = "dropped";
    if (err == NULL && async_errors > 0)
        err = last_async_error;
    if (err != NULL)
        finish(err);
    if (cfg.ideal_sub) {
        pthread_join(ideal_thread, NULL);
        close(ideal.fd);
    }
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(pub_nc);
    natsConnection_Destroy(sub_nc);
    free(data);
}

static void on_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    const char *reply = natsMsg_GetReply(msg);
    (void)sub;
    (void)closure;
    if (reply != NULL)
        natsConnection_Publish(nc, reply, natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
    natsMsg_Destroy(msg);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* req: sequential requests to an async replier on another connection. */
static void scenario_req(void)
{
    int64_t n = count_or(20000), size = size_or(16), i;
    int64_t warmup = n / 10 < 100 ? n / 10 : 100;
    char *data = payload(size);
    natsConnection *rep_nc = connect_to(cfg.url, 0, "replier");
    natsConnection *req_nc = connect_to(cfg.url, 0, "requestor");
    natsSubscription *sub = NULL;
    int64_t *lat = calloc(n > 0 ? (size_t)n : 1, sizeof(int64_t));
    double u0, s0, u1, s1, sum = 0;
    int64_t t0, t1;

    if (lat == NULL)
        finish("malloc");
    CHECK("subscribe", natsConnection_Subscribe(&sub, rep_nc, "bench.req", on_request, NULL));
    CHECK("subflush", natsConnection_FlushTimeout(rep_nc, 10000));
    for (i = 0; i < warmup; i++) {
        natsMsg *reply = NULL;
        CHECK("warmup", natsConnection_Request(&reply, req_nc, "bench.req", data, (int)size, 5000));
        natsMsg_Destroy(reply);
    }
    cpu_times(&u0, &s0);
    t0 = now_ns();
    for (i = 0; i < n; i++) {
        natsMsg *reply = NULL;
        int64_t a = now_ns();
        CHECK("request", natsConnection_Request(&reply, req_nc, "bench.req", data, (int)size, 5000));
        lat[i] = now_ns() - a;
        if (natsMsg_GetDataLength(reply) != (int)size)
            finish("bad_reply");
        natsMsg_Destroy(reply);
    }
    t1 = now_ns();
    cpu_times(&u1, &s1);
    qsort(lat, (size_t)n, sizeof(int64_t), cmp_i64);
    for (i = 0; i < n; i++)
        sum += lat[i];

    field("send_asap=%d", cfg.send_asap);
    field("reqs=%lld", (long long)n);
    field("size=%lld", (long long)size);
    field("secs=%.3f", (t1 - t0) / 1e9);
    if (n > 0) {
        field("p50_us=%.1f", lat[n / 2] / 1e3);
        field("p99_us=%.1f", lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1e3);
        field("min_us=%.1f", lat[0] / 1e3);
        field("max_us=%.1f", lat[n - 1] / 1e3);
        field("mean_us=%.1f", sum / n / 1e3);
        field("reqs_per_sec=%.0f", n / ((t1 - t0) / 1e9));
    }
    field("cpu_user=%.2f", u1 - u0);
    field("cpu_sys=%.2f", s1 - s0);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(req_nc);
    natsConnection_Destroy(rep_nc);
    free(lat);
    free(data);
}

/*
 * micro: the replier of req done two ways on one connection, a micro service
 * endpoint (micro_AddService with one endpoint that responds with the
 * request's bytes) or, with --plain, a natsConnection_QueueSubscribe callback
 * (the queue group "q" a micro endpoint uses) that publishes them to the
 * reply subject. Measured twice from a second connection: 20,000 sequential
 * natsConnection_Request calls (the latency-bound rate), then 200,000
 * requests published with natsConnection_PublishRequest to one reply
 * subscription, at most --window (default 100) outstanding (the rate the
 * replier sustains). The micro API exists in nats_rs and nats.c 3.14, not in
 * Debian's nats.c 3.4.1: built against a header without it, the scenario
 * reports ok=0 error=no_micro_api (--plain still runs).
 */
#ifdef MICRO_API_PREFIX
static microError *on_micro_request(microRequest *req)
{
    return microRequest_Respond(req, microRequest_GetData(req),
                                (size_t)microRequest_GetDataLength(req));
}
#endif

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int64_t received;
    int64_t bad;
} reply_window;

static void on_window_reply(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    reply_window *w = closure;
    (void)nc;
    (void)sub;
    pthread_mutex_lock(&w->mu);
    if (natsMsg_GetDataLength(msg) != (int)size_or(16))
        w->bad++;
    w->received++;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->mu);
    natsMsg_Destroy(msg);
}

/* Waits (under w->mu) until received >= want; 0 on a timeout or disconnect. */
static int window_wait(reply_window *w, int64_t want, int64_t deadline)
{
    while (w->received < want) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&w->cond, &w->mu, &ts);
        if (__atomic_load_n(&disconnects, __ATOMIC_SEQ_CST) > 0 || now_ns() > deadline)
            return 0;
    }
    return 1;
}

static void scenario_micro(int plain)
{
    int64_t n = count_or(20000), size = size_or(16), i;
    int64_t burst = n * 10, window = cfg.window > 0 ? cfg.window : 100;
    int64_t warmup = n / 10 < 100 ? n / 10 : 100;
    char *data = payload(size);
    natsConnection *rep_nc = connect_to(cfg.url, 0, "replier");
    natsConnection *req_nc = connect_to(cfg.url, 0, "requestor");
    natsSubscription *sub = NULL, *replies = NULL;
#ifdef MICRO_API_PREFIX
    microService *svc = NULL;
    microError *merr = NULL;
#endif
    int64_t *lat = calloc(n > 0 ? (size_t)n : 1, sizeof(int64_t));
    reply_window w;
    char inbox[64];
    double u0, s0, u1, s1, u2, s2;
    int64_t t0, t1, t2, deadline;

    if (lat == NULL)
        finish("malloc");
    if (plain) {
        CHECK("subscribe", natsConnection_QueueSubscribe(&sub, rep_nc, "bench.micro", "q",
                                                         on_request, NULL));
    } else {
#ifdef MICRO_API_PREFIX
        microEndpointConfig ep;
        microServiceConfig sc;
        memset(&ep, 0, sizeof(ep));
        ep.Name = "echo";
        ep.Subject = "bench.micro";
        ep.Handler = on_micro_request;
        memset(&sc, 0, sizeof(sc));
        sc.Name = "bench";
        sc.Version = "1.0.0";
        sc.Endpoint = &ep;
        merr = micro_AddService(&svc, rep_nc, &sc);
        if (merr != NULL) {
            char buf[200];
            finish(microError_String(merr, buf, sizeof(buf)));
        }
#else
        finish("no_micro_api");
#endif
    }
    CHECK("subflush", natsConnection_FlushTimeout(rep_nc, 10000));
    for (i = 0; i < warmup; i++) {
        natsMsg *reply = NULL;
        CHECK("warmup", natsConnection_Request(&reply, req_nc, "bench.micro", data, (int)size, 5000));
        natsMsg_Destroy(reply);
    }

    /* Sequential requests. */
    cpu_times(&u0, &s0);
    t0 = now_ns();
    for (i = 0; i < n; i++) {
        natsMsg *reply = NULL;
        int64_t a = now_ns();
        CHECK("request", natsConnection_Request(&reply, req_nc, "bench.micro", data, (int)size, 5000));
        lat[i] = now_ns() - a;
        if (natsMsg_GetDataLength(reply) != (int)size)
            finish("bad_reply");
        natsMsg_Destroy(reply);
    }
    t1 = now_ns();
    cpu_times(&u1, &s1);
    qsort(lat, (size_t)n, sizeof(int64_t), cmp_i64);

    /* Pipelined: at most `window` requests outstanding. */
    memset(&w, 0, sizeof(w));
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cond, NULL);
    snprintf(inbox, sizeof(inbox), "bench.micro.replies");
    CHECK("replysub", natsConnection_Subscribe(&replies, req_nc, inbox, on_window_reply, &w));
    unlimited(replies);
    CHECK("replyflush", natsConnection_FlushTimeout(req_nc, 10000));
    deadline = now_ns() + (int64_t)(cfg.timeout * 1e9);
    pthread_mutex_lock(&w.mu);
    for (i = 0; i < burst; i++) {
        if (i - w.received >= window && !window_wait(&w, i - window + 1, deadline))
            break;
        pthread_mutex_unlock(&w.mu);
        CHECK("publishrequest", natsConnection_PublishRequest(req_nc, "bench.micro", inbox, data,
                                                              (int)size));
        pthread_mutex_lock(&w.mu);
    }
    if (i == burst)
        window_wait(&w, burst, deadline);
    t2 = now_ns();
    pthread_mutex_unlock(&w.mu);
    cpu_times(&u2, &s2);

    field("replier=%s", plain ? "plain" : "micro");
    field("reqs=%lld", (long long)n);
    field("size=%lld", (long long)size);
    field("secs=%.3f", (t1 - t0) / 1e9);
    if (n > 0) {
        field("p50_us=%.1f", lat[n / 2] / 1e3);
        field("p99_us=%.1f", lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1e3);
        field("reqs_per_sec=%.0f", n / ((t1 - t0) / 1e9));
    }
    field("cpu_user=%.2f", u1 - u0);
    field("cpu_sys=%.2f", s1 - s0);
    pthread_mutex_lock(&w.mu);
    field("burst=%lld", (long long)burst);
    field("window=%lld", (long long)window);
    field("burst_received=%lld", (long long)w.received);
    field("burst_secs=%.3f", (t2 - t1) / 1e9);
    field("burst_reqs_per_sec=%.0f", w.received / ((t2 - t1) / 1e9));
    field("burst_cpu_s=%.2f", (u2 - u1) + (s2 - s1));
    if (w.received != burst || w.bad != 0) {
        pthread_mutex_unlock(&w.mu);
        finish(w.bad ? "bad_burst_reply" : "burst_incomplete");
    }
    pthread_mutex_unlock(&w.mu);
    natsSubscription_Destroy(replies);
#ifdef MICRO_API_PREFIX
    if (svc != NULL) {
        merr = microService_Destroy(svc);
        if (merr != NULL) {
            char buf[200];
            finish(microError_String(merr, buf, sizeof(buf)));
        }
    }
#endif
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(req_nc);
    natsConnection_Destroy(rep_nc);
    free(lat);
    free(data);
}

static void on_ignore(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    (void)closure;
    natsMsg_Destroy(msg);
}

static natsSubscription **many_subs(natsConnection *nc, int n, const char *prefix)
{
    natsSubscription **subs = calloc((size_t)n + 1, sizeof(*subs));
    char subj[64];
    int i;
    if (subs == NULL)
        finish("malloc");
    for (i = 0; i < n; i++) {
        snprintf(subj, sizeof(subj), "%s.%d", prefix, i);
        CHECK("subscribe", natsConnection_Subscribe(&subs[i], nc, subj, on_ignore, NULL));
    }
    CHECK("subflush", natsConnection_FlushTimeout(nc, 30000));
    return subs;
}

static void free_subs(natsSubscription **subs, int n)
{
    int i;
    for (i = 0; i < n; i++)
        natsSubscription_Destroy(subs[i]);
    free(subs);
}

/* threads: /proc/self/task after each step. */
static void scenario_threads(void)
{
    int base = thread_count(), pub_conn, global, own;
    natsConnection *pub_nc, *global_nc, *own_nc;
    natsSubscription **gsubs, **osubs;

    pub_nc = connect_to(cfg.url, 0, "pub");
    CHECK("publish", natsConnection_Publish(pub_nc, "bench.threads", "x", 1));
    CHECK("flush", natsConnection_FlushTimeout(pub_nc, 10000));
    pub_conn = thread_count();

    global_nc = connect_to(cfg.url, 1, "global");
    gsubs = many_subs(global_nc, cfg.subs, "bench.tg");
    global = thread_count();

    /* For reference: the same on a connection with per-subscription delivery. */
    own_nc = connect_to(cfg.url, 0, "own");
    osubs = many_subs(own_nc, cfg.subs, "bench.to");
    own = thread_count();

    field("subs=%d", cfg.subs);
    field("threads_base=%d", base);
    field("threads_pub_conn=%d", pub_conn);
    field("threads_plus_global_subs=%d", global);
    field("threads_plus_own_subs=%d", own);
    field("conn_threads=%d", pub_conn - base);
    field("global_subs_threads=%d", global - pub_conn);
    field("own_subs_threads=%d", own - global);
    free_subs(osubs, cfg.subs);
    free_subs(gsubs, cfg.subs);
    natsConnection_Destroy(own_nc);
    natsConnection_Destroy(global_nc);
    natsConnection_Destroy(pub_nc);
}

/* rss: VmRSS after subscriptions, and with N messages pending in one. */
static void scenario_rss(void)
{
    int64_t size = size_or(16), n = cfg.pending, i;
    char *data = payload(size);
    long base, conn, subs_kb, pend_kb;
    natsConnection *pub_nc, *sub_nc;
    natsSubscription **subs, *sync_sub = NULL;
    int pending_msgs = 0, pending_bytes = 0;
    int64_t deadline;

    CHECK("open", nats_Open(-1));
    base = rss_kb();
    pub_nc = connect_to(cfg.url, 0, "pub");
    sub_nc = connect_to(cfg.url, 1, "sub");
    conn = rss_kb();
    subs = many_subs(sub_nc, cfg.subs, "bench.rs");
    subs_kb = rss_kb();

    CHECK("subscribe", natsConnection_SubscribeSync(&sync_sub, sub_nc, "bench.rss"));
    unlimited(sync_sub);
    CHECK("subflush", natsConnection_FlushTimeout(sub_nc, 10000));
    for (i = 0; i < n; i++)
        CHECK("publish", natsConnection_Publish(pub_nc, "bench.rss", data, (int)size));
    CHECK("flush", natsConnection_FlushTimeout(pub_nc, 30000));
    deadline = now_ns() + (int64_t)(cfg.timeout * 1e9);
    for (;;) {
        CHECK("getpending", natsSubscription_GetPending(sync_sub, &pending_msgs, &pending_bytes));
        if (pending_msgs >= n)
            break;
        if (now_ns() > deadline) {
            field("pending=%d", pending_msgs);
            finish("timeout");
        }
        usleep(2000);
    }
    pend_kb = rss_kb();

    field("subs=%d", cfg.subs);
    field("pending=%d", pending_msgs);
    field("size=%lld", (long long)size);
    field("rss_base_kb=%ld", base);
    field("rss_2conns_kb=%ld", conn);
    field("rss_subs_kb=%ld", subs_kb);
    field("rss_pending_kb=%ld", pend_kb);
    field("bytes_per_sub=%.0f", cfg.subs ? (subs_kb - conn) * 1024.0 / cfg.subs : 0.0);
    field("bytes_per_pending_msg=%.0f", n ? (pend_kb - subs_kb) * 1024.0 / n : 0.0);
    natsSubscription_Destroy(sync_sub);
    free_subs(subs, cfg.subs);
    natsConnection_Destroy(sub_nc);
    natsConnection_Destroy(pub_nc);
    free(data);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: bench pub|pub-sink|pubsub|req|large|threads|rss|micro [--lib NAME]\n"
            "             [--url URL] [--sink-url URL] [--count N] [--size BYTES]\n"
            "             [--send-asap] [--ideal-sub] [--ideal-pub] [--subs N]\n"
            "             [--pending N] [--timeout SECS] [--plain] [--window N]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int i;
    if (argc < 2)
        usage();
    cfg.scenario = argv[1];
    for (i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--send-asap") == 0) {
            cfg.send_asap = 1;
            continue;
        }
        if (strcmp(a, "--ideal-sub") == 0) {
            cfg.ideal_sub = 1;
            continue;
        }
        if (strcmp(a, "--ideal-pub") == 0) {
            cfg.ideal_pub = 1;
            continue;
        }
        if (strcmp(a, "--plain") == 0) {
            cfg.plain = 1;
            continue;
        }
        if (v == NULL)
            usage();
        i++;
        if (strcmp(a, "--lib") == 0)
            cfg.lib = v;
        else if (strcmp(a, "--url") == 0)
            cfg.url = v;
        else if (strcmp(a, "--sink-url") == 0)
            cfg.sink_url = v;
        else if (strcmp(a, "--count") == 0)
            cfg.count = atoll(v);
        else if (strcmp(a, "--size") == 0)
            cfg.size = atoll(v);
        else if (strcmp(a, "--window") == 0)
            cfg.window = atoi(v);
        else if (strcmp(a, "--subs") == 0)
            cfg.subs = atoi(v);
        else if (strcmp(a, "--pending") == 0)
            cfg.pending = atoll(v);
        else if (strcmp(a, "--timeout") == 0)
            cfg.timeout = atof(v);
        else
            usage();
    }

    field("scenario=%s", cfg.scenario);
    field("lib=%s", cfg.lib);
    field("version=%s", nats_GetVersion());
    if (strcmp(cfg.scenario, "pub") == 0 && cfg.ideal_pub)
        scenario_ideal_pub();
    else if (strcmp(cfg.scenario, "pub") == 0)
        scenario_pub(cfg.url);
    else if (strcmp(cfg.scenario, "pub-sink") == 0)
        scenario_pub(cfg.sink_url);
    else if (strcmp(cfg.scenario, "pubsub") == 0)
        scenario_pubsub(2000000, 16, 0);
    else if (strcmp(cfg.scenario, "large") == 0)
        scenario_pubsub(2000, 1024 * 1024, 1);
    else if (strcmp(cfg.scenario, "req") == 0)
        scenario_req();
    else if (strcmp(cfg.scenario, "threads") == 0)
        scenario_threads();
    else if (strcmp(cfg.scenario, "rss") == 0)
        scenario_rss();
    else if (strcmp(cfg.scenario, "micro") == 0)
        scenario_micro(cfg.plain);
    else
        usage();

    nats_Close();
    finish(NULL);
    return 0;
}
