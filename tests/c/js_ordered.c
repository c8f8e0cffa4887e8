// server-config: jetstream: enabled
// modes: c cxx valgrind natsc
/*
 * js_ordered: an ordered consumer (jsSubOptions.Ordered) delivers every
 * message once and in order, async and sync; it is an in-memory ephemeral
 * without acks made by the library; when the test deletes it on the
 * server, the library notices (missed heartbeats, which the error handler
 * hears of), makes a new one from the next stream sequence and goes on
 * without a gap or a repeat; Unsubscribe deletes the current one. Only
 * what nats.c 3.4.1 has, so natsc runs it on nats.c too.
 */
#include <nats.h>
#include "check.h"

#define MS ((int64_t) 1000000)
#define HALF 300

static volatile int missed;

static void
on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    if (err == NATS_MISSED_HEARTBEAT)
        __atomic_add_fetch(&missed, 1, __ATOMIC_SEQ_CST);
}

struct order {
    volatile int count;
    volatile int bad; /* a message out of order, repeated or not JetStream's */
    uint64_t     last;
};

static void
check_next(struct order *o, natsMsg *msg)
{
    jsMsgMetaData *meta = NULL;
    char want[16];
    if (natsMsg_GetMetaData(&meta, msg) != NATS_OK) {
        o->bad = 1;
        return;
    }
    snprintf(want, sizeof(want), "%d", (int) meta->Sequence.Stream);
    if (meta->Sequence.Stream != o->last + 1 ||
        natsMsg_GetDataLength(msg) != (int) strlen(want) ||
        memcmp(natsMsg_GetData(msg), want, strlen(want)) != 0)
        o->bad = 1;
    o->last = meta->Sequence.Stream;
    jsMsgMetaData_Destroy(meta);
}

static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    struct order *o = (struct order *) closure;
    (void) nc;
    (void) sub;
    check_next(o, msg);
    natsMsg_Destroy(msg);
    __atomic_add_fetch(&o->count, 1, __ATOMIC_SEQ_CST);
}

static void
publish_range(jsCtx *js, int from, int to)
{
    char buf[16];
    int i;
    for (i = from; i <= to; i++) {
        snprintf(buf, sizeof(buf), "%d", i);
        CHECK_OK(js_Publish(NULL, js, "ord.x", buf, (int) strlen(buf), NULL, NULL));
    }
}

/* The subscription's current consumer, copied into name. */
static void
consumer_name(natsSubscription *sub, char *name, size_t len)
{
    jsConsumerInfo *ci = NULL;
    CHECK_OK(natsSubscription_GetConsumerInfo(&ci, sub, NULL, NULL));
    snprintf(name, len, "%s", ci->Name);
    jsConsumerInfo_Destroy(ci);
}

static int
consumer_exists(jsCtx *js, const char *name)
{
    jsConsumerInfo *ci = NULL;
    natsStatus s = js_GetConsumerInfo(&ci, js, "ORD", name, NULL, NULL);
    if (s == NATS_NOT_FOUND)
        return 0;
    CHECK_OK(s);
    jsConsumerInfo_Destroy(ci);
    return 1;
}

/* Waits until the subscription has a consumer other than old. */
static void
wait_new_consumer(natsSubscription *sub, const char *old, char *name, size_t len)
{
    int64_t deadline = test_now_ms() + 20000;
    for (;;) {
        jsConsumerInfo *ci = NULL;
        natsStatus s = natsSubscription_GetConsumerInfo(&ci, sub, NULL, NULL);
        if (s == NATS_OK) {
            int differs = strcmp(ci->Name, old) != 0;
            snprintf(name, len, "%s", ci->Name);
            jsConsumerInfo_Destroy(ci);
            if (differs)
                return;
        }
        CHECK(test_now_ms() < deadline, "no new consumer");
        nats_Sleep(20);
    }
}

