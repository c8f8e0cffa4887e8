// server-config: jetstream: enabled
// modes: c cxx valgrind natsc
/*
 * js_push: JetStream push subscriptions through the C API, with only what
 * nats.c 3.4.1 already has (so the natsc mode runs it on real nats.c too).
 * A sync ephemeral subscription found by subject; async subscriptions with
 * the library's ack after the callback and with ManualAck; a queue
 * subscription whose two members share the messages; heartbeats and flow
 * control that are answered but never delivered; which consumers
 * Unsubscribe, Drain and Destroy delete.
 */
#include <nats.h>
#include "check.h"

#define MS ((int64_t) 1000000)

static void
add_stream(jsCtx *js, const char *name, const char *subject)
{
    jsStreamConfig sc;
    const char *subjects[1];
    jsErrCode jerr = (jsErrCode) 0;

    subjects[0] = subject;
    CHECK_OK(jsStreamConfig_Init(&sc));
    sc.Name = name;
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Storage = js_MemoryStorage;
    CHECK_OK(js_AddStream(NULL, js, &sc, NULL, &jerr));
    CHECK(jerr == 0, "no error code");
}

static void
publish_n(jsCtx *js, const char *subject, int n)
{
    char buf[32];
    int i;
    for (i = 1; i <= n; i++) {
        snprintf(buf, sizeof(buf), "m%d", i);
        CHECK_OK(js_Publish(NULL, js, subject, buf, (int) strlen(buf), NULL, NULL));
    }
}

static volatile int missed_heartbeats;

static void
on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    if (err == NATS_MISSED_HEARTBEAT)
        __atomic_add_fetch(&missed_heartbeats, 1, __ATOMIC_SEQ_CST);
}

static int
str_is(const char *got, const char *want)
{
    return got != NULL && strcmp(got, want) == 0;
}

static int
consumer_exists(jsCtx *js, const char *stream, const char *name)
{
    jsConsumerInfo *ci = NULL;
    jsErrCode jerr = (jsErrCode) 0;
    natsStatus s = js_GetConsumerInfo(&ci, js, stream, name, NULL, &jerr);
    if (s == NATS_NOT_FOUND) {
        CHECK(jerr == JSConsumerNotFoundErr, "consumer not found error code");
        return 0;
    }
    CHECK_OK(s);
    jsConsumerInfo_Destroy(ci);
    return 1;
}

/* The consumer's pending acks once the server has seen everything the
 * connection sent. */
static int64_t
ack_pending(natsConnection *nc, jsCtx *js, const char *stream, const char *name)
{
    jsConsumerInfo *ci = NULL;
    int64_t n;
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(js_GetConsumerInfo(&ci, js, stream, name, NULL, NULL));
    n = ci->NumAckPending;
    jsConsumerInfo_Destroy(ci);
    return n;
}

/* A sync subscription finds its stream by subject, creates an ephemeral
 * consumer, gets the messages in order with their ack subjects; the
 * consumer is the subscription's, and Unsubscribe deletes it. */
