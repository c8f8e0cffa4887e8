// server-config: jetstream: enabled
// modes: c cxx valgrind natsc
/*
 * js_push_errors: what a push subscription reports. A consumer sequence
 * mismatch (the server's heartbeat names a delivered sequence other than
 * the last one the library queued: here messages dropped by a pending
 * limit) reaches an async subscription's error handler once, and a sync
 * subscription's next NextMsg once; missed
 * heartbeats (the server frozen with SIGSTOP) reach the error handler for
 * the subscription; options nats.c refuses are refused with its statuses
 * and texts. Only what nats.c 3.4.1 has, so natsc runs it on nats.c too.
 */
#include <nats.h>
#include "check.h"

#define MS ((int64_t) 1000000)

struct errs {
    volatile int mismatch_a;
    volatile int mismatch_b;
    volatile int missed_a;
    volatile int missed_b;
    natsSubscription *volatile a;
    natsSubscription *volatile b;
};

static struct errs errs;

static void
on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    (void) nc;
    (void) closure;
    if (sub == NULL)
        return;
    if (err == NATS_MISMATCH)
        __atomic_add_fetch(sub == errs.a ? &errs.mismatch_a : &errs.mismatch_b, 1,
                           __ATOMIC_SEQ_CST);
    else if (err == NATS_MISSED_HEARTBEAT)
        __atomic_add_fetch(sub == errs.a ? &errs.missed_a : &errs.missed_b, 1,
                           __ATOMIC_SEQ_CST);
}

static volatile int received;
static volatile int release_first;

static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    /* The first callback holds the subscription up until the test lets
     * it go, so that the messages behind it overflow the pending limit. */
    if (__atomic_add_fetch(&received, 1, __ATOMIC_SEQ_CST) == 1)
        while (!__atomic_load_n(&release_first, __ATOMIC_SEQ_CST))
            nats_Sleep(5);
    natsMsg_Ack(msg, NULL);
    natsMsg_Destroy(msg);
}

static int
last_error_has(const char *want)
{
    const char *txt = nats_GetLastError(NULL);
    return txt != NULL && strstr(txt, want) != NULL;
}

static void
add_stream(jsCtx *js, const char *name, const char *subject)
{
    jsStreamConfig sc;
    const char *subjects[1];
    subjects[0] = subject;
    CHECK_OK(jsStreamConfig_Init(&sc));
    sc.Name = name;
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Storage = js_MemoryStorage;
    CHECK_OK(js_AddStream(NULL, js, &sc, NULL, NULL));
}

/* Publishes m<first> to m5. */
static void
publish_from(jsCtx *js, const char *subject, int first)
{
    char buf[16];
    int i;
    for (i = first; i <= 5; i++) {
        snprintf(buf, sizeof(buf), "m%d", i);
        CHECK_OK(js_Publish(NULL, js, subject, buf, 2, NULL, NULL));
    }
}

/* Waits until the mismatch is set (NATS_OK) or cleared (NATS_NOT_FOUND). */
static void
wait_mismatch_state(natsSubscription *sub, natsStatus want)
{
    jsConsumerSequenceMismatch csm;
    int64_t deadline = test_now_ms() + 10000;
    while (natsSubscription_GetSequenceMismatch(&csm, sub) != want) {
        CHECK(test_now_ms() < deadline, "the mismatch state did not change");
        nats_Sleep(10);
    }
}

/* An async subscription whose pending limit is one message, with its
 * callback held up: of five messages the second is queued and the rest
 * are dropped, so the next heartbeat's last consumer sequence (5) is not
 * the last one the library saw (2). */
