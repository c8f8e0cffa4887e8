/*
 * serial_callbacks: callbacks of one subscription never overlap and see the
 * messages in publish order: with the default per-subscription dispatcher and
 * with the library's shared delivery pool (two threads, two subscriptions).
 */
#include <nats.h>
#include "check.h"

#define N 200

typedef struct {
    volatile int inside;    /* callbacks currently running */
    volatile int maxInside; /* highest value seen */
    volatile int count;     /* messages received */
    volatile int outOfOrder;
} tracker;

static void
onMsg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    tracker *t = (tracker *) closure;
    int      now = __atomic_add_fetch(&t->inside, 1, __ATOMIC_SEQ_CST);
    int      seen = __atomic_load_n(&t->count, __ATOMIC_SEQ_CST);
    (void) nc;
    (void) sub;

    if (now > __atomic_load_n(&t->maxInside, __ATOMIC_SEQ_CST))
        __atomic_store_n(&t->maxInside, now, __ATOMIC_SEQ_CST);
    if (atoi(natsMsg_GetData(msg)) != seen)
        __atomic_add_fetch(&t->outOfOrder, 1, __ATOMIC_SEQ_CST);
    nats_Sleep(1); /* widen the window for an overlapping call */
    __atomic_add_fetch(&t->count, 1, __ATOMIC_SEQ_CST);
    __atomic_sub_fetch(&t->inside, 1, __ATOMIC_SEQ_CST);
    natsMsg_Destroy(msg);
}

static void
publish_n(natsConnection *nc, const char *subj)
{
    int  i;
    char buf[16];
    for (i = 0; i < N; i++) {
        snprintf(buf, sizeof(buf), "%d", i);
        CHECK_OK(natsConnection_PublishString(nc, subj, buf));
    }
    CHECK_OK(natsConnection_Flush(nc));
}

static void
check_tracker(tracker *t, const char *what)
{
    test_wait_count(&t->count, N, 30000);
    printf("%s: received %d, max concurrent callbacks %d, out of order %d\n", what,
           t->count, t->maxInside, t->outOfOrder);
    CHECK(__atomic_load_n(&t->count, __ATOMIC_SEQ_CST) == N, "all messages arrived");
    CHECK(__atomic_load_n(&t->maxInside, __ATOMIC_SEQ_CST) == 1, "callbacks never overlapped");
    CHECK(__atomic_load_n(&t->outOfOrder, __ATOMIC_SEQ_CST) == 0, "messages in order");
}

int
main(int argc, char **argv)
{
    const char       *url = test_url(argc, argv);
    natsConnection   *nc = NULL, *pooled = NULL;
    natsOptions      *opts = NULL;
    natsSubscription *sub = NULL, *p1 = NULL, *p2 = NULL;
    tracker           own, pool1, pool2;

    memset(&own, 0, sizeof(own));
    memset(&pool1, 0, sizeof(pool1));
    memset(&pool2, 0, sizeof(pool2));

    /* one dispatcher thread per subscription (the default) */
    CHECK_OK(natsConnection_ConnectTo(&nc, url));
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "serial.own", onMsg, &own));
    CHECK_OK(natsConnection_Flush(nc));
    publish_n(nc, "serial.own");
    check_tracker(&own, "own dispatcher");

    /* the shared delivery pool: two threads serving two subscriptions */
    CHECK_OK(nats_SetMessageDeliveryPoolSize(2));
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_UseGlobalMessageDelivery(opts, true));
    CHECK_OK(natsConnection_Connect(&pooled, opts));
    natsOptions_Destroy(opts);
    CHECK_OK(natsConnection_Subscribe(&p1, pooled, "serial.pool1", onMsg, &pool1));
    CHECK_OK(natsConnection_Subscribe(&p2, pooled, "serial.pool2", onMsg, &pool2));
    CHECK_OK(natsConnection_Flush(pooled));
    publish_n(nc, "serial.pool1");
    publish_n(nc, "serial.pool2");
    check_tracker(&pool1, "pool, first subscription");
    check_tracker(&pool2, "pool, second subscription");

    natsSubscription_Destroy(p1);
    natsSubscription_Destroy(p2);
    natsConnection_Destroy(pooled);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    nats_Close();
    TEST_PASS("serial_callbacks");
    return 0;
}