static void
sync_ephemeral(jsCtx *js)
{
    natsSubscription *sub = NULL;
    jsConsumerInfo *ci = NULL;
    natsMsg *m = NULL;
    jsErrCode jerr = (jsErrCode) 123;
    jsOptions jo;
    char name[128];
    char want[16];
    int i;

    publish_n(js, "push.sync", 5);
    CHECK_OK(js_SubscribeSync(&sub, js, "push.sync", NULL, NULL, &jerr));
    CHECK(sub != NULL && jerr == 0, "subscribed, no error code");
    for (i = 1; i <= 5; i++) {
        CHECK_OK(natsSubscription_NextMsg(&m, sub, 5000));
        snprintf(want, sizeof(want), "m%d", i);
        CHECK(natsMsg_GetDataLength(m) == (int) strlen(want) &&
                  memcmp(natsMsg_GetData(m), want, strlen(want)) == 0,
              "messages in order");
        CHECK(str_is(natsMsg_GetSubject(m), "push.sync"), "the stored subject");
        CHECK(strncmp(natsMsg_GetReply(m), "$JS.ACK.PUSH.", 13) == 0, "an ack subject");
        CHECK_OK(natsMsg_Ack(m, NULL));
        natsMsg_Destroy(m);
        m = NULL;
    }
    CHECK_STATUS(natsSubscription_NextMsg(&m, sub, 200), NATS_TIMEOUT);
    CHECK(m == NULL, "nothing more");

    CHECK_OK(natsSubscription_GetConsumerInfo(&ci, sub, NULL, &jerr));
    CHECK(str_is(ci->Stream, "PUSH"), "the stream found by subject");
    CHECK(ci->Config != NULL && ci->Config->Durable == NULL, "ephemeral");
    CHECK(str_is(ci->Config->FilterSubject, "push.sync"), "filtered on the subject");
    CHECK(ci->Config->DeliverSubject != NULL && ci->Config->DeliverSubject[0] != '\0',
          "a push consumer");
    CHECK(ci->Config->AckPolicy == js_AckExplicit, "explicit acks by default");
    CHECK(ci->Delivered.Consumer == 5 && ci->NumPending == 0, "all delivered");
    snprintf(name, sizeof(name), "%s", ci->Name);
    jsConsumerInfo_Destroy(ci);
    ci = NULL;
    /* With call options: the same consumer. */
    CHECK_OK(jsOptions_Init(&jo));
    jo.Wait = 3000;
    CHECK_OK(natsSubscription_GetConsumerInfo(&ci, sub, &jo, &jerr));
    CHECK(str_is(ci->Name, name) && jerr == 0, "the same consumer");
    jsConsumerInfo_Destroy(ci);
    ci = NULL;
    CHECK_STATUS(natsSubscription_GetConsumerInfo(NULL, sub, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(natsSubscription_GetConsumerInfo(&ci, NULL, NULL, NULL), NATS_INVALID_ARG);

    CHECK(consumer_exists(js, "PUSH", name), "the ephemeral consumer exists");
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    CHECK(!consumer_exists(js, "PUSH", name), "Unsubscribe deleted it");
    natsSubscription_Destroy(sub);
}

struct counter {
    volatile int count;
    volatile int in_order; /* stays 1 while stream sequences rise by one */
    uint64_t     last_seq;
    int          ack_even;  /* ManualAck: ack only even stream sequences */
    volatile int *seen;     /* per stream sequence, for queue members */
    int          seen_len;
};

static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    struct counter *c = (struct counter *) closure;
    jsMsgMetaData *meta = NULL;
    (void) nc;
    (void) sub;
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
        uint64_t seq = meta->Sequence.Stream;
        if (c->seen != NULL) {
            if (seq < (uint64_t) c->seen_len)
                __atomic_add_fetch(&c->seen[seq], 1, __ATOMIC_SEQ_CST);
        } else {
            if (seq != c->last_seq + 1)
                c->in_order = 0;
            c->last_seq = seq;
        }
        if (c->ack_even && seq % 2 == 0)
            natsMsg_AckSync(msg, NULL, NULL);
        jsMsgMetaData_Destroy(meta);
    } else {
        c->in_order = 0;
    }
    natsMsg_Destroy(msg);
    __atomic_add_fetch(&c->count, 1, __ATOMIC_SEQ_CST);
}

/* Binds to a durable push consumer made with js_AddConsumer, takes the
 * five messages in a callback and drains: the library acks after the
 * callback unless ManualAck. The consumer is the user's: Drain keeps it. */
static void
async_acks(natsConnection *nc, jsCtx *js, int manual)
{
    natsSubscription *sub = NULL;
    jsConsumerConfig cc;
    jsSubOptions so;
    struct counter c;
    const char *name = manual ? "MANUAL" : "AUTO";
    char deliver[64];

    memset(&c, 0, sizeof(c));
    c.in_order = 1;
    c.ack_even = manual;
    snprintf(deliver, sizeof(deliver), "deliver.%s", name);
    CHECK_OK(jsConsumerConfig_Init(&cc));
    cc.Durable = name;
    cc.DeliverSubject = deliver;
    cc.FilterSubject = "push.sync";
    cc.AckPolicy = js_AckExplicit;
    cc.AckWait = 60000 * MS;
    CHECK_OK(js_AddConsumer(NULL, js, "PUSH", &cc, NULL, NULL));

    CHECK_OK(jsSubOptions_Init(&so));
    so.Stream = "PUSH";
    so.Consumer = name;
    so.ManualAck = manual ? true : false;
    CHECK_OK(js_Subscribe(&sub, js, NULL, on_msg, &c, NULL, &so, NULL));
    CHECK(test_wait_count(&c.count, 5, 10000) == 5, "five messages in the callback");
    CHECK(c.in_order && c.last_seq == 5, "in stream order");
    CHECK_OK(natsSubscription_Drain(sub));
    CHECK_OK(natsSubscription_WaitForDrainCompletion(sub, 10000));
    CHECK(c.count == 5, "nothing else delivered");
    CHECK(ack_pending(nc, js, "PUSH", name) == (manual ? 3 : 0),
          manual ? "only the user's two acks" : "every message acked after its callback");
    natsSubscription_Destroy(sub);
    CHECK(consumer_exists(js, "PUSH", name), "a consumer the user made survives Drain");
    CHECK_OK(js_DeleteConsumer(js, "PUSH", name, NULL, NULL));
}