static void
async_mismatch(jsCtx *js)
{
    natsSubscription *sub = NULL;
    jsSubOptions so;
    jsConsumerSequenceMismatch csm;

    add_stream(js, "SMA", "sma");
    CHECK_OK(jsSubOptions_Init(&so));
    so.ManualAck = true;
    so.Config.Durable = "A";
    so.Config.Heartbeat = 100 * MS;
    so.Config.AckWait = 4000 * MS;
    CHECK_OK(js_Subscribe(&sub, js, "sma", on_msg, NULL, NULL, &so, NULL));
    errs.a = sub;
    CHECK_STATUS(natsSubscription_GetSequenceMismatch(&csm, sub), NATS_NOT_FOUND);
    CHECK_OK(natsSubscription_SetPendingLimits(sub, 1, 1024 * 1024));
    /* The callback holds the first message, the queue takes the second. */
    CHECK_OK(js_Publish(NULL, js, "sma", "m1", 2, NULL, NULL));
    CHECK(test_wait_count(&received, 1, 10000) == 1, "the first callback runs");
    publish_from(js, "sma", 2);

    CHECK(test_wait_count(&errs.mismatch_a, 1, 10000) == 1, "NATS_MISMATCH reported");
    CHECK_OK(natsSubscription_GetSequenceMismatch(&csm, sub));
    CHECK(csm.Stream == 2 && csm.ConsumerClient == 2 && csm.ConsumerServer == 5,
          "the sequences of the mismatch");
    /* Reported once while it lasts (five more heartbeats). */
    nats_Sleep(500);
    CHECK(errs.mismatch_a == 1, "reported once");

    /* The server redelivers what was dropped (after the ack wait, 4s:
     * longer than the first callback is held up): that settles it. */
    CHECK_OK(natsSubscription_SetPendingLimits(sub, 65536, 64 * 1024 * 1024));
    __atomic_store_n(&release_first, 1, __ATOMIC_SEQ_CST);
    CHECK(test_wait_count(&received, 5, 10000) >= 5, "the dropped messages redelivered");
    wait_mismatch_state(sub, NATS_NOT_FOUND);
    CHECK(errs.mismatch_a == 1 && errs.mismatch_b == 0, "still reported once");

    /* Missed heartbeats: the server freezes. */
    test_server_pause();
    CHECK(test_wait_count(&errs.missed_a, 1, 10000) >= 1, "NATS_MISSED_HEARTBEAT reported");
    test_server_resume();

    natsSubscription_Destroy(sub);
    errs.a = NULL;
}

/* The same gap on a sync subscription: NextMsg reports the drop, then
 * the mismatch once, then goes on with the queued message. */
static void
sync_mismatch(jsCtx *js)
{
    natsSubscription *sub = NULL;
    jsSubOptions so;
    jsConsumerSequenceMismatch csm;
    natsMsg *m = NULL;

    add_stream(js, "SMB", "smb");
    CHECK_OK(jsSubOptions_Init(&so));
    so.Config.Durable = "B";
    so.Config.Heartbeat = 100 * MS;
    so.Config.AckWait = 60000 * MS;
    CHECK_OK(js_SubscribeSync(&sub, js, "smb", NULL, &so, NULL));
    errs.b = sub;
    CHECK_OK(natsSubscription_SetPendingLimits(sub, 1, 1024 * 1024));
    publish_from(js, "smb", 1);
    wait_mismatch_state(sub, NATS_OK);
    CHECK_OK(natsSubscription_GetSequenceMismatch(&csm, sub));
    CHECK(csm.Stream == 1 && csm.ConsumerClient == 1 && csm.ConsumerServer == 5,
          "the sequences of the mismatch");

    CHECK_STATUS(natsSubscription_NextMsg(&m, sub, 1000), NATS_SLOW_CONSUMER);
    CHECK_STATUS(natsSubscription_NextMsg(&m, sub, 1000), NATS_MISMATCH);
    CHECK(m == NULL && last_error_has("consumer sequence mismatch"), "the mismatch");
    CHECK_OK(natsSubscription_NextMsg(&m, sub, 1000));
    CHECK(memcmp(natsMsg_GetData(m), "m1", 2) == 0, "then the queued message");
    CHECK_OK(natsMsg_Ack(m, NULL));
    natsMsg_Destroy(m);
    m = NULL;
    CHECK_STATUS(natsSubscription_NextMsg(&m, sub, 300), NATS_TIMEOUT);
    CHECK(errs.mismatch_b == 0, "a sync subscription's mismatch is not an async error");

    test_server_pause();
    CHECK(test_wait_count(&errs.missed_b, 1, 10000) >= 1,
          "missed heartbeats reach the error handler for sync subscriptions too");
    test_server_resume();
    natsSubscription_Destroy(sub);
    errs.b = NULL;
}

