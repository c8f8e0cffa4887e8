/*
 * closed: once natsConnection_Close has run, every operation reports
 * NATS_CONNECTION_CLOSED, IsClosed is true, the status is
 * NATS_CONN_STATUS_CLOSED, and the closed callback ran exactly once (also
 * when Close is called again, and when a connection is destroyed without
 * being closed first).
 */
#include <nats.h>
#include "check.h"

static volatile int closedCalls[2];

static void
onClosed(natsConnection *nc, void *closure)
{
    volatile int *counter = (volatile int *) closure;
    (void) nc;
    __atomic_add_fetch(counter, 1, __ATOMIC_SEQ_CST);
}

static void
onMsg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    natsMsg_Destroy(msg);
}

static natsConnection *
connect_with_closed_cb(const char *url, volatile int *counter)
{
    natsConnection *nc = NULL;
    natsOptions    *opts = NULL;
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetClosedCB(opts, onClosed, (void *) counter));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    return nc;
}

int
main(int argc, char **argv)
{
    const char       *url = test_url(argc, argv);
    natsConnection   *nc, *nc2;
    natsSubscription *before = NULL, *sub = NULL;
    natsMsg          *m = NULL, *reply = NULL;

    nc = connect_with_closed_cb(url, &closedCalls[0]);
    CHECK(!natsConnection_IsClosed(nc), "open connection is not closed");
    CHECK(natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED, "status CONNECTED");
    CHECK_OK(natsConnection_SubscribeSync(&before, nc, "closed.before"));

    natsConnection_Close(nc);
    test_wait_count(&closedCalls[0], 1, 10000);

    CHECK(natsConnection_IsClosed(nc), "IsClosed after Close");
    CHECK(natsConnection_Status(nc) == NATS_CONN_STATUS_CLOSED, "status CLOSED");

    CHECK_STATUS(natsConnection_Publish(nc, "closed.x", "a", 1), NATS_CONNECTION_CLOSED);
    CHECK_STATUS(natsConnection_PublishString(nc, "closed.x", "a"), NATS_CONNECTION_CLOSED);
    CHECK_STATUS(natsConnection_PublishRequestString(nc, "closed.x", "r", "a"),
                 NATS_CONNECTION_CLOSED);
    CHECK_OK(natsMsg_Create(&m, "closed.x", NULL, "a", 1));
    CHECK_STATUS(natsConnection_PublishMsg(nc, m), NATS_CONNECTION_CLOSED);
    CHECK_STATUS(natsConnection_RequestMsg(&reply, nc, m, 1000), NATS_CONNECTION_CLOSED);
    natsMsg_Destroy(m);
    CHECK_STATUS(natsConnection_Subscribe(&sub, nc, "closed.x", onMsg, NULL),
                 NATS_CONNECTION_CLOSED);
    CHECK(sub == NULL, "no subscription created");
    CHECK_STATUS(natsConnection_SubscribeSync(&sub, nc, "closed.x"), NATS_CONNECTION_CLOSED);
    CHECK_STATUS(natsConnection_QueueSubscribeSync(&sub, nc, "closed.x", "q"),
                 NATS_CONNECTION_CLOSED);
    CHECK_STATUS(natsConnection_Flush(nc), NATS_CONNECTION_CLOSED);
    CHECK_STATUS(natsConnection_FlushTimeout(nc, 1000), NATS_CONNECTION_CLOSED);
    CHECK_STATUS(natsConnection_RequestString(&reply, nc, "closed.x", "a", 1000),
                 NATS_CONNECTION_CLOSED);
    CHECK(reply == NULL, "no reply");

    /* a subscription made before the close */
    CHECK_STATUS(natsSubscription_NextMsg(&m, before, 100), NATS_CONNECTION_CLOSED);
    CHECK(!natsSubscription_IsValid(before), "subscription invalid after close");

    /* closing again is harmless and does not call the callback again */
    natsConnection_Close(nc);
    nats_Sleep(200);
    CHECK(__atomic_load_n(&closedCalls[0], __ATOMIC_SEQ_CST) == 1, "closed callback ran once");

    natsSubscription_Destroy(before);
    natsConnection_Destroy(nc);
    nats_Sleep(100);
    CHECK(__atomic_load_n(&closedCalls[0], __ATOMIC_SEQ_CST) == 1,
          "closed callback still once after Destroy");

    /* Destroy without Close: closes, callback once */
    nc2 = connect_with_closed_cb(url, &closedCalls[1]);
    natsConnection_Destroy(nc2);
    test_wait_count(&closedCalls[1], 1, 10000);
    nats_Sleep(100);
    CHECK(__atomic_load_n(&closedCalls[1], __ATOMIC_SEQ_CST) == 1,
          "Destroy of an open connection runs the closed callback once");

    nats_Close();
    TEST_PASS("closed");
    return 0;
}