/* Two members of a queue group share one durable (named after the queue)
 * and its messages: each gets some, none gets one twice. */
static void
queue_members(natsConnection *nc, jsCtx *js)
{
    natsSubscription *a = NULL, *b = NULL;
    jsConsumerInfo *ci = NULL;
    jsSubOptions so;
    struct counter ca, cb;
    volatile int seen[128];
    int got_a = 0, got_b = 0, i;

    memset((void *) seen, 0, sizeof(seen));
    memset(&ca, 0, sizeof(ca));
    memset(&cb, 0, sizeof(cb));
    ca.seen = cb.seen = seen;
    ca.seen_len = cb.seen_len = 128;

    add_stream(js, "QS", "qs.>");
    CHECK_OK(jsSubOptions_Init(&so));
    so.Queue = "workers";
    CHECK_OK(js_Subscribe(&a, js, "qs.>", on_msg, &ca, NULL, &so, NULL));
    CHECK_OK(js_Subscribe(&b, js, "qs.>", on_msg, &cb, NULL, &so, NULL));
    CHECK_OK(natsSubscription_GetConsumerInfo(&ci, a, NULL, NULL));
    CHECK(str_is(ci->Name, "workers") && str_is(ci->Config->Durable, "workers") &&
              str_is(ci->Config->DeliverGroup, "workers"),
          "the queue name is the durable and the deliver group");
    jsConsumerInfo_Destroy(ci);

    publish_n(js, "qs.x", 100);
    for (i = 0; i < 2000; i++) {
        if (__atomic_load_n(&ca.count, __ATOMIC_SEQ_CST) +
                __atomic_load_n(&cb.count, __ATOMIC_SEQ_CST) >= 100)
            break;
        nats_Sleep(5);
    }
    got_a = ca.count;
    got_b = cb.count;
    CHECK(got_a + got_b == 100, "every message reached the group");
    CHECK(got_a > 0 && got_b > 0, "both members got messages");
    for (i = 1; i <= 100; i++)
        CHECK(seen[i] == 1, "each message once");
    CHECK(ack_pending(nc, js, "QS", "workers") == 0, "both members acked");

    /* The second member did not create the consumer: its Unsubscribe keeps
     * it; the first one's deletes it. */
    CHECK_OK(natsSubscription_Unsubscribe(b));
    CHECK(consumer_exists(js, "QS", "workers"), "kept for the other member");
    CHECK_OK(natsSubscription_Unsubscribe(a));
    CHECK(!consumer_exists(js, "QS", "workers"), "deleted by its creator");
    natsSubscription_Destroy(a);
    natsSubscription_Destroy(b);
}

/* With heartbeats every 500ms and flow control, a sync subscription gets
 * only the stored messages; the flow control requests the server sends
 * are answered (or the server would stall), the heartbeats keep the
 * subscription alive but never reach NextMsg. */
