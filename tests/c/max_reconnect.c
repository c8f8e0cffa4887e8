/*
 * max_reconnect: with SetMaxReconnect(2) and the server gone for good, the
 * client gives up after its attempts: the disconnected callback runs once,
 * then the closed callback once, the reconnected callback never. The
 * connection is then closed: IsClosed, status NATS_CONN_STATUS_CLOSED,
 * publishing and NextMsg report NATS_CONNECTION_CLOSED.
 */
#include <nats.h>
#include "check.h"

#define WAIT 10000

static volatile int disconnected, reconnected, closed;

int
main(int argc, char **argv)
{
    natsConnection   *nc = NULL;
    natsOptions      *opts = NULL;
    natsSubscription *sub = NULL;
    natsMsg          *m = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, test_url(argc, argv)));
    CHECK_OK(natsOptions_SetMaxReconnect(opts, 2));
    CHECK_OK(natsOptions_SetReconnectWait(opts, 50));
    CHECK_OK(natsOptions_SetDisconnectedCB(opts, test_count_event, (void *) &disconnected));
    CHECK_OK(natsOptions_SetReconnectedCB(opts, test_count_event, (void *) &reconnected));
    CHECK_OK(natsOptions_SetClosedCB(opts, test_count_event, (void *) &closed));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "x"));
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT));

    test_server_stop();
    CHECK(test_wait_count(&closed, 1, WAIT) == 1, "closed callback once attempts ran out");

    CHECK(natsConnection_IsClosed(nc), "IsClosed");
    CHECK(natsConnection_Status(nc) == NATS_CONN_STATUS_CLOSED, "status CLOSED");
    CHECK_STATUS(natsConnection_PublishString(nc, "x", "late"), NATS_CONNECTION_CLOSED);
    CHECK_STATUS(natsSubscription_NextMsg(&m, sub, 10), NATS_CONNECTION_CLOSED);
    CHECK(m == NULL, "no message");
    CHECK(__atomic_load_n(&disconnected, __ATOMIC_SEQ_CST) == 1, "one disconnection");
    CHECK(__atomic_load_n(&reconnected, __ATOMIC_SEQ_CST) == 0, "never reconnected");

    /* Closing again changes nothing. */
    natsConnection_Close(nc);
    CHECK(__atomic_load_n(&closed, __ATOMIC_SEQ_CST) == 1, "closed callback once");

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    CHECK_OK(nats_CloseAndWait(0));
    CHECK(__atomic_load_n(&closed, __ATOMIC_SEQ_CST) == 1, "closed callback once");
    CHECK(__atomic_load_n(&disconnected, __ATOMIC_SEQ_CST) == 1, "one disconnection");
    TEST_PASS("max_reconnect");
    return 0;
}
