/*
 * retry_connect: natsOptions_SetRetryOnFailedConnect.
 * With a connected callback and no server running, natsConnection_Connect
 * returns NATS_NOT_YET_CONNECTED and a connection that keeps trying; a
 * subscription and a publish made before any server runs are kept, and once
 * a server starts the connected callback runs and the message arrives.
 * Without a connected callback the call blocks through the reconnect
 * attempts and, with no server, fails with NATS_NO_SERVER and no connection.
 */
#include <nats.h>
#include "check.h"

#define WAIT 10000

static volatile int connected, reconnected, closed;

int
main(int argc, char **argv)
{
    const char       *url = test_url(argc, argv);
    natsConnection   *nc = NULL;
    natsOptions      *opts = NULL;
    natsSubscription *sub = NULL;
    natsMsg          *m = NULL;

    test_server_stop();

    /* Blocking retry, no server: gives up. */
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetRetryOnFailedConnect(opts, true, NULL, NULL));
    CHECK_OK(natsOptions_SetMaxReconnect(opts, 1));
    CHECK_OK(natsOptions_SetReconnectWait(opts, 20));
    CHECK_STATUS(natsConnection_Connect(&nc, opts), NATS_NO_SERVER);
    CHECK(nc == NULL, "no connection when the connect fails");
    natsOptions_Destroy(opts);

    /* Asynchronous retry: the connected callback announces the connection. */
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetRetryOnFailedConnect(opts, true, test_count_event, (void *) &connected));
    CHECK_OK(natsOptions_SetReconnectWait(opts, 100));
    CHECK_OK(natsOptions_SetMaxReconnect(opts, -1));
    CHECK_OK(natsOptions_SetReconnectedCB(opts, test_count_event, (void *) &reconnected));
    CHECK_OK(natsOptions_SetClosedCB(opts, test_count_event, (void *) &closed));
    CHECK_STATUS(natsConnection_Connect(&nc, opts), NATS_NOT_YET_CONNECTED);
    natsOptions_Destroy(opts);
    CHECK(nc != NULL, "a connection that is not yet connected");
    CHECK(!natsConnection_IsClosed(nc), "not closed");
    CHECK(natsConnection_Status(nc) != NATS_CONN_STATUS_CONNECTED, "not connected");

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "early"));
    CHECK_OK(natsConnection_PublishString(nc, "early", "queued"));

    test_server_start();
    CHECK(test_wait_count(&connected, 1, WAIT) == 1, "connected callback");
    CHECK(natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED, "status CONNECTED");

    CHECK_OK(natsSubscription_NextMsg(&m, sub, WAIT));
    CHECK(strcmp(natsMsg_GetData(m), "queued") == 0, "the early publish arrives");
    natsMsg_Destroy(m);
    CHECK(__atomic_load_n(&reconnected, __ATOMIC_SEQ_CST) == 0,
          "the first connection is not a reconnection");

    natsSubscription_Destroy(sub);
    natsConnection_Close(nc);
    CHECK(test_wait_count(&closed, 1, WAIT) == 1, "closed callback");
    natsConnection_Destroy(nc);
    CHECK_OK(nats_CloseAndWait(0));
    CHECK(__atomic_load_n(&connected, __ATOMIC_SEQ_CST) == 1, "connected callback once");
    TEST_PASS("retry_connect");
    return 0;
}
