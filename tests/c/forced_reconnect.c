/*
 * forced_reconnect:
 * - natsConnection_Reconnect drops a healthy connection: the disconnected
 *   then the reconnected callback run, and the subscription receives again
 *   (nats.c >= 3.9; skipped when built against an older nats.h).
 * - While the server is stopped: a connection that closes itself from its
 *   disconnected callback, one that destroys itself there, and one closed
 *   from another connection's disconnected callback. Nothing hangs or
 *   crashes, the reconnects stop there, and each connection's disconnected
 *   and closed callbacks run exactly once.
 */
#include <nats.h>
#include "check.h"

#define WAIT 10000

/* one set of counters per connection */
struct events {
    volatile int    disconnected, reconnected, closed;
    int             closeInCb, destroyInCb;
    natsConnection *closeOther;
};

static void
onDisconnected(natsConnection *nc, void *closure)
{
    struct events *ev = (struct events *) closure;
    if (ev->closeInCb)
        natsConnection_Close(nc);
    else if (ev->destroyInCb)
        natsConnection_Destroy(nc);
    else if (ev->closeOther != NULL)
        natsConnection_Close(ev->closeOther);
    __atomic_add_fetch(&ev->disconnected, 1, __ATOMIC_SEQ_CST);
}

static void
onReconnected(natsConnection *nc, void *closure)
{
    (void) nc;
    __atomic_add_fetch(&((struct events *) closure)->reconnected, 1, __ATOMIC_SEQ_CST);
}

static void
onClosed(natsConnection *nc, void *closure)
{
    (void) nc;
    __atomic_add_fetch(&((struct events *) closure)->closed, 1, __ATOMIC_SEQ_CST);
}

static int
get(volatile int *counter)
{
    return __atomic_load_n(counter, __ATOMIC_SEQ_CST);
}

static natsConnection *
connectWatched(const char *url, struct events *ev)
{
    natsConnection *nc = NULL;
    natsOptions    *opts = NULL;
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetMaxReconnect(opts, -1));
    CHECK_OK(natsOptions_SetReconnectWait(opts, 50));
    CHECK_OK(natsOptions_SetDisconnectedCB(opts, onDisconnected, (void *) ev));
    CHECK_OK(natsOptions_SetReconnectedCB(opts, onReconnected, (void *) ev));
    CHECK_OK(natsOptions_SetClosedCB(opts, onClosed, (void *) ev));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    return nc;
}

#if NATS_VERSION_NUMBER >= 0x030900
static void
forcedReconnect(const char *url)
{
    static struct events ev;
    natsConnection      *nc = connectWatched(url, &ev);
    natsSubscription    *sub = NULL;
    natsMsg             *m = NULL;

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "forced"));
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT));

    CHECK_OK(natsConnection_Reconnect(nc));
    CHECK(test_wait_count(&ev.reconnected, 1, WAIT) == 1, "reconnected callback");
    CHECK(get(&ev.disconnected) == 1, "disconnected callback before it");

    CHECK_OK(natsConnection_PublishString(nc, "forced", "after"));
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT));
    CHECK_OK(natsSubscription_NextMsg(&m, sub, WAIT));
    CHECK(strcmp(natsMsg_GetData(m), "after") == 0, "subscription receives after the reconnect");
    natsMsg_Destroy(m);

    natsSubscription_Destroy(sub);
    natsConnection_Close(nc);
    CHECK(test_wait_count(&ev.closed, 1, WAIT) == 1, "closed callback");
    CHECK_STATUS(natsConnection_Reconnect(nc), NATS_CONNECTION_CLOSED);
    natsConnection_Destroy(nc);
}
#endif

int
main(int argc, char **argv)
{
    const char            *url = test_url(argc, argv);
    static struct events   closing, destroying, closer, victim;
    natsConnection        *nc, *closerNc, *victimNc;

#if NATS_VERSION_NUMBER >= 0x030900
    forcedReconnect(url);
#else
    printf("natsConnection_Reconnect: not in this nats.h, skipped\n");
#endif

    closing.closeInCb = 1;
    nc = connectWatched(url, &closing);
    destroying.destroyInCb = 1;
    /* from now on only its callbacks use this one */
    (void) connectWatched(url, &destroying);
    victimNc = connectWatched(url, &victim);
    closer.closeOther = victimNc;
    closerNc = connectWatched(url, &closer);

    test_server_stop();
    CHECK(test_wait_count(&closing.closed, 1, WAIT) == 1,
          "closed callback after Close in the disconnected callback");
    CHECK(test_wait_count(&destroying.closed, 1, WAIT) == 1,
          "closed callback after Destroy in the disconnected callback");
    CHECK(test_wait_count(&victim.closed, 1, WAIT) == 1,
          "closed callback after Close in another connection's disconnected callback");
    CHECK(natsConnection_IsClosed(nc), "closed");
    CHECK(natsConnection_Status(nc) == NATS_CONN_STATUS_CLOSED, "status CLOSED");
    CHECK(natsConnection_IsClosed(victimNc), "closed by the other connection");
    CHECK(natsConnection_IsReconnecting(closerNc), "the other one keeps trying");
    natsConnection_Destroy(nc);
    natsConnection_Destroy(victimNc);
    natsConnection_Destroy(closerNc);

    CHECK_OK(nats_CloseAndWait(0));
    CHECK(get(&closing.disconnected) == 1 && get(&destroying.disconnected) == 1
              && get(&victim.disconnected) == 1 && get(&closer.disconnected) == 1,
          "one disconnected callback each");
    CHECK(get(&closing.closed) == 1 && get(&destroying.closed) == 1
              && get(&victim.closed) == 1 && get(&closer.closed) == 1,
          "one closed callback each");
    CHECK(get(&closing.reconnected) == 0 && get(&destroying.reconnected) == 0
              && get(&victim.reconnected) == 0 && get(&closer.reconnected) == 0,
          "no reconnection");
    TEST_PASS("forced_reconnect");
    return 0;
}
