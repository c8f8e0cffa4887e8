/*
 * stress: many threads use the library at once, for a bounded time, so that
 * AddressSanitizer and ThreadSanitizer watch its threads, locks and shared
 * state under contention (tests/sanitize/run builds and runs it).
 *
 * On one shared connection, all at the same time:
 * - publishers (with flushes), requesters against a responder;
 * - subscribers that subscribe, receive and leave in every way: unsubscribe,
 *   destroy, auto-unsubscribe, drain;
 * - a thread forcing reconnects (natsConnection_Reconnect) every few
 *   hundred milliseconds.
 * Beside it, connections that live a few tens of milliseconds: two helper
 *   threads publish, subscribe, request, flush and force reconnects on each
 *   while its owner closes or drains it under them.
 *
 * Usage: stress URL [SECONDS]   (default 10)
 * Exits 0 when every thread finished, the shared connection is connected
 * at the end, messages and replies got through and forced reconnects
 * happened; 1 otherwise; 2 when it hangs (a watchdog). A sanitizer report
 * makes the exit status non-zero by itself.
 */
#include <nats.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FAIL(...)                                                             \
    do {                                                                      \
        fprintf(stderr, "FAIL stress: " __VA_ARGS__);                         \
        fputc('\n', stderr);                                                  \
        exit(1);                                                              \
    } while (0)

#define MUST(expr)                                                            \
    do {                                                                      \
        natsStatus must_s_ = (expr);                                          \
        if (must_s_ != NATS_OK)                                               \
            FAIL("%s: %s (%s)", #expr, natsStatus_GetText(must_s_),           \
                 nats_GetLastError(NULL) ? nats_GetLastError(NULL) : "");     \
    } while (0)

#define ADD(c) __atomic_add_fetch(&(c), 1, __ATOMIC_RELAXED)
#define GET(c) __atomic_load_n(&(c), __ATOMIC_SEQ_CST)

static const char     *url;
static int64_t         deadline;
static natsConnection *shared;

static struct {
    long published, delivered, requests, replies, reconnects_forced,
        reconnected, disconnected, async_errors, subs, drains, churned,
        churn_closed, churn_drained, helper_ops;
} n;

static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
running(void)
{
    return now_ms() < deadline;
}

static void
sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A small per-thread generator: rand() is not thread-safe. */
static unsigned
next_rand(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (*state >> 16) & 0x7fff;
}

static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    /* NULL: a SubscribeTimeout subscription's timeout. */
    if (msg != NULL)
        ADD(n.delivered);
    natsMsg_Destroy(msg);
}

static void
on_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) sub;
    (void) closure;
    if (natsMsg_GetReply(msg) != NULL)
        natsConnection_PublishString(nc, natsMsg_GetReply(msg), "pong");
    natsMsg_Destroy(msg);
}

static void
on_reconnected(natsConnection *nc, void *closure)
{
    (void) nc;
    (void) closure;
    ADD(n.reconnected);
}

static void
on_disconnected(natsConnection *nc, void *closure)
{
    (void) nc;
    (void) closure;
    ADD(n.disconnected);
}

static void
on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    (void) nc;
    (void) sub;
    (void) err;
    (void) closure;
    ADD(n.async_errors);
}

static natsOptions *
make_options(void)
{
    natsOptions *o = NULL;
    MUST(natsOptions_Create(&o));
    MUST(natsOptions_SetURL(o, url));
    MUST(natsOptions_SetMaxReconnect(o, -1));
    MUST(natsOptions_SetReconnectWait(o, 10));
    MUST(natsOptions_SetReconnectBufSize(o, 8 * 1024 * 1024));
    MUST(natsOptions_SetTimeout(o, 2000));
    MUST(natsOptions_SetReconnectedCB(o, on_reconnected, NULL));
    MUST(natsOptions_SetDisconnectedCB(o, on_disconnected, NULL));
    MUST(natsOptions_SetErrorHandler(o, on_error, NULL));
    return o;
}

static void *
publisher(void *arg)
{
    unsigned seed = (unsigned) (uintptr_t) arg;
    static char payload[4096];
    char        subj[64];
    long        i = 0;
    while (running()) {
        snprintf(subj, sizeof(subj), "stress.data.%u", next_rand(&seed) % 4);
        if (natsConnection_Publish(shared, subj, payload,
                                   (int) (next_rand(&seed) % sizeof(payload))) == NATS_OK)
            ADD(n.published);
        if (++i % 64 == 0)
            natsConnection_FlushTimeout(shared, 500);
    }
    return NULL;
}

static void *
requester(void *arg)
{
    (void) arg;
    while (running()) {
        natsMsg *reply = NULL;
        ADD(n.requests);
        if (natsConnection_RequestString(&reply, shared, "stress.svc", "ping", 500) == NATS_OK)
            ADD(n.replies);
        natsMsg_Destroy(reply);
    }
    return NULL;
}

