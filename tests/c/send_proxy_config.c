/*
 * send_proxy_config: core calls of nats.c 3.14 that 3.4 lacks (skipped when
 * built against an older nats.h).
 * - nats_OpenWithConfig: the thread-started handler runs for library threads.
 * - natsConnection_Send, _SendMsg (with headers) and _SendRequest: the
 *   messages arrive, in order with earlier publishes.
 * - natsOptions_SetProxyConnHandler: the handler's socket is used.
 * - natsOptions_IPResolutionOrder: 4 connects to 127.0.0.1; 5 is invalid.
 */
#include <nats.h>
#include "check.h"

#if NATS_VERSION_NUMBER >= 0x030E00
#include <arpa/inet.h>
#include <netinet/in.h>

#define WAIT 5000

static volatile int threadsStarted, proxyCalls;

static void
onThreadStarted(void *closure)
{
    (void) closure;
    __atomic_add_fetch(&threadsStarted, 1, __ATOMIC_SEQ_CST);
}

/* natsProxyConnHandler: a "proxy" that connects straight to the server. */
static natsStatus
directConnect(natsSock *fd, char *host, int port, void *closure)
{
    struct sockaddr_in addr;
    int                s = socket(AF_INET, SOCK_STREAM, 0);

    (void) host; (void) closure;
    __atomic_add_fetch(&proxyCalls, 1, __ATOMIC_SEQ_CST);
    if (s < 0)
        return NATS_SYS_ERROR;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t) port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, (struct sockaddr *) &addr, sizeof(addr)) != 0) {
        close(s);
        return NATS_NO_SERVER;
    }
    *fd = s;
    return NATS_OK;
}

static void
expect(natsSubscription *sub, const char *text)
{
    natsMsg *m = NULL;
    CHECK_OK(natsSubscription_NextMsg(&m, sub, WAIT));
    CHECK(strcmp(natsMsg_GetData(m), text) == 0, text);
    natsMsg_Destroy(m);
}

int
main(int argc, char **argv)
{
    const char       *url = test_url(argc, argv);
    natsClientConfig  cfg;
    natsConnection   *nc = NULL;
    natsOptions      *opts = NULL;
    natsSubscription *sub = NULL;
    natsMsg          *msg = NULL;
    const char       *val = NULL;

    memset(&cfg, 0, sizeof(cfg));
    cfg.LockSpinCount = -1;
    cfg.ThreadPoolMax = 1;
    cfg.ThreadStartedHandler = onThreadStarted;
    CHECK_OK(nats_OpenWithConfig(&cfg));

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_STATUS(natsOptions_IPResolutionOrder(opts, 5), NATS_INVALID_ARG);
    CHECK_OK(natsOptions_IPResolutionOrder(opts, 4));
    CHECK_OK(natsOptions_SetProxyConnHandler(opts, directConnect, NULL));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    CHECK(proxyCalls == 1, "the proxy handler made the socket");
    CHECK(test_wait_count(&threadsStarted, 1, WAIT) > 0, "the thread-started handler ran");

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "send.>"));
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT));
    CHECK_OK(natsConnection_PublishString(nc, "send.a", "published"));
    CHECK_OK(natsConnection_Send(nc, "send.a", "sent", 4));
    CHECK_OK(natsMsg_Create(&msg, "send.b", NULL, "with header", 11));
    CHECK_OK(natsMsgHeader_Set(msg, "K", "V"));
    CHECK_OK(natsConnection_SendMsg(nc, msg));
    natsMsg_Destroy(msg);
    CHECK_OK(natsConnection_SendRequest(nc, "send.c", "send.reply", "request", 7));
    CHECK_STATUS(natsConnection_SendRequest(nc, "send.c", NULL, "x", 1), NATS_INVALID_ARG);

    expect(sub, "published");
    expect(sub, "sent");
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, WAIT));
    CHECK(strcmp(natsMsg_GetData(msg), "with header") == 0, "SendMsg data");
    CHECK_OK(natsMsgHeader_Get(msg, "K", &val));
    CHECK(strcmp(val, "V") == 0, "SendMsg header");
    natsMsg_Destroy(msg);
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, WAIT));
    CHECK(strcmp(natsMsg_GetReply(msg), "send.reply") == 0, "SendRequest reply subject");
    natsMsg_Destroy(msg);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    nats_Close();
    TEST_PASS("send_proxy_config");
    return 0;
}
#else
int
main(void)
{
    printf("send_proxy_config: not in this nats.h, skipped\n");
    nats_Close(); /* still a nats program, for the drop-in check */
    return 0;
}
#endif