static void
refused_options(natsConnection *nc, jsCtx *js)
{
    natsSubscription *sub = NULL;
    jsConsumerConfig cc;
    jsSubOptions so;
    jsErrCode jerr = (jsErrCode) 0;
    natsSubscription *first = NULL;

    /* A core subscription is not a JetStream one. */
    {
        natsSubscription *core = NULL;
        jsConsumerSequenceMismatch csm;
        jsConsumerInfo *ci = NULL;
        CHECK_OK(natsConnection_SubscribeSync(&core, nc, "core"));
        CHECK_STATUS(natsSubscription_GetSequenceMismatch(&csm, core), NATS_INVALID_SUBSCRIPTION);
        CHECK(last_error_has("not a JetStream subscription"), "not JetStream's");
        CHECK_STATUS(natsSubscription_GetConsumerInfo(&ci, core, NULL, NULL),
                     NATS_INVALID_SUBSCRIPTION);
        CHECK_STATUS(natsSubscription_GetSequenceMismatch(NULL, core), NATS_INVALID_ARG);
        CHECK_STATUS(natsSubscription_GetSequenceMismatch(&csm, NULL), NATS_INVALID_ARG);
        natsSubscription_Destroy(core);
    }
    CHECK_STATUS(jsSubOptions_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_Subscribe(NULL, js, "sm.x", on_msg, NULL, NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_Subscribe(&sub, NULL, "sm.x", on_msg, NULL, NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_Subscribe(&sub, js, "sm.x", NULL, NULL, NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_Subscribe(&sub, js, NULL, on_msg, NULL, NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_SubscribeSync(&sub, js, "", NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK(sub == NULL, "no subscription");

    CHECK_STATUS(js_SubscribeSync(&sub, js, "nostream.x", NULL, NULL, &jerr), NATS_ERR);
    CHECK(last_error_has("no stream matches subject"), "no stream");

#define REFUSED(setup, text)                                                   \
    do {                                                                      \
        CHECK_OK(jsSubOptions_Init(&so));                                     \
        so.Ordered = true;                                                    \
        setup;                                                                \
        jerr = (jsErrCode) 1;                                                 \
        CHECK_STATUS(js_SubscribeSync(&sub, js, "sm.x", NULL, &so, &jerr),    \
                     NATS_INVALID_ARG);                                       \
        CHECK(sub == NULL && jerr == 0 && last_error_has(text), text);        \
    } while (0)

    REFUSED(so.Config.Durable = "X", "durable can not be set for an ordered consumer");
    REFUSED(so.Config.AckPolicy = js_AckExplicit, "ack policy can not be set");
    REFUSED(so.Config.MaxDeliver = 2, "max deliver can not be set for an ordered consumer");
    REFUSED(so.Config.DeliverSubject = "d", "deliver subject can not be set for an ordered consumer");
    REFUSED(so.Queue = "q", "queue can not be set for an ordered consumer");
    REFUSED((so.Stream = "SM", so.Consumer = "A"),
            "can not bind existing consumer for an ordered consumer");
    REFUSED((so.Ordered = false, so.Queue = "q", so.Config.Heartbeat = 1000 * MS),
            "a queue subscription cannot be created for a consumer with heartbeat");
    REFUSED((so.Ordered = false, so.Queue = "q", so.Config.FlowControl = true),
            "a queue subscription cannot be created for a consumer with flow control");
    REFUSED((so.Ordered = false, so.Queue = "q.r"), "cannot contain '.'");
    REFUSED((so.Ordered = false, so.Config.Durable = "d.e"), "cannot contain '.'");
    REFUSED((so.Ordered = false, so.Config.InactiveThreshold = -1), "InactiveThreshold");

    /* The server's own refusals keep their error code. */
    CHECK_OK(jsSubOptions_Init(&so));
    so.Config.FlowControl = true;
    CHECK_STATUS(js_SubscribeSync(&sub, js, "sm.x", NULL, &so, &jerr), NATS_ERR);
    CHECK(jerr == JSConsumerWithFlowControlNeedsHeartbeatsErr, "flow control needs heartbeats");

    /* Binding: to a consumer that does not exist, to a pull consumer, to a
     * consumer with a deliver group without a queue, with another filter,
     * with a config the consumer does not have, to a bound consumer. */
    CHECK_OK(jsSubOptions_Init(&so));
    so.Stream = "SM";
    so.Consumer = "NOPE";
    CHECK_STATUS(js_SubscribeSync(&sub, js, NULL, NULL, &so, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == JSConsumerNotFoundErr, "consumer not found");

    CHECK_OK(jsConsumerConfig_Init(&cc));
    cc.Durable = "PULL";
    CHECK_OK(js_AddConsumer(NULL, js, "SM", &cc, NULL, NULL));
    so.Consumer = "PULL";
    CHECK_STATUS(js_SubscribeSync(&sub, js, NULL, NULL, &so, NULL), NATS_ERR);
    CHECK(last_error_has("must use pull subscribe to bind to pull based consumer"), "pull");

    CHECK_OK(jsConsumerConfig_Init(&cc));
    cc.Durable = "GROUP";
    cc.DeliverSubject = "dlv.group";
    cc.DeliverGroup = "g";
    cc.FilterSubject = "sm.x";
    CHECK_OK(js_AddConsumer(NULL, js, "SM", &cc, NULL, NULL));
    so.Consumer = "GROUP";
    CHECK_STATUS(js_SubscribeSync(&sub, js, NULL, NULL, &so, NULL), NATS_ERR);
    CHECK(last_error_has("cannot create a subscription for a consumer with a deliver group g"),
          "deliver group without a queue");
    so.Queue = "h";
    CHECK_STATUS(js_SubscribeSync(&sub, js, NULL, NULL, &so, NULL), NATS_ERR);
    CHECK(last_error_has("cannot create a queue subscription 'h' for a consumer with a deliver group 'g'"),
          "another queue");
    so.Queue = NULL;
    CHECK_STATUS(js_SubscribeSync(&sub, js, "sm.y", NULL, &so, NULL), NATS_ERR);
    CHECK(last_error_has("subject 'sm.y' does not match consumer filter subject 'sm.x'"),
          "another filter");

    CHECK_OK(jsConsumerConfig_Init(&cc));
    cc.Durable = "P";
    cc.DeliverSubject = "dlv.p";
    CHECK_OK(js_AddConsumer(NULL, js, "SM", &cc, NULL, NULL));
    CHECK_OK(jsSubOptions_Init(&so));
    so.Stream = "SM";
    so.Consumer = "P";
    so.Config.AckWait = 7000 * MS;
    CHECK_STATUS(js_SubscribeSync(&sub, js, NULL, NULL, &so, NULL), NATS_ERR);
    CHECK(last_error_has("configuration requests ack wait to be 7000000000, but consumer's value is"),
          "a config the consumer does not have");

    so.Config.AckWait = 0;
    CHECK_OK(js_SubscribeSync(&first, js, NULL, NULL, &so, NULL));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_STATUS(js_SubscribeSync(&sub, js, NULL, NULL, &so, NULL), NATS_ERR);
    CHECK(last_error_has("consumer is already bound to a subscription"), "bound");
    CHECK(sub == NULL, "no subscription");
    natsSubscription_Destroy(first);
}

int
main(int argc, char **argv)
{
    natsConnection *nc = NULL;
    natsOptions *opts = NULL;
    jsCtx *js = NULL;
    jsStreamConfig sc;
    const char *subjects[] = {"sm.>"};

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, test_url(argc, argv)));
    CHECK_OK(natsOptions_SetErrorHandler(opts, on_error, NULL));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    CHECK_OK(jsStreamConfig_Init(&sc));
    sc.Name = "SM";
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Storage = js_MemoryStorage;
    CHECK_OK(js_AddStream(NULL, js, &sc, NULL, NULL));
    CHECK_OK(js_Publish(NULL, js, "sm.x", "x", 1, NULL, NULL));

    async_mismatch(js);
    sync_mismatch(js);
    refused_options(nc, js);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    nats_Close();
    TEST_PASS("js_push_errors");
    return 0;
}
