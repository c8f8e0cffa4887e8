/*
 * connect_info: what a connected client can learn about its connection:
 * URL, server id, max payload, client id and IP, local address, RTT, header
 * support, name, traffic statistics, the server list, library version.
 */
#include <nats.h>
#include "check.h"

#define NAME "nats_rs-connect-info"

static volatile int received;

static void
onMsg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    __atomic_add_fetch(&received, 1, __ATOMIC_SEQ_CST);
    natsMsg_Destroy(msg);
}

int
main(int argc, char **argv)
{
    const char       *url = test_url(argc, argv);
    natsConnection   *nc = NULL;
    natsOptions      *opts = NULL;
    natsSubscription *sub = NULL;
    natsStatistics   *stats = NULL;
    char              buf[256];
    char             *ip = NULL;
    char            **servers = NULL;
    int               port = 0, count = 0, i;
    uint64_t          cid = 0, inMsgs = 0, inBytes = 0, outMsgs = 0, outBytes = 0, reconnects = 0;
    int64_t           rtt = -1;
    const char       *version;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetName(opts, NAME));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);

    CHECK(natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED, "status CONNECTED");
    CHECK(!natsConnection_IsClosed(nc) && !natsConnection_IsReconnecting(nc), "plain connected state");

    CHECK_OK(natsConnection_GetConnectedUrl(nc, buf, sizeof(buf)));
    CHECK(strcmp(buf, url) == 0, "GetConnectedUrl is the URL we connected to");
    CHECK_STATUS(natsConnection_GetConnectedUrl(nc, buf, 5), NATS_INSUFFICIENT_BUFFER);

    CHECK_OK(natsConnection_GetConnectedServerId(nc, buf, sizeof(buf)));
    CHECK(strlen(buf) > 0, "server id is not empty");
    printf("server id %s\n", buf);

    CHECK(natsConnection_GetMaxPayload(nc) > 0, "max payload > 0");
    CHECK(natsConnection_GetMaxPayload(nc) == 1024 * 1024, "default server max payload is 1 MiB");

    CHECK_OK(natsConnection_GetClientID(nc, &cid));
    CHECK(cid > 0, "client id > 0");

    CHECK_OK(natsConnection_GetClientIP(nc, &ip));
    CHECK(ip != NULL && strcmp(ip, "127.0.0.1") == 0, "client IP as seen by the server");
    free(ip);
    ip = NULL;

    CHECK_OK(natsConnection_GetLocalIPAndPort(nc, &ip, &port));
    CHECK(ip != NULL && strcmp(ip, "127.0.0.1") == 0, "local IP");
    CHECK(port > 0 && port < 65536, "local port");
    free(ip);
    ip = NULL;

    CHECK_OK(natsConnection_GetRTT(nc, &rtt));
    CHECK(rtt >= 0, "RTT (nanoseconds) is not negative");

    CHECK_OK(natsConnection_HasHeaderSupport(nc));

#if NATS_VERSION_NUMBER >= 0x030E00
    CHECK(natsConnection_GetName(nc) != NULL && strcmp(natsConnection_GetName(nc), NAME) == 0,
          "GetName returns the name from natsOptions_SetName");
#endif

    /* traffic statistics: 5 messages of 10 bytes to ourselves */
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "info.stats", onMsg, NULL));
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < 5; i++)
        CHECK_OK(natsConnection_Publish(nc, "info.stats", "0123456789", 10));
    CHECK_OK(natsConnection_Flush(nc));
    test_wait_count(&received, 5, 10000);
    CHECK_OK(natsStatistics_Create(&stats));
    CHECK_OK(natsConnection_GetStats(nc, stats));
    CHECK_OK(natsStatistics_GetCounts(stats, &inMsgs, &inBytes, &outMsgs, &outBytes, &reconnects));
    printf("stats: in %d/%d out %d/%d reconnects %d\n", (int) inMsgs, (int) inBytes,
           (int) outMsgs, (int) outBytes, (int) reconnects);
    CHECK(inMsgs == 5 && inBytes == 50, "in counts");
    CHECK(outMsgs == 5 && outBytes == 50, "out counts");
    CHECK(reconnects == 0, "no reconnects");
    /* any out-pointer may be NULL */
    CHECK_OK(natsStatistics_GetCounts(stats, NULL, NULL, &outMsgs, NULL, NULL));
    CHECK(outMsgs == 5, "GetCounts with NULLs");
    natsStatistics_Destroy(stats);

    CHECK_OK(natsConnection_GetServers(nc, &servers, &count));
    CHECK(count >= 1, "at least one server");
    {
        int found = 0;
        for (i = 0; i < count; i++) {
            if (strcmp(servers[i], url) == 0)
                found = 1;
            free(servers[i]);
        }
        free(servers);
        CHECK(found, "our URL is in the server list");
    }
    CHECK_OK(natsConnection_GetDiscoveredServers(nc, &servers, &count));
    CHECK(count == 0, "a lone server has no discovered peers");
    free(servers);

    version = nats_GetVersion();
    CHECK(version != NULL && version[0] != '\0', "nats_GetVersion");
    CHECK(nats_GetVersionNumber() >= NATS_VERSION_REQUIRED_NUMBER, "library is new enough");
    printf("library %s (0x%06x), header %s\n", version, (unsigned) nats_GetVersionNumber(),
           NATS_VERSION_STRING);
#if NATS_VERSION_NUMBER >= 0x030E00
    /* exits the process on a mismatch (as in nats.c) */
    CHECK(nats_CheckCompatibility(), "nats_CheckCompatibility");
#endif

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    nats_Close();
    TEST_PASS("connect_info");
    return 0;
}
