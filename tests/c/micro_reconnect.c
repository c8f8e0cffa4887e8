// modes: c cxx valgrind
/*
 * micro_reconnect: the server restarts under a running service. Once its
 * connection has reconnected, the service answers its endpoint and the $SRV
 * subjects again; it never stopped (no DoneHandler call, not stopped) and its
 * stats count the requests from before and after the restart.
 */
#include <nats.h>
#include "check.h"

#define WAIT 10000

static volatile int svcDisconnected, svcReconnected, cliReconnected, done;

static void
expect_ok(microError *err, const char *what)
{
    char buf[512];
    if (err != NULL) {
        fprintf(stderr, "%s: %s\n", what, microError_String(err, buf, sizeof(buf)));
        microError_Destroy(err);
        CHECK(0, "micro call failed");
    }
}

static void
on_done(microService *m)
{
    (void) m;
    __atomic_add_fetch(&done, 1, __ATOMIC_SEQ_CST);
}

static microError *
echo_handler(microRequest *req)
{
    return microRequest_Respond(req, microRequest_GetData(req),
                                (size_t) microRequest_GetDataLength(req));
}

static natsConnection *
reconnecting(const char *url, volatile int *disconnected, volatile int *reconnected)
{
    natsConnection *nc = NULL;
    natsOptions *opts = NULL;
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetMaxReconnect(opts, -1));
    CHECK_OK(natsOptions_SetReconnectWait(opts, 100));
    CHECK_OK(natsOptions_SetReconnectJitter(opts, 0, 0));
    if (disconnected != NULL)
        CHECK_OK(natsOptions_SetDisconnectedCB(opts, test_count_event, (void *) disconnected));
    CHECK_OK(natsOptions_SetReconnectedCB(opts, test_count_event, (void *) reconnected));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    return nc;
}

static void
expect_echo(natsConnection *nc, const char *data)
{
    natsMsg *reply = NULL;
    CHECK_OK(natsConnection_RequestString(&reply, nc, "survivor.echo", data, WAIT));
    CHECK(natsMsg_GetDataLength(reply) == (int) strlen(data) &&
              memcmp(natsMsg_GetData(reply), data, strlen(data)) == 0,
          "echo reply");
    natsMsg_Destroy(reply);
}

int
main(int argc, char **argv)
{
    natsConnection *nc, *client;
    natsMsg *reply = NULL;
    microService *m = NULL;
    microServiceConfig cfg;
    microEndpointConfig ep;
    microServiceStats *st = NULL;
    int64_t deadline;
    int i;

    nc = reconnecting(test_url(argc, argv), &svcDisconnected, &svcReconnected);
    client = reconnecting(test_url(argc, argv), NULL, &cliReconnected);

    memset(&ep, 0, sizeof(ep));
    ep.Name = "echo";
    ep.Subject = "survivor.echo";
    ep.Handler = echo_handler;
    memset(&cfg, 0, sizeof(cfg));
    cfg.Name = "survivor";
    cfg.Version = "1.0.0";
    cfg.Endpoint = &ep;
    cfg.DoneHandler = on_done;
    expect_ok(micro_AddService(&m, nc, &cfg), "add service");
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT));
    expect_echo(client, "before");

    test_server_restart();
    CHECK(test_wait_count(&svcDisconnected, 1, WAIT) >= 1, "service connection disconnected");
    CHECK(test_wait_count(&svcReconnected, 1, WAIT) == 1, "service connection reconnected");
    CHECK(test_wait_count(&cliReconnected, 1, WAIT) == 1, "client reconnected");
    /* The service's subscriptions were sent again with the reconnect; a round
     * trip makes sure the new server has them. */
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT));

    CHECK(!microService_IsStopped(m), "the service kept running");
    CHECK(__atomic_load_n(&done, __ATOMIC_SEQ_CST) == 0, "no DoneHandler call");
    for (i = 0; i < 5; i++)
        expect_echo(client, "after");
    CHECK_OK(natsConnection_RequestString(&reply, client, "$SRV.PING.survivor", "", WAIT));
    CHECK(strstr(natsMsg_GetData(reply), "survivor") != NULL, "PING answered after reconnect");
    natsMsg_Destroy(reply);

    /* Counted after each reply went out: wait for the last one. */
    deadline = test_now_ms() + WAIT;
    for (;;) {
        expect_ok(microService_GetStats(&st, m), "GetStats");
        CHECK(st->EndpointsLen == 1, "one endpoint");
        if (st->Endpoints[0].NumRequests >= 6 || test_now_ms() > deadline)
            break;
        microServiceStats_Destroy(st);
        nats_Sleep(5);
    }
    CHECK(st->Endpoints[0].NumRequests == 6, "requests before and after the restart counted");
    CHECK(st->Endpoints[0].NumErrors == 0, "no errors");
    microServiceStats_Destroy(st);

    expect_ok(microService_Destroy(m), "destroy");
    CHECK(test_wait_count(&done, 1, WAIT) == 1, "DoneHandler once at Destroy");
    natsConnection_Destroy(client);
    natsConnection_Destroy(nc);
    CHECK_OK(nats_CloseAndWait(0));
    TEST_PASS("micro_reconnect");
    return 0;
}