/* Subscribes and leaves again, each time another way. */
static void *
subscriber(void *arg)
{
    unsigned seed = (unsigned) (uintptr_t) arg;
    while (running()) {
        natsSubscription *sub = NULL;
        natsMsg          *m = NULL;
        int               k;
        switch (next_rand(&seed) % 5) {
        case 0: /* async, unsubscribe, destroy */
            if (natsConnection_Subscribe(&sub, shared, "stress.data.*", on_msg, NULL) == NATS_OK) {
                sleep_ms(1 + (int) (next_rand(&seed) % 20));
                natsSubscription_Unsubscribe(sub);
            }
            break;
        case 1: /* sync, a few messages, destroy with some unread */
            if (natsConnection_SubscribeSync(&sub, shared, "stress.data.>") == NATS_OK) {
                for (k = 0; k < 5; k++) {
                    if (natsSubscription_NextMsg(&m, sub, 20) == NATS_OK) {
                        ADD(n.delivered);
                        natsMsg_Destroy(m);
                        m = NULL;
                    }
                }
            }
            break;
        case 2: /* auto-unsubscribe, destroyed before or after it is reached */
            if (natsConnection_Subscribe(&sub, shared, "stress.data.1", on_msg, NULL) == NATS_OK) {
                natsSubscription_AutoUnsubscribe(sub, 1 + (int) (next_rand(&seed) % 10));
                sleep_ms((int) (next_rand(&seed) % 20));
            }
            break;
        case 3: /* queue subscription, drained */
            if (natsConnection_QueueSubscribe(&sub, shared, "stress.data.*", "q", on_msg, NULL) == NATS_OK) {
                sleep_ms((int) (next_rand(&seed) % 20));
                if (natsSubscription_Drain(sub) == NATS_OK) {
                    natsSubscription_WaitForDrainCompletion(sub, 5000);
                    ADD(n.drains);
                }
            }
            break;
        default: /* with a timeout callback and tiny pending limits */
            if (natsConnection_SubscribeTimeout(&sub, shared, "stress.data.2", 5, on_msg, NULL) == NATS_OK) {
                natsSubscription_SetPendingLimits(sub, 4, 4096);
                sleep_ms((int) (next_rand(&seed) % 20));
            }
            break;
        }
        if (sub != NULL)
            ADD(n.subs);
        natsSubscription_Destroy(sub);
    }
    return NULL;
}

static void *
reconnector(void *arg)
{
    unsigned seed = (unsigned) (uintptr_t) arg;
    while (running()) {
        sleep_ms(100 + (int) (next_rand(&seed) % 200));
        if (natsConnection_Reconnect(shared) == NATS_OK)
            ADD(n.reconnects_forced);
    }
    return NULL;
}

struct churn {
    natsConnection *nc;
    int             stop;
    unsigned        seed;
};

/* Uses a short-lived connection until its owner says stop; every call may
 * fail once the owner closed or drains it, none may crash or hang. */
static void *
churn_helper(void *arg)
{
    struct churn *c = (struct churn *) arg;
    unsigned      seed = c->seed;
    while (!__atomic_load_n(&c->stop, __ATOMIC_SEQ_CST)) {
        natsSubscription *sub = NULL;
        natsMsg          *m = NULL;
        switch (next_rand(&seed) % 6) {
        case 0:
            natsConnection_PublishString(c->nc, "stress.churn", "x");
            break;
        case 1:
            if (natsConnection_Subscribe(&sub, c->nc, "stress.churn", on_msg, NULL) == NATS_OK)
                natsConnection_PublishString(c->nc, "stress.churn", "y");
            natsSubscription_Destroy(sub);
            break;
        case 2:
            natsConnection_RequestString(&m, c->nc, "stress.svc", "ping", 100);
            natsMsg_Destroy(m);
            break;
        case 3:
            natsConnection_FlushTimeout(c->nc, 100);
            break;
        case 4:
            if (natsConnection_SubscribeSync(&sub, c->nc, "stress.churn") == NATS_OK)
                natsSubscription_NextMsg(&m, sub, 5);
            natsMsg_Destroy(m);
            natsSubscription_Destroy(sub);
            break;
        default:
            if (next_rand(&seed) % 8 == 0)
                natsConnection_Reconnect(c->nc);
            break;
        }
        ADD(n.helper_ops);
    }
    return NULL;
}

