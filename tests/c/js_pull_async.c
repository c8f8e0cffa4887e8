// server-config: jetstream: enabled
// modes: c cxx valgrind
/*
 * js_pull_async: js_PullSubscribeAsync. The argument checks; KeepAhead
 * consuming 100,000 messages with none lost or doubled; the complete
 * handler's status, once, after the last message: MaxMessages ->
 * NATS_MAX_DELIVERED_MSGS, Timeout -> NATS_TIMEOUT, NoWait on an emptied
 * consumer -> NATS_NOT_FOUND, a frozen server -> NATS_MISSED_HEARTBEAT;
 * a NextHandler deciding every request itself. (nats.c 3.4.1 has no
 * js_PullSubscribeAsync: this runs on our library only.)
 */
#include <nats.h>
#include "check.h"

#define MS ((int64_t) 1000000)
#define BIG 100000

/* What a subscription's callbacks saw. Written on its delivery thread,
 * read by main after the complete handler ran (atomics for the waits). */
struct seen {
    volatile int count;    /* messages delivered */
    volatile int completes; /* complete handler calls */
    volatile int status;   /* the status it was given */
    int          late;     /* messages delivered after completion */
    int          doubled;  /* sequences seen twice (BIG test) */
    unsigned char *bits;   /* one per stream sequence (BIG test) */
    int          next_calls;
};

static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    struct seen *s = (struct seen *) closure;
    (void) nc;
    (void) sub;
    if (__atomic_load_n(&s->completes, __ATOMIC_SEQ_CST) > 0)
        s->late++;
    if (s->bits != NULL) {
        /* The payload is the message's index. */
        long i = strtol(natsMsg_GetData(msg), NULL, 10);
        if (i >= 0 && i < BIG) {
            if (s->bits[i])
                s->doubled++;
            s->bits[i] = 1;
        }
    }
    __atomic_add_fetch(&s->count, 1, __ATOMIC_SEQ_CST);
    natsMsg_Destroy(msg);
}

static void
on_complete(natsConnection *nc, natsSubscription *sub, natsStatus st, void *closure)
{
    struct seen *s = (struct seen *) closure;
    (void) nc;
    (void) sub;
    __atomic_store_n(&s->status, (int) st, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&s->completes, 1, __ATOMIC_SEQ_CST);
}

/* Asks for 2 messages on each of its first three calls, then no more. */
static bool
next_two(int *messages, int64_t *max_bytes, natsSubscription *sub, void *closure)
{
    struct seen *s = (struct seen *) closure;
    (void) sub;
    if (++s->next_calls > 3)
        return false;
    *messages = 2;
    *max_bytes = 0;
    return true;
}

static int
last_error_has(const char *want)
{
    const char *txt = nats_GetLastError(NULL);
    return txt != NULL && strstr(txt, want) != NULL;
}

/* Waits for the complete handler; checks it ran once with want, after
 * which the subscription is no longer valid. */
static void
wait_complete(struct seen *s, natsSubscription *sub, natsStatus want, int64_t timeout_ms)
{
    int64_t deadline = test_now_ms() + 5000;
    CHECK(test_wait_count(&s->completes, 1, timeout_ms) == 1, "the complete handler ran");
    if (__atomic_load_n(&s->status, __ATOMIC_SEQ_CST) != (int) want) {
        fprintf(stderr, "complete status %d (%s), expected %d (%s)\n", s->status,
                natsStatus_GetText((natsStatus) s->status), (int) want, natsStatus_GetText(want));
        CHECK(0, "the complete status");
    }
    while (natsSubscription_IsValid(sub) && test_now_ms() < deadline)
        nats_Sleep(1);
    CHECK(!natsSubscription_IsValid(sub), "the subscription ended");
    CHECK(s->late == 0, "no message after the complete handler");
    CHECK(s->completes == 1, "the complete handler ran once");
}

static void
init_opts(jsOptions *o, struct seen *s)
{
    CHECK_OK(jsOptions_Init(o));
    o->PullSubscribeAsync.CompleteHandler = on_complete;
    o->PullSubscribeAsync.CompleteHandlerClosure = s;
}

