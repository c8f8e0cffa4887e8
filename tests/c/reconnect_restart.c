/*
 * reconnect_restart: the server is killed and started again. Messages
 * published while it is down are kept in the reconnect buffer and reach the
 * subscription (on the same connection) after the reconnect: all of them, in
 * order, once each, followed by one published after the reconnect. The
 * disconnected and reconnected callbacks run once, the closed callback not
 * at all, and the statistics count one reconnect. natsConnection_Close then
 * runs the closed callback once and, since the connection was connected,
 * the disconnected callback once more (nats.c does that on a user Close).
 */
#include <nats.h>
#include "check.h"

#define DOWN 100 /* published while the server is down */
#define WAIT 10000

static volatile int disconnected, reconnected, closed;

static int
count(volatile int *counter)
{
    return __atomic_load_n(counter, __ATOMIC_SEQ_CST);
}

static void
expectNext(natsSubscription *sub, const char *want)
{
    natsMsg *m = NULL;
    CHECK_OK(natsSubscription_NextMsg(&m, sub, WAIT));
    if (strcmp(natsMsg_GetData(m), want) != 0) {
        fprintf(stderr, "got \"%s\", expected \"%s\"\n", natsMsg_GetData(m), want);
        CHECK(0, "messages arrive in order, once each");
    }
    natsMsg_Destroy(m);
}

int
main(int argc, char **argv)
{
    natsConnection   *nc = NULL;
    natsOptions      *opts = NULL;
    natsSubscription *sub = NULL;
    natsStatistics   *stats = NULL;
    uint64_t          reconnects = 0;
    char              text[16];
    int               i;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, test_url(argc, argv)));
    CHECK_OK(natsOptions_SetMaxReconnect(opts, -1));
    CHECK_OK(natsOptions_SetReconnectWait(opts, 100));
    CHECK_OK(natsOptions_SetReconnectJitter(opts, 0, 0));
    CHECK_OK(natsOptions_SetDisconnectedCB(opts, test_count_event, (void *) &disconnected));
    CHECK_OK(natsOptions_SetReconnectedCB(opts, test_count_event, (void *) &reconnected));
    CHECK_OK(natsOptions_SetClosedCB(opts, test_count_event, (void *) &closed));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "seq"));
    CHECK_OK(natsSubscription_SetPendingLimits(sub, -1, -1));
    for (i = 0; i < 3; i++)
        CHECK_OK(natsConnection_PublishString(nc, "seq", "before"));
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT));
    for (i = 0; i < 3; i++)
        expectNext(sub, "before");

    test_server_stop();
    CHECK(test_wait_count(&disconnected, 1, WAIT) == 1, "disconnected callback");

    /* No server runs: every publish goes to the reconnect buffer. */
    for (i = 1; i <= DOWN; i++) {
        CHECK(natsConnection_IsReconnecting(nc), "reconnecting while no server runs");
        snprintf(text, sizeof(text), "%d", i);
        CHECK_OK(natsConnection_PublishString(nc, "seq", text));
    }

    test_server_start();
    CHECK(test_wait_count(&reconnected, 1, WAIT) == 1, "reconnected callback");
    CHECK(natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED, "status CONNECTED");
    CHECK_OK(natsConnection_PublishString(nc, "seq", "last"));
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT));

    for (i = 1; i <= DOWN; i++) {
        snprintf(text, sizeof(text), "%d", i);
        expectNext(sub, text);
    }
    expectNext(sub, "last");

    CHECK(count(&disconnected) == 1, "one disconnection");
    CHECK(count(&reconnected) == 1, "one reconnection");
    CHECK(count(&closed) == 0, "not closed");

    CHECK_OK(natsStatistics_Create(&stats));
    CHECK_OK(natsConnection_GetStats(nc, stats));
    CHECK_OK(natsStatistics_GetCounts(stats, NULL, NULL, NULL, NULL, &reconnects));
    CHECK(reconnects == 1, "statistics: one reconnect");
    natsStatistics_Destroy(stats);

    natsConnection_Close(nc);
    CHECK(test_wait_count(&closed, 1, WAIT) == 1, "closed callback after Close");
    /* nats.c: a user Close of a connected connection also reports it as
     * disconnected. */
    CHECK(test_wait_count(&disconnected, 2, WAIT) == 2, "disconnected callback on Close");
    CHECK(count(&reconnected) == 1, "still one reconnection");

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    CHECK_OK(nats_CloseAndWait(0));
    TEST_PASS("reconnect_restart");
    return 0;
}
