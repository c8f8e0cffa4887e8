/*
 * reconnect_buffer_full: with a 1 KB reconnect buffer, publishes made while
 * the server is down are accepted until the buffer is full; the next one
 * fails with NATS_INSUFFICIENT_BUFFER. After the server is back exactly the
 * accepted messages arrive (a marker published after the reconnect comes
 * right after them).
 */
#include <nats.h>
#include "check.h"

#define WAIT 10000
#define PAYLOAD 100

static volatile int disconnected, reconnected;

int
main(int argc, char **argv)
{
    natsConnection   *nc = NULL;
    natsOptions      *opts = NULL;
    natsSubscription *sub = NULL;
    natsMsg          *m = NULL;
    natsStatus        s = NATS_OK;
    char              payload[PAYLOAD];
    int               accepted = 0, i;

    memset(payload, 'x', sizeof(payload));

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, test_url(argc, argv)));
    CHECK_OK(natsOptions_SetMaxReconnect(opts, -1));
    CHECK_OK(natsOptions_SetReconnectWait(opts, 100));
    CHECK_OK(natsOptions_SetReconnectBufSize(opts, 1024));
    CHECK_OK(natsOptions_SetDisconnectedCB(opts, test_count_event, (void *) &disconnected));
    CHECK_OK(natsOptions_SetReconnectedCB(opts, test_count_event, (void *) &reconnected));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "buf"));
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT)); /* the server knows it */

    test_server_stop();
    CHECK(test_wait_count(&disconnected, 1, WAIT) == 1, "disconnected callback");

    while (accepted < 100) {
        s = natsConnection_Publish(nc, "buf", payload, PAYLOAD);
        if (s != NATS_OK)
            break;
        accepted++;
    }
    printf("accepted %d publishes of %d bytes\n", accepted, PAYLOAD);
    CHECK_STATUS(s, NATS_INSUFFICIENT_BUFFER);
    CHECK(accepted > 0, "some publishes fit in the buffer");
    CHECK(accepted < 100, "the buffer filled up");

    test_server_start();
    CHECK(test_wait_count(&reconnected, 1, WAIT) == 1, "reconnected callback");
    CHECK_OK(natsConnection_PublishString(nc, "buf", "marker"));
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT));

    for (i = 0; i < accepted; i++) {
        CHECK_OK(natsSubscription_NextMsg(&m, sub, WAIT));
        CHECK(natsMsg_GetDataLength(m) == PAYLOAD
                  && memcmp(natsMsg_GetData(m), payload, PAYLOAD) == 0,
              "a buffered message");
        natsMsg_Destroy(m);
        m = NULL;
    }
    /* nothing more than the accepted ones: the marker is next */
    CHECK_OK(natsSubscription_NextMsg(&m, sub, WAIT));
    CHECK(strcmp(natsMsg_GetData(m), "marker") == 0, "the refused publish was not sent");
    natsMsg_Destroy(m);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    CHECK_OK(nats_CloseAndWait(0));
    TEST_PASS("reconnect_buffer_full");
    return 0;
}
