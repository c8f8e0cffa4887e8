/*
 * flush_stats: many publishes followed by FlushTimeout all reach the server;
 * natsConnection_Buffered; subscription statistics (QueuedMsgs, GetPending,
 * GetDelivered, GetMaxPending/ClearMaxPending, GetStats); IsValid before and
 * after Unsubscribe; the on-complete callback runs once, after the last
 * message callback has returned.
 */
#include <nats.h>
#include "check.h"

#define N 5000
#define ASYNC_N 20

static volatile int asyncCount;
static volatile int inCallback;
static volatile int completeCalls;
static volatile int completeWhileInCallback;
static volatile int countAtComplete;
static volatile int releaseCallbacks;

static void
onMsg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    __atomic_store_n(&inCallback, 1, __ATOMIC_SEQ_CST);
    /* the first callback waits so that Unsubscribe happens while it runs */
    while (!__atomic_load_n(&releaseCallbacks, __ATOMIC_SEQ_CST))
        nats_Sleep(2);
    nats_Sleep(1);
    __atomic_add_fetch(&asyncCount, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&inCallback, 0, __ATOMIC_SEQ_CST);
    natsMsg_Destroy(msg);
}

static void
onComplete(void *closure)
{
    (void) closure;
    if (__atomic_load_n(&inCallback, __ATOMIC_SEQ_CST))
        __atomic_add_fetch(&completeWhileInCallback, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&countAtComplete, __atomic_load_n(&asyncCount, __ATOMIC_SEQ_CST),
                     __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&completeCalls, 1, __ATOMIC_SEQ_CST);
}

int
main(int argc, char **argv)
{
    natsConnection   *nc = NULL;
    natsSubscription *sync = NULL, *async = NULL;
    natsMsg          *m = NULL;
    int               i, buffered = -1, pm = 0, pb = 0, maxm = 0, maxb = 0;
    int               queued;
    uint64_t          qm = 0;
    int64_t           delivered = 0, dropped = 0;
    char              payload[100];

    memset(payload, 'p', sizeof(payload));
    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));

    CHECK_OK(natsConnection_SubscribeSync(&sync, nc, "fs.sync"));
    CHECK(natsSubscription_IsValid(sync), "new subscription is valid");
    CHECK_OK(natsConnection_Flush(nc));

    for (i = 0; i < N; i++)
        CHECK_OK(natsConnection_Publish(nc, "fs.sync", payload, (int) sizeof(payload)));
    CHECK_OK(natsConnection_FlushTimeout(nc, 10000));
    /* The server's first PING can arrive about now, and the PONG that
     * answers it is buffered for a moment: wait for the buffer to empty
     * rather than catch that moment. */
    {
        int64_t until = test_now_ms() + 5000;
        while ((buffered = natsConnection_Buffered(nc)) != 0 && test_now_ms() < until)
            nats_Sleep(1);
    }
    CHECK(buffered == 0, "nothing buffered after a flush");

    /* a second flush round trip: all N have been read and queued by now */
    CHECK_OK(natsConnection_FlushTimeout(nc, 10000));
    CHECK_OK(natsSubscription_QueuedMsgs(sync, &qm));
    CHECK(qm == N, "QueuedMsgs == N");
    CHECK_OK(natsSubscription_GetPending(sync, &pm, &pb));
    CHECK(pm == N && pb == N * (int) sizeof(payload), "GetPending");

    for (i = 0; i < 10; i++) {
        CHECK_OK(natsSubscription_NextMsg(&m, sync, 1000));
        natsMsg_Destroy(m);
        m = NULL;
    }
    CHECK_OK(natsSubscription_GetDelivered(sync, &delivered));
    CHECK(delivered == 10, "GetDelivered");
    CHECK_OK(natsSubscription_GetPending(sync, &pm, &pb));
    CHECK(pm == N - 10, "GetPending after reading 10");
    CHECK_OK(natsSubscription_GetMaxPending(sync, &maxm, &maxb));
    CHECK(maxm == N && maxb == N * (int) sizeof(payload), "GetMaxPending is the high-water mark");
    CHECK_OK(natsSubscription_ClearMaxPending(sync));
    CHECK_OK(natsSubscription_GetMaxPending(sync, &maxm, &maxb));
    CHECK(maxm == 0 && maxb == 0, "ClearMaxPending resets the high-water mark");
    CHECK_OK(natsSubscription_GetDropped(sync, &dropped));
    CHECK(dropped == 0, "nothing dropped");
    /* all statistics at once; NULL for what we don't want */
    CHECK_OK(natsSubscription_GetStats(sync, &pm, &pb, &maxm, &maxb, &delivered, &dropped));
    CHECK(pm == N - 10 && delivered == 10 && dropped == 0, "GetStats");
    CHECK_OK(natsSubscription_GetStats(sync, &queued, NULL, NULL, NULL, NULL, NULL));
    CHECK(queued == N - 10, "GetStats with NULLs");

    CHECK_OK(natsSubscription_Unsubscribe(sync));
    CHECK(!natsSubscription_IsValid(sync), "invalid after Unsubscribe");
    CHECK_STATUS(natsSubscription_GetPending(sync, &pm, &pb), NATS_INVALID_SUBSCRIPTION);
    natsSubscription_Destroy(sync);

    /* on-complete callback: runs once, after the last message callback */
    CHECK_OK(natsConnection_Subscribe(&async, nc, "fs.async", onMsg, NULL));
    CHECK_OK(natsSubscription_SetOnCompleteCB(async, onComplete, NULL));
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < ASYNC_N; i++)
        CHECK_OK(natsConnection_Publish(nc, "fs.async", "x", 1));
    CHECK_OK(natsConnection_Flush(nc));
    test_wait_count(&inCallback, 1, 10000);
    CHECK(__atomic_load_n(&inCallback, __ATOMIC_SEQ_CST) == 1, "first callback started");
    /* the callback is running: unsubscribe now */
    CHECK_OK(natsSubscription_Unsubscribe(async));
    CHECK(!natsSubscription_IsValid(async), "invalid after Unsubscribe");
    nats_Sleep(50);
    CHECK(__atomic_load_n(&completeCalls, __ATOMIC_SEQ_CST) == 0,
          "on-complete must wait for the running callback");
    __atomic_store_n(&releaseCallbacks, 1, __ATOMIC_SEQ_CST);
    test_wait_count(&completeCalls, 1, 10000);
    nats_Sleep(100);
    CHECK(__atomic_load_n(&completeCalls, __ATOMIC_SEQ_CST) == 1, "on-complete ran exactly once");
    CHECK(__atomic_load_n(&completeWhileInCallback, __ATOMIC_SEQ_CST) == 0,
          "on-complete never overlaps a message callback");
    CHECK(__atomic_load_n(&countAtComplete, __ATOMIC_SEQ_CST)
              == __atomic_load_n(&asyncCount, __ATOMIC_SEQ_CST),
          "no message callback after on-complete");
    printf("async callbacks before unsubscribe took effect: %d\n", asyncCount);
    natsSubscription_Destroy(async);

    natsConnection_Destroy(nc);
    nats_Close();
    TEST_PASS("flush_stats");
    return 0;
}