static void
heartbeats_and_flow_control(natsConnection *nc, jsCtx *js)
{
    natsSubscription *sub = NULL, *fc = NULL;
    jsSubOptions so;
    natsMsg *m = NULL;
    char *data;
    const int size = 64 * 1024, total = 64;
    int i;

    data = (char *) malloc((size_t) size);
    CHECK(data != NULL, "malloc");
    memset(data, 'x', (size_t) size);
    add_stream(js, "FC", "fc.>");
    for (i = 0; i < total; i++)
        CHECK_OK(js_Publish(NULL, js, "fc.big", data, size, NULL, NULL));

    CHECK_OK(natsConnection_SubscribeSync(&fc, nc, "$JS.FC.FC.>"));
    CHECK_OK(jsSubOptions_Init(&so));
    so.Config.Heartbeat = 500 * MS;
    so.Config.FlowControl = true;
    CHECK_OK(js_SubscribeSync(&sub, js, "fc.big", NULL, &so, NULL));
    for (i = 0; i < total; i++) {
        CHECK_OK(natsSubscription_NextMsg(&m, sub, 10000));
        CHECK(natsMsg_GetDataLength(m) == size, "a stored message, not a control one");
        CHECK(str_is(natsMsg_GetSubject(m), "fc.big"), "its stored subject");
        CHECK(natsMsg_GetReply(m) != NULL && strncmp(natsMsg_GetReply(m), "$JS.ACK.", 8) == 0,
              "with an ack subject");
        CHECK_OK(natsMsg_Ack(m, NULL));
        natsMsg_Destroy(m);
        m = NULL;
    }
    /* The library answered at least one flow control request. */
    CHECK_OK(natsSubscription_NextMsg(&m, fc, 5000));
    CHECK(natsMsg_GetDataLength(m) == 0, "an empty flow control reply");
    natsMsg_Destroy(m);
    m = NULL;

    /* Idle for four heartbeat intervals: heartbeats keep coming (no missed
     * heartbeat is reported) and none reaches NextMsg. */
    CHECK_STATUS(natsSubscription_NextMsg(&m, sub, 2000), NATS_TIMEOUT);
    CHECK(m == NULL, "no heartbeat delivered");
    CHECK(__atomic_load_n(&missed_heartbeats, __ATOMIC_SEQ_CST) == 0,
          "heartbeats arrived");

    natsSubscription_Destroy(fc);
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    free(data);
}

/* A durable the library created is deleted by Unsubscribe and by Drain
 * (nats.c deletes whatever the call created), but not by Destroy. */
static void
durable_lifetimes(jsCtx *js)
{
    natsSubscription *sub = NULL;
    jsSubOptions so;
    struct counter c;
    natsMsg *m = NULL;
    int i;

    memset(&c, 0, sizeof(c));
    c.in_order = 1;
    CHECK_OK(jsSubOptions_Init(&so));
    so.Config.Durable = "D1";
    CHECK_OK(js_SubscribeSync(&sub, js, "push.sync", NULL, &so, NULL));
    CHECK(consumer_exists(js, "PUSH", "D1"), "created");
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    CHECK(!consumer_exists(js, "PUSH", "D1"), "Unsubscribe deletes the durable it created");
    natsSubscription_Destroy(sub);
    sub = NULL;

    so.Config.Durable = "D2";
    CHECK_OK(js_SubscribeSync(&sub, js, "push.sync", NULL, &so, NULL));
    /* The drain ends the subscription once what has arrived is read:
     * let the five messages arrive first. */
    {
        int     pending = 0;
        int64_t until = test_now_ms() + 10000;
        while (natsSubscription_GetPending(sub, &pending, NULL) == NATS_OK
               && pending < 5 && test_now_ms() < until)
            nats_Sleep(10);
        CHECK(pending >= 5, "five messages pending before the drain");
    }
    CHECK_OK(natsSubscription_Drain(sub));
    for (i = 0; i < 5; i++) {
        CHECK_OK(natsSubscription_NextMsg(&m, sub, 5000));
        CHECK_OK(natsMsg_Ack(m, NULL));
        natsMsg_Destroy(m);
        m = NULL;
    }
    CHECK_OK(natsSubscription_WaitForDrainCompletion(sub, 10000));
    CHECK(!consumer_exists(js, "PUSH", "D2"), "Drain deletes the durable it created");
    natsSubscription_Destroy(sub);
    sub = NULL;

    so.Config.Durable = "D3";
    CHECK_OK(js_Subscribe(&sub, js, "push.sync", on_msg, &c, NULL, &so, NULL));
    CHECK(test_wait_count(&c.count, 5, 10000) == 5, "delivered");
    natsSubscription_Destroy(sub);
    sub = NULL;
    CHECK(consumer_exists(js, "PUSH", "D3"), "Destroy keeps it");

    CHECK_OK(js_DeleteConsumer(js, "PUSH", "D3", NULL, NULL));
}

int
main(int argc, char **argv)
{
    natsConnection *nc = NULL;
    natsOptions *opts = NULL;
    jsCtx *js = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, test_url(argc, argv)));
    CHECK_OK(natsOptions_SetErrorHandler(opts, on_error, NULL));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    add_stream(js, "PUSH", "push.>");

    sync_ephemeral(js);
    async_acks(nc, js, 0);
    async_acks(nc, js, 1);
    queue_members(nc, js);
    heartbeats_and_flow_control(nc, js);
    durable_lifetimes(js);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    nats_Close();
    TEST_PASS("js_push");
    return 0;
}
