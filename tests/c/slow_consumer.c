/*
 * slow_consumer: an async subscription limited to 10 pending messages whose
 * callback is stuck on the first message. 100 messages arrive: 10 wait in the
 * queue, the rest are dropped; the error handler reports NATS_SLOW_CONSUMER
 * for that subscription; after the callback is released the queued ones are
 * delivered and delivered + dropped == 100.
 * A sync subscription with the same limit reports NATS_SLOW_CONSUMER once
 * from NextMsg and then hands out what it kept.
 */
#include <nats.h>
#include "check.h"

#define SENT 100
#define LIMIT 10

static volatile int inCallback;   /* the first callback has started */
static volatile int released;     /* the test lets the callback return */
static volatile int delivered;    /* callbacks run */
static volatile int slowErrors;   /* NATS_SLOW_CONSUMER reports for our sub */
static volatile int otherErrors;  /* anything else reported */
static natsSubscription *watched;

static void
onMsg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    if (__atomic_add_fetch(&delivered, 1, __ATOMIC_SEQ_CST) == 1) {
        __atomic_store_n(&inCallback, 1, __ATOMIC_SEQ_CST);
        while (!__atomic_load_n(&released, __ATOMIC_SEQ_CST))
            nats_Sleep(5);
    }
    natsMsg_Destroy(msg);
}

static void
onError(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    (void) nc;
    (void) closure;
    if (err == NATS_SLOW_CONSUMER && sub == watched)
        __atomic_add_fetch(&slowErrors, 1, __ATOMIC_SEQ_CST);
    else
        __atomic_add_fetch(&otherErrors, 1, __ATOMIC_SEQ_CST);
}

int
main(int argc, char **argv)
{
    const char       *url = test_url(argc, argv);
    natsConnection   *nc = NULL, *pub = NULL;
    natsOptions      *opts = NULL;
    natsSubscription *sub = NULL, *sync = NULL;
    natsMsg          *m = NULL;
    int               i, msgsLimit = 0, bytesLimit = 0, pendingMsgs = 0, pendingBytes = 0;
    int64_t           dropped = 0, dlv = 0;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetErrorHandler(opts, onError, NULL));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    CHECK_OK(natsConnection_ConnectTo(&pub, url));

    CHECK_OK(natsConnection_Subscribe(&sub, nc, "slow.async", onMsg, NULL));
    watched = sub;
    CHECK_OK(natsSubscription_SetPendingLimits(sub, LIMIT, 10 * 1024 * 1024));
    CHECK_OK(natsSubscription_GetPendingLimits(sub, &msgsLimit, &bytesLimit));
    CHECK(msgsLimit == LIMIT && bytesLimit == 10 * 1024 * 1024, "GetPendingLimits");
    CHECK_OK(natsConnection_Flush(nc));

    /* first message: the callback takes it and blocks */
    CHECK_OK(natsConnection_PublishString(pub, "slow.async", "first"));
    CHECK_OK(natsConnection_Flush(pub));
    test_wait_count(&inCallback, 1, 10000);
    CHECK(__atomic_load_n(&inCallback, __ATOMIC_SEQ_CST) == 1, "callback did not start");

    /* the other 99 arrive while it is stuck */
    for (i = 1; i < SENT; i++)
        CHECK_OK(natsConnection_PublishString(pub, "slow.async", "more"));
    CHECK_OK(natsConnection_Flush(pub));
    /* a PING/PONG on the subscriber's connection: every MSG sent before the
     * PONG has been read and queued or dropped by now */
    CHECK_OK(natsConnection_Flush(nc));

    test_wait_count(&slowErrors, 1, 10000);
    CHECK(__atomic_load_n(&slowErrors, __ATOMIC_SEQ_CST) >= 1,
          "error handler reports NATS_SLOW_CONSUMER for the subscription");
    CHECK_OK(natsSubscription_GetPending(sub, &pendingMsgs, &pendingBytes));
    CHECK(pendingMsgs == LIMIT, "queue holds exactly the limit");
    CHECK(pendingBytes == LIMIT * 4, "pending bytes: 10 x \"more\"");
    CHECK_OK(natsSubscription_GetDropped(sub, &dropped));
    printf("dropped %d of %d\n", (int) dropped, SENT);
    CHECK(dropped > 0, "some messages dropped");
    /* one in the callback, LIMIT queued, the rest dropped */
    CHECK(dropped == SENT - 1 - LIMIT, "dropped count");

    __atomic_store_n(&released, 1, __ATOMIC_SEQ_CST);
    test_wait_count(&delivered, (int) (SENT - dropped), 10000);
    nats_Sleep(100); /* nothing more may arrive */
    CHECK(__atomic_load_n(&delivered, __ATOMIC_SEQ_CST) + dropped == SENT,
          "delivered + dropped == sent");
    CHECK_OK(natsSubscription_GetDelivered(sub, &dlv));
    CHECK(dlv + dropped == SENT, "GetDelivered + GetDropped == sent");
    CHECK(__atomic_load_n(&otherErrors, __ATOMIC_SEQ_CST) == 0, "no other async errors");
    natsSubscription_Destroy(sub);

    /* sync subscription */
    CHECK_OK(natsConnection_SubscribeSync(&sync, nc, "slow.sync"));
    CHECK_OK(natsSubscription_SetPendingLimits(sync, LIMIT, -1));
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < 2 * LIMIT; i++)
        CHECK_OK(natsConnection_PublishString(pub, "slow.sync", "x"));
    CHECK_OK(natsConnection_Flush(pub));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_STATUS(natsSubscription_NextMsg(&m, sync, 1000), NATS_SLOW_CONSUMER);
    CHECK(m == NULL, "no message with the slow consumer status");
    for (i = 0; i < LIMIT; i++) {
        CHECK_OK(natsSubscription_NextMsg(&m, sync, 1000));
        natsMsg_Destroy(m);
        m = NULL;
    }
    CHECK_STATUS(natsSubscription_NextMsg(&m, sync, 100), NATS_TIMEOUT);
    CHECK_OK(natsSubscription_GetDropped(sync, &dropped));
    CHECK(dropped == LIMIT, "sync: dropped count");
    natsSubscription_Destroy(sync);

    natsConnection_Destroy(pub);
    natsConnection_Destroy(nc);
    nats_Close();
    TEST_PASS("slow_consumer");
    return 0;
}