static void
publish(jsCtx *js, const char *subj, int from, int n)
{
    char buf[32];
    int i;
    for (i = from; i < from + n; i++) {
        snprintf(buf, sizeof(buf), "%d", i);
        CHECK_OK(js_PublishAsync(js, subj, buf, (int) strlen(buf), NULL));
    }
    CHECK_OK(js_PublishAsyncComplete(js, NULL));
}

static void
bad_arguments(jsCtx *js)
{
    natsSubscription *sub = NULL;
    jsOptions         o;
    jsErrCode         jerr = (jsErrCode) 5;
    struct seen       s;

    memset(&s, 0, sizeof(s));
    CHECK_STATUS(js_PullSubscribeAsync(NULL, js, "a.x", "d", on_msg, &s, NULL, NULL, &jerr),
                 NATS_INVALID_ARG);
    CHECK_STATUS(js_PullSubscribeAsync(&sub, js, "a.x", "d", NULL, &s, NULL, NULL, NULL),
                 NATS_INVALID_ARG);
    CHECK_STATUS(js_PullSubscribeAsync(&sub, NULL, "a.x", "d", on_msg, &s, NULL, NULL, NULL),
                 NATS_INVALID_ARG);
    CHECK_STATUS(js_PullSubscribeAsync(&sub, js, NULL, "d", on_msg, &s, NULL, NULL, NULL),
                 NATS_INVALID_ARG);

    init_opts(&o, &s);
    o.PullSubscribeAsync.KeepAhead = 10;
    o.PullSubscribeAsync.MaxBytes = 1000;
    CHECK_STATUS(js_PullSubscribeAsync(&sub, js, "a.x", "d", on_msg, &s, &o, NULL, NULL),
                 NATS_INVALID_ARG);
    CHECK(last_error_has("MaxBytes and KeepAhead"), "nats.c's text");
    o.PullSubscribeAsync.MaxBytes = 0;
    o.PullSubscribeAsync.NoWait = true;
    CHECK_STATUS(js_PullSubscribeAsync(&sub, js, "a.x", "d", on_msg, &s, &o, NULL, NULL),
                 NATS_INVALID_ARG);
    CHECK(last_error_has("NoWait with KeepAhead"), "nats.c's text");
    o.PullSubscribeAsync.NoWait = false;
    o.PullSubscribeAsync.Group = "G";
    CHECK_STATUS(js_PullSubscribeAsync(&sub, js, "a.x", "d", on_msg, &s, &o, NULL, NULL),
                 NATS_INVALID_ARG);
    CHECK(last_error_has("not supported for a non-priority group consumer"), "nats.c's text");
    CHECK(sub == NULL, "no subscription on failure");
    CHECK(s.completes == 0, "no complete handler without a subscription");
}

