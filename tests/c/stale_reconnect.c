/*
 * stale_reconnect: a frozen server (SIGSTOP: the socket stays open, nothing
 * is answered) is detected through unanswered PINGs (SetPingInterval 100 ms,
 * SetMaxPingsOut 2): the disconnected callback runs while the server is
 * still frozen, and no reconnect can succeed until it is resumed. After the
 * resume the client reconnects and a publish/flush round trip works.
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
    natsStatus        s = NATS_OK;
    int               tries;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, test_url(argc, argv)));
    CHECK_OK(natsOptions_SetPingInterval(opts, 100));
    CHECK_OK(natsOptions_SetMaxPingsOut(opts, 2));
    CHECK_OK(natsOptions_SetMaxReconnect(opts, -1));
    CHECK_OK(natsOptions_SetReconnectWait(opts, 100));
    /* a frozen server accepts TCP connections but never greets */
    CHECK_OK(natsOptions_SetTimeout(opts, 500));
    CHECK_OK(natsOptions_SetDisconnectedCB(opts, test_count_event, (void *) &disconnected));
    CHECK_OK(natsOptions_SetReconnectedCB(opts, test_count_event, (void *) &reconnected));
    CHECK_OK(natsOptions_SetClosedCB(opts, test_count_event, (void *) &closed));
    /* The short timeout is for the frozen server below; the first connect
     * may need more than one try on a loaded machine (valgrind). */
    for (tries = 0; tries < 10; tries++) {
        s = natsConnection_Connect(&nc, opts);
        if (s != NATS_TIMEOUT)
            break;
    }
    CHECK_OK(s);
    natsOptions_Destroy(opts);

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "stale"));
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT));
    CHECK(__atomic_load_n(&disconnected, __ATOMIC_SEQ_CST) == 0, "connected so far");

    test_server_pause();
    CHECK(test_wait_count(&disconnected, 1, WAIT) == 1,
          "disconnected callback while the server is frozen");
    CHECK(natsConnection_IsReconnecting(nc), "reconnecting");
    CHECK(__atomic_load_n(&reconnected, __ATOMIC_SEQ_CST) == 0,
          "no reconnect to a frozen server");

    test_server_resume();
    CHECK(test_wait_count(&reconnected, 1, WAIT) == 1, "reconnected after the resume");
    /* As in nats.c, a successful reconnect leaves no error behind. */
    {
        const char *txt = NULL;
        CHECK_STATUS(natsConnection_GetLastError(nc, &txt), NATS_OK);
    }

    CHECK_OK(natsConnection_PublishString(nc, "stale", "back"));
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT));
    CHECK_OK(natsSubscription_NextMsg(&m, sub, WAIT));
    CHECK(strcmp(natsMsg_GetData(m), "back") == 0, "round trip after the reconnect");
    natsMsg_Destroy(m);
    CHECK(__atomic_load_n(&disconnected, __ATOMIC_SEQ_CST) == 1, "one disconnection");
    CHECK(__atomic_load_n(&closed, __ATOMIC_SEQ_CST) == 0, "not closed");

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    CHECK_OK(nats_CloseAndWait(0));
    TEST_PASS("stale_reconnect");
    return 0;
}
