/*
 * auto_unsub: natsSubscription_AutoUnsubscribe(sub, 5) then 10 messages:
 * exactly 5 are delivered, for an async and for a sync subscription. Once
 * the sync subscription has handed out its 5th message it is gone: NextMsg
 * returns NATS_MAX_DELIVERED_MSGS, IsValid is false and its statistics
 * calls return NATS_INVALID_SUBSCRIPTION.
 */
#include <nats.h>
#include "check.h"

#define MAX 5
#define SENT 10

static volatile int asyncCount;

static void
onMsg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    __atomic_add_fetch(&asyncCount, 1, __ATOMIC_SEQ_CST);
    natsMsg_Destroy(msg);
}

static void
publish_n(natsConnection *nc, const char *subj, int n)
{
    int  i;
    char buf[16];
    for (i = 0; i < n; i++) {
        snprintf(buf, sizeof(buf), "%d", i);
        CHECK_OK(natsConnection_PublishString(nc, subj, buf));
    }
    CHECK_OK(natsConnection_Flush(nc));
}

int
main(int argc, char **argv)
{
    natsConnection   *nc = NULL;
    natsSubscription *async = NULL, *sync = NULL;
    natsMsg          *m = NULL;
    int64_t           delivered = 0;
    int               i;
    char              want[16];

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));

    /* async */
    CHECK_OK(natsConnection_Subscribe(&async, nc, "au.async", onMsg, NULL));
    CHECK_OK(natsSubscription_AutoUnsubscribe(async, MAX));
    CHECK_OK(natsConnection_Flush(nc));
    publish_n(nc, "au.async", SENT);
    test_wait_count(&asyncCount, MAX, 10000);
    CHECK_OK(natsConnection_Flush(nc));
    nats_Sleep(200); /* room for an extra (wrong) delivery to show up */
    CHECK(__atomic_load_n(&asyncCount, __ATOMIC_SEQ_CST) == MAX, "async: exactly MAX delivered");
    CHECK(!natsSubscription_IsValid(async), "async: subscription ends after MAX messages");
    natsSubscription_Destroy(async);

    /* sync */
    CHECK_OK(natsConnection_SubscribeSync(&sync, nc, "au.sync"));
    CHECK_OK(natsSubscription_AutoUnsubscribe(sync, MAX));
    CHECK_OK(natsConnection_Flush(nc));
    publish_n(nc, "au.sync", SENT);
    for (i = 0; i < MAX; i++) {
        CHECK_OK(natsSubscription_NextMsg(&m, sync, 10000));
        snprintf(want, sizeof(want), "%d", i);
        CHECK(strcmp(natsMsg_GetData(m), want) == 0, "sync: messages in order");
        natsMsg_Destroy(m);
        m = NULL;
    }
    CHECK_STATUS(natsSubscription_NextMsg(&m, sync, 200), NATS_MAX_DELIVERED_MSGS);
    CHECK(m == NULL, "sync: nothing after MAX");
    CHECK(!natsSubscription_IsValid(sync), "sync: subscription ends after MAX messages");
    /* asking again gives the same answer */
    CHECK_STATUS(natsSubscription_NextMsg(&m, sync, 200), NATS_MAX_DELIVERED_MSGS);
    /* a finished subscription has no statistics any more (nats.c) */
    CHECK_STATUS(natsSubscription_GetDelivered(sync, &delivered), NATS_INVALID_SUBSCRIPTION);
    natsSubscription_Destroy(sync);

    natsConnection_Destroy(nc);
    nats_Close();
    TEST_PASS("auto_unsub");
    return 0;
}