int
main(int argc, char **argv)
{
    natsConnection   *nc = NULL;
    jsCtx            *js = NULL;
    natsSubscription *sub = NULL;
    jsStreamConfig    sc;
    jsSubOptions      so;
    jsOptions         jo;
    jsOptions         o;
    jsErrCode         jerr = (jsErrCode) 0;
    struct seen       s;
    const char       *subjects[] = {"a.>", "big.>"};
    int64_t           start;
    int               i, missing;

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));
    CHECK_OK(jsOptions_Init(&jo));
    jo.PublishAsync.MaxPending = 4096;
    CHECK_OK(natsConnection_JetStream(&js, nc, &jo));

    CHECK_OK(jsStreamConfig_Init(&sc));
    sc.Name = "PA";
    sc.Subjects = subjects;
    sc.SubjectsLen = 2;
    sc.Storage = js_MemoryStorage;
    CHECK_OK(js_AddStream(NULL, js, &sc, NULL, &jerr));

    bad_arguments(js);

    /* MaxMessages: 5 of the 20 stored, fetched 3 at a time, then the
     * complete handler with NATS_MAX_DELIVERED_MSGS. */
    publish(js, "a.one", 0, 20);
    memset(&s, 0, sizeof(s));
    init_opts(&o, &s);
    o.PullSubscribeAsync.MaxMessages = 5;
    o.PullSubscribeAsync.FetchSize = 3;
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "a.one", "max", on_msg, &s, &o, NULL, &jerr));
    CHECK(jerr == 0, "no error code");
    wait_complete(&s, sub, NATS_MAX_DELIVERED_MSGS, 10000);
    CHECK(s.count == 5, "exactly MaxMessages delivered");
    natsSubscription_Destroy(sub);

    /* Timeout with nothing stored: NATS_TIMEOUT, no message. */
    memset(&s, 0, sizeof(s));
    init_opts(&o, &s);
    o.PullSubscribeAsync.Timeout = 300;
    start = test_now_ms();
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "a.none", NULL, on_msg, &s, &o, NULL, NULL));
    wait_complete(&s, sub, NATS_TIMEOUT, 10000);
    CHECK(s.count == 0, "nothing delivered");
    CHECK(test_now_ms() - start >= 250, "after the timeout");
    natsSubscription_Destroy(sub);

    /* Timeout with 3 stored: the 3, then NATS_TIMEOUT. */
    publish(js, "a.three", 0, 3);
    memset(&s, 0, sizeof(s));
    init_opts(&o, &s);
    o.PullSubscribeAsync.Timeout = 500;
    o.PullSubscribeAsync.MaxMessages = 100;
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "a.three", NULL, on_msg, &s, &o, NULL, NULL));
    wait_complete(&s, sub, NATS_TIMEOUT, 10000);
    CHECK(s.count == 3, "the stored messages, then the timeout");
    natsSubscription_Destroy(sub);

    /* NoWait: the 7 stored, 5 a request, then the server has no more:
     * NATS_NOT_FOUND. */
    publish(js, "a.seven", 0, 7);
    memset(&s, 0, sizeof(s));
    init_opts(&o, &s);
    o.PullSubscribeAsync.NoWait = true;
    o.PullSubscribeAsync.FetchSize = 5;
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "a.seven", NULL, on_msg, &s, &o, NULL, NULL));
    wait_complete(&s, sub, NATS_NOT_FOUND, 10000);
    CHECK(s.count == 7, "all that was stored");
    natsSubscription_Destroy(sub);

    /* NextHandler: three requests of 2 are all it asks for, so 6 of the 20
     * come, and the timeout ends it. */
    memset(&s, 0, sizeof(s));
    init_opts(&o, &s);
    o.PullSubscribeAsync.Timeout = 1000;
    o.PullSubscribeAsync.NextHandler = next_two;
    o.PullSubscribeAsync.NextHandlerClosure = &s;
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "a.one", NULL, on_msg, &s, &o, NULL, NULL));
    wait_complete(&s, sub, NATS_TIMEOUT, 10000);
    CHECK(s.count == 6, "what the NextHandler asked for");
    CHECK(s.next_calls > 3, "asked again after each message");
    natsSubscription_Destroy(sub);

    /* Heartbeats: with the server frozen none come, and the subscription
     * ends with NATS_MISSED_HEARTBEAT long before its timeout. */
    memset(&s, 0, sizeof(s));
    init_opts(&o, &s);
    o.PullSubscribeAsync.Timeout = 30000;
    o.PullSubscribeAsync.Heartbeat = 100;
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "a.none", NULL, on_msg, &s, &o, NULL, NULL));
    test_server_pause();
    wait_complete(&s, sub, NATS_MISSED_HEARTBEAT, 10000);
    test_server_resume();
    natsSubscription_Destroy(sub);

    /* KeepAhead: 100,000 messages, 500 a request, the next request sent
     * 200 messages ahead; every one delivered exactly once. */
    publish(js, "big.x", 0, BIG);
    memset(&s, 0, sizeof(s));
    s.bits = (unsigned char *) calloc(BIG, 1);
    CHECK(s.bits != NULL, "calloc");
    init_opts(&o, &s);
    o.PullSubscribeAsync.MaxMessages = BIG;
    o.PullSubscribeAsync.FetchSize = 500;
    o.PullSubscribeAsync.KeepAhead = 200;
    CHECK_OK(jsSubOptions_Init(&so));
    so.Config.AckPolicy = js_AckNone;
    CHECK_OK(js_PullSubscribeAsync(&sub, js, "big.x", "big", on_msg, &s, &o, &so, NULL));
    wait_complete(&s, sub, NATS_MAX_DELIVERED_MSGS, 240000);
    missing = 0;
    for (i = 0; i < BIG; i++)
        missing += !s.bits[i];
    CHECK(missing == 0, "none lost");
    CHECK(s.doubled == 0, "none doubled");
    CHECK(s.count == BIG, "all delivered");
    free(s.bits);
    natsSubscription_Destroy(sub);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return 0;
}
