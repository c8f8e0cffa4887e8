/*
 * drain: connection and subscription drain.
 * - natsConnection_DrainTimeout with 200 messages waiting for a slow async
 *   subscription: no new subscription is allowed (NATS_DRAINING), every
 *   message is delivered, then the connection closes (disconnected and
 *   closed callbacks) and the subscription's drain status is NATS_OK.
 * - natsSubscription_Drain of a sync subscription with 50 queued messages:
 *   before the drain the drain calls report NATS_ILLEGAL_STATE; NextMsg
 *   then hands out all 50 in order and the drain completes with NATS_OK.
 * - natsSubscription_DrainTimeout that is too short for a slow callback:
 *   the drain completes (the subscription is closed) with status
 *   NATS_TIMEOUT.
 */
#include <nats.h>
#include "check.h"

#define WAIT 10000
#define CONN_N 200
#define SYNC_N 50
#define SLOW_N 100

static volatile int started, delivered, disconnected, closed;

static void
onWork(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    __atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
    nats_Sleep(2);
    natsMsg_Destroy(msg);
    __atomic_add_fetch(&delivered, 1, __ATOMIC_SEQ_CST);
}

static void
onSlow(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    nats_Sleep(50);
    natsMsg_Destroy(msg);
}

/* Messages that have reached the client: queued or handed to the callback. */
static int
arrived(natsSubscription *sub)
{
    int pending = 0;
    CHECK_OK(natsSubscription_GetPending(sub, &pending, NULL));
    return pending + __atomic_load_n(&started, __ATOMIC_SEQ_CST);
}

static void
connectionDrain(const char *url)
{
    natsConnection   *nc = NULL, *pub = NULL;
    natsOptions      *opts = NULL;
    natsSubscription *sub = NULL, *late = NULL;
    int64_t           deadline;
    int               i, got = 0;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetDisconnectedCB(opts, test_count_event, (void *) &disconnected));
    CHECK_OK(natsOptions_SetClosedCB(opts, test_count_event, (void *) &closed));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "work", onWork, NULL));
    CHECK_OK(natsSubscription_SetPendingLimits(sub, -1, -1));
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT)); /* the server knows the sub */

    CHECK_OK(natsConnection_ConnectTo(&pub, url));
    for (i = 0; i < CONN_N; i++)
        CHECK_OK(natsConnection_PublishString(pub, "work", "job"));
    CHECK_OK(natsConnection_FlushTimeout(pub, WAIT));

    /* A message the dispatcher has dequeued but not yet started is counted
     * by neither for an instant: keep the count that reached CONN_N. */
    deadline = test_now_ms() + WAIT;
    while ((got = arrived(sub)) < CONN_N && test_now_ms() < deadline)
        nats_Sleep(1);
    CHECK(got >= CONN_N, "all messages reached the client");
    printf("drain starts with %d of %d delivered\n",
           __atomic_load_n(&delivered, __ATOMIC_SEQ_CST), CONN_N);

    CHECK_OK(natsConnection_DrainTimeout(nc, WAIT));
    CHECK(natsConnection_IsDraining(nc), "IsDraining");
    CHECK_STATUS(natsConnection_SubscribeSync(&late, nc, "late"), NATS_DRAINING);
    CHECK(late == NULL, "no subscription while draining");

    CHECK(test_wait_count(&closed, 1, WAIT) == 1, "closed callback after the drain");
    CHECK(__atomic_load_n(&delivered, __ATOMIC_SEQ_CST) == CONN_N, "every message delivered");
    CHECK(__atomic_load_n(&disconnected, __ATOMIC_SEQ_CST) == 1,
          "disconnected callback when the drain closes the connection");
    CHECK(natsConnection_IsClosed(nc), "closed after the drain");
    CHECK_STATUS(natsSubscription_DrainCompletionStatus(sub), NATS_OK);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    natsConnection_Destroy(pub);
}

static void
syncSubscriptionDrain(natsConnection *nc)
{
    natsSubscription *sub = NULL;
    natsMsg          *m = NULL;
    char              text[16];
    int               i, pending = 0;

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "q"));
    CHECK_STATUS(natsSubscription_DrainCompletionStatus(sub), NATS_ILLEGAL_STATE);
    CHECK_STATUS(natsSubscription_WaitForDrainCompletion(sub, 100), NATS_ILLEGAL_STATE);
    for (i = 0; i < SYNC_N; i++) {
        snprintf(text, sizeof(text), "%d", i);
        CHECK_OK(natsConnection_PublishString(nc, "q", text));
    }
    /* the PONG comes after the messages: they are all queued now */
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT));
    CHECK_OK(natsSubscription_GetPending(sub, &pending, NULL));
    CHECK(pending == SYNC_N, "all messages queued");

    CHECK_OK(natsSubscription_Drain(sub));
    for (i = 0; i < SYNC_N; i++) {
        CHECK_OK(natsSubscription_NextMsg(&m, sub, WAIT));
        snprintf(text, sizeof(text), "%d", i);
        CHECK(strcmp(natsMsg_GetData(m), text) == 0, "queued messages in order");
        natsMsg_Destroy(m);
        m = NULL;
    }
    CHECK_OK(natsSubscription_WaitForDrainCompletion(sub, 5000));
    CHECK_STATUS(natsSubscription_DrainCompletionStatus(sub), NATS_OK);
    natsSubscription_Destroy(sub);

    /* the connection itself stays up */
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT));
}

static void
subscriptionDrainTimeout(natsConnection *nc)
{
    natsSubscription *sub = NULL;
    int               i;

    CHECK_OK(natsConnection_Subscribe(&sub, nc, "slow", onSlow, NULL));
    CHECK_OK(natsSubscription_SetPendingLimits(sub, -1, -1));
    for (i = 0; i < SLOW_N; i++)
        CHECK_OK(natsConnection_PublishString(nc, "slow", "x"));
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT));

    /* 100 x 50 ms of work cannot be done in 200 ms */
    CHECK_OK(natsSubscription_DrainTimeout(sub, 200));
    CHECK_OK(natsSubscription_WaitForDrainCompletion(sub, WAIT));
    CHECK_STATUS(natsSubscription_DrainCompletionStatus(sub), NATS_TIMEOUT);
    CHECK(!natsSubscription_IsValid(sub), "closed by the drain timeout");
    natsSubscription_Destroy(sub);
}

int
main(int argc, char **argv)
{
    const char     *url = test_url(argc, argv);
    natsConnection *nc = NULL;

    connectionDrain(url);

    CHECK_OK(natsConnection_ConnectTo(&nc, url));
    syncSubscriptionDrain(nc);
    subscriptionDrainTimeout(nc);
    natsConnection_Destroy(nc);

    CHECK_OK(nats_CloseAndWait(0));
    TEST_PASS("drain");
    return 0;
}