static void
async_ordered(jsCtx *js)
{
    natsSubscription *sub = NULL;
    jsConsumerInfo *ci = NULL;
    jsSubOptions so;
    struct order o;
    char first[128], second[128];

    memset(&o, 0, sizeof(o));
    CHECK_OK(jsSubOptions_Init(&so));
    so.Ordered = true;
    so.Config.Heartbeat = 250 * MS;
    CHECK_OK(js_Subscribe(&sub, js, "ord.x", on_msg, &o, NULL, &so, NULL));
    CHECK(test_wait_count(&o.count, HALF, 20000) == HALF, "the first half");
    CHECK(!o.bad && o.last == HALF, "in order, once each");

    CHECK_OK(natsSubscription_GetConsumerInfo(&ci, sub, NULL, NULL));
    CHECK(ci->Config->Durable == NULL, "ephemeral");
    CHECK(ci->Config->AckPolicy == js_AckNone, "no acks");
    CHECK(ci->Config->MaxDeliver == 1, "delivered once");
    CHECK(ci->Config->FlowControl, "flow controlled");
    CHECK(ci->Config->MemoryStorage, "in memory");
    CHECK(ci->Config->Heartbeat == 250 * MS, "the heartbeat asked for");
    snprintf(first, sizeof(first), "%s", ci->Name);
    jsConsumerInfo_Destroy(ci);

    /* Deleted behind its back: the library notices and starts over. */
    CHECK_OK(js_DeleteConsumer(js, "ORD", first, NULL, NULL));
    CHECK(test_wait_count(&missed, 1, 20000) >= 1, "missed heartbeats reported");
    wait_new_consumer(sub, first, second, sizeof(second));
    publish_range(js, HALF + 1, 2 * HALF);
    CHECK(test_wait_count(&o.count, 2 * HALF, 20000) == 2 * HALF, "the rest, after the reset");
    nats_Sleep(300);
    CHECK(o.count == 2 * HALF, "nothing twice");
    CHECK(!o.bad && o.last == 2 * HALF, "still in order");

    CHECK_OK(natsSubscription_Unsubscribe(sub));
    CHECK(!consumer_exists(js, second), "Unsubscribe deletes the current consumer");
    natsSubscription_Destroy(sub);
}

static void
sync_ordered(jsCtx *js)
{
    natsSubscription *sub = NULL;
    jsSubOptions so;
    struct order o;
    natsMsg *m = NULL;
    char name[128];
    int i;

    memset(&o, 0, sizeof(o));
    CHECK_OK(jsSubOptions_Init(&so));
    so.Ordered = true;
    CHECK_OK(js_SubscribeSync(&sub, js, "ord.x", NULL, &so, NULL));
    for (i = 0; i < 2 * HALF; i++) {
        CHECK_OK(natsSubscription_NextMsg(&m, sub, 10000));
        check_next(&o, m);
        natsMsg_Destroy(m);
        m = NULL;
    }
    CHECK(!o.bad && o.last == 2 * HALF, "in order, once each");
    CHECK_STATUS(natsSubscription_NextMsg(&m, sub, 300), NATS_TIMEOUT);
    consumer_name(sub, name, sizeof(name));
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    CHECK(!consumer_exists(js, name), "Unsubscribe deletes it");
    natsSubscription_Destroy(sub);
}

int
main(int argc, char **argv)
{
    natsConnection *nc = NULL;
    natsOptions *opts = NULL;
    jsCtx *js = NULL;
    jsStreamConfig sc;
    const char *subjects[] = {"ord.>"};

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, test_url(argc, argv)));
    CHECK_OK(natsOptions_SetErrorHandler(opts, on_error, NULL));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    CHECK_OK(jsStreamConfig_Init(&sc));
    sc.Name = "ORD";
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    CHECK_OK(js_AddStream(NULL, js, &sc, NULL, NULL));
    publish_range(js, 1, HALF);

    async_ordered(js);
    sync_ordered(js);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    nats_Close();
    TEST_PASS("js_ordered");
    return 0;
}
