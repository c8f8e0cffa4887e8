/*
 * sub_outlives_conn: a subscription the server no longer routes to us is
 * still closed with its connection.
 *
 * An auto-unsubscribe limit of 4 on a subscribe-with-timeout whose
 * pending limit of 1 made it drop a message: all 4 were received, only 3
 * can be delivered. Closing the connection must still end it: IsValid
 * false, its completion callback runs, and its callback (the idle timeout
 * fires every 50 ms) is never called again, and nats_CloseAndWait finds
 * no library thread left behind (its dispatcher thread has ended).
 * (A drained subscription with unread messages is the other way out of the
 * routing table; nats.c leaves its drain thread running for 30 s there, so
 * that case is a Rust test: client_core's drained_sync_subscription_...)
 */
#include <nats.h>
#include "check.h"

static volatile int release_first;
static volatile int got_msgs;
static volatile int timeouts;
static volatile int completed;
static volatile int late_calls;

static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    if (__atomic_load_n(&completed, __ATOMIC_SEQ_CST))
        __atomic_add_fetch(&late_calls, 1, __ATOMIC_SEQ_CST);
    if (msg == NULL) {
        __atomic_add_fetch(&timeouts, 1, __ATOMIC_SEQ_CST);
        return;
    }
    if (__atomic_add_fetch(&got_msgs, 1, __ATOMIC_SEQ_CST) == 1) {
        /* Hold the first message so the next ones pile up and one drops. */
        int64_t deadline = test_now_ms() + 10000;
        while (!__atomic_load_n(&release_first, __ATOMIC_SEQ_CST) && test_now_ms() < deadline)
            nats_Sleep(5);
    }
    natsMsg_Destroy(msg);
}

static void
on_complete(void *closure)
{
    (void) closure;
    __atomic_store_n(&completed, 1, __ATOMIC_SEQ_CST);
}

static int64_t
delivered(natsSubscription *sub)
{
    int64_t n = -1;
    CHECK_OK(natsSubscription_GetDelivered(sub, &n));
    return n;
}

static int64_t
dropped(natsSubscription *sub)
{
    int64_t n = -1;
    CHECK_OK(natsSubscription_GetDropped(sub, &n));
    return n;
}

static void
wait_delivered(natsSubscription *sub, int64_t want)
{
    int64_t deadline = test_now_ms() + 10000;
    while (delivered(sub) < want && test_now_ms() < deadline)
        nats_Sleep(5);
    CHECK(delivered(sub) == want, "messages delivered");
}

int
main(int argc, char **argv)
{
    natsConnection   *nc = NULL;
    natsSubscription *sub = NULL;
    int               i, before;

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));
    CHECK_OK(natsConnection_SubscribeTimeout(&sub, nc, "outlive.a", 50, on_msg, NULL));
    CHECK_OK(natsSubscription_SetPendingLimits(sub, 1, -1));
    CHECK_OK(natsSubscription_SetOnCompleteCB(sub, on_complete, NULL));
    CHECK_OK(natsSubscription_AutoUnsubscribe(sub, 4));
    CHECK_OK(natsConnection_Flush(nc));
    /* The first is held in the callback, the second waits, the third drops. */
    CHECK_OK(natsConnection_PublishString(nc, "outlive.a", "1"));
    CHECK(test_wait_count(&got_msgs, 1, 10000) == 1, "first message in the callback");
    for (i = 2; i <= 3; i++)
        CHECK_OK(natsConnection_PublishString(nc, "outlive.a", "x"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK(dropped(sub) == 1, "one message dropped");
    __atomic_store_n(&release_first, 1, __ATOMIC_SEQ_CST);
    wait_delivered(sub, 2);
    /* The 4th reaches the limit: the server stops sending, we stop routing. */
    CHECK_OK(natsConnection_PublishString(nc, "outlive.a", "4"));
    CHECK_OK(natsConnection_Flush(nc));
    wait_delivered(sub, 3);
    before = __atomic_load_n(&timeouts, __ATOMIC_SEQ_CST);
    CHECK(test_wait_count(&timeouts, before + 1, 10000) > before, "idle timeouts fire");

    natsConnection_Close(nc);
    CHECK(!natsSubscription_IsValid(sub), "closed with its connection");
    CHECK(test_wait_count(&completed, 1, 10000) == 1, "completion callback ran");
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    nats_Sleep(300); /* room for a wrong idle-timeout call to show up */
    CHECK(__atomic_load_n(&late_calls, __ATOMIC_SEQ_CST) == 0,
          "no callback after completion");

    CHECK_OK(nats_CloseAndWait(5000));
    printf("OK\n");
    return 0;
}