static void *
churner(void *arg)
{
    unsigned seed = (unsigned) (uintptr_t) arg;
    while (running()) {
        struct churn c[2];
        pthread_t    t[2];
        natsOptions *o = make_options();
        natsConnection *nc = NULL;
        int          i;
        natsStatus   s = natsConnection_Connect(&nc, o);
        natsOptions_Destroy(o);
        if (s != NATS_OK) {
            sleep_ms(10);
            continue;
        }
        for (i = 0; i < 2; i++) {
            c[i].nc = nc;
            c[i].stop = 0;
            c[i].seed = next_rand(&seed);
            if (pthread_create(&t[i], NULL, churn_helper, &c[i]) != 0)
                FAIL("pthread_create");
        }
        sleep_ms(5 + (int) (next_rand(&seed) % 50));
        /* Closed or drained while the helpers are still at it. */
        if (next_rand(&seed) % 2) {
            natsConnection_Close(nc);
            ADD(n.churn_closed);
        } else if (natsConnection_DrainTimeout(nc, 2000) == NATS_OK) {
            ADD(n.churn_drained);
        }
        sleep_ms((int) (next_rand(&seed) % 10));
        for (i = 0; i < 2; i++)
            __atomic_store_n(&c[i].stop, 1, __ATOMIC_SEQ_CST);
        for (i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        natsConnection_Destroy(nc);
        ADD(n.churned);
    }
    return NULL;
}

static int watchdog_secs;

static void *
watchdog(void *arg)
{
    (void) arg;
    sleep((unsigned) watchdog_secs);
    fprintf(stderr, "FAIL stress: still running %d s after it should have ended (hang)\n",
            watchdog_secs);
    _exit(2);
    return NULL;
}

int
main(int argc, char **argv)
{
    static void *(*const kinds[])(void *) = {
        publisher, publisher, requester, requester,
        subscriber, subscriber, subscriber, reconnector, churner,
    };
    enum { NKINDS = sizeof(kinds) / sizeof(kinds[0]) };
    pthread_t         threads[NKINDS], dog;
    natsOptions      *o;
    natsSubscription *responder = NULL;
    int               secs = 10, i;
    int64_t           until;

    url = argc > 1 ? argv[1] : NATS_DEFAULT_URL;
    if (argc > 2)
        secs = atoi(argv[2]);
    if (secs <= 0)
        secs = 10;
    /* Under ThreadSanitizer everything is ~10x slower: leave plenty. */
    watchdog_secs = secs + 120;
    if (pthread_create(&dog, NULL, watchdog, NULL) != 0)
        FAIL("pthread_create");
    pthread_detach(dog);

    MUST(nats_Open(-1));
    o = make_options();
    MUST(natsConnection_Connect(&shared, o));
    natsOptions_Destroy(o);
    MUST(natsConnection_Subscribe(&responder, shared, "stress.svc", on_request, NULL));
    MUST(natsConnection_Flush(shared));

    deadline = now_ms() + (int64_t) secs * 1000;
    for (i = 0; i < NKINDS; i++)
        if (pthread_create(&threads[i], NULL, kinds[i], (void *) (uintptr_t) (i * 7919 + 1)) != 0)
            FAIL("pthread_create");
    for (i = 0; i < NKINDS; i++)
        pthread_join(threads[i], NULL);

    /* The shared connection must come back after the last forced reconnect. */
    until = now_ms() + 30000;
    while (natsConnection_FlushTimeout(shared, 1000) != NATS_OK) {
        if (now_ms() > until)
            FAIL("the shared connection does not flush after the run (status %d)",
                 (int) natsConnection_Status(shared));
        sleep_ms(50);
    }
    until = now_ms() + 10000;
    while (GET(n.reconnected) == 0 && now_ms() < until)
        sleep_ms(20);

    printf("stress: %d s: %ld published, %ld delivered, %ld/%ld requests answered, "
           "%ld subscriptions (%ld drained), %ld forced reconnects (%ld reconnected, "
           "%ld disconnected), %ld short-lived connections (%ld closed, %ld drained "
           "under %ld helper calls), %ld async errors\n",
           secs, GET(n.published), GET(n.delivered), GET(n.replies), GET(n.requests),
           GET(n.subs), GET(n.drains), GET(n.reconnects_forced), GET(n.reconnected),
           GET(n.disconnected), GET(n.churned), GET(n.churn_closed), GET(n.churn_drained),
           GET(n.helper_ops), GET(n.async_errors));
    if (GET(n.published) == 0 || GET(n.delivered) == 0)
        FAIL("no messages got through");
    if (GET(n.replies) == 0)
        FAIL("no request was answered");
    if (GET(n.reconnects_forced) == 0 || GET(n.reconnected) == 0)
        FAIL("no forced reconnect happened");
    if (GET(n.churned) == 0)
        FAIL("no short-lived connection was made");

    natsSubscription_Destroy(responder);
    natsConnection_Destroy(shared);
    MUST(nats_CloseAndWait(10000));
    printf("PASS stress\n");
    return 0;
}
