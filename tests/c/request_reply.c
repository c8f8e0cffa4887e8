/*
 * request_reply: a replier answers on the message's reply subject; requests
 * go through natsConnection_Request, RequestString and RequestMsg, with the
 * default (shared response subscription) style and with the old style
 * (natsOptions_UseOldRequestStyle: one inbox subscription per request).
 */
#include <nats.h>
#include "check.h"

static volatile int served;

/* Replies "re:<request data>" to whoever asked. */
static void
onRequest(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    char        answer[256];
    const char *reply = natsMsg_GetReply(msg);
    (void) sub;
    (void) closure;

    if (reply != NULL) {
        snprintf(answer, sizeof(answer), "re:%.*s",
                 natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
        /* count before answering: the requester may check right after */
        __atomic_add_fetch(&served, 1, __ATOMIC_SEQ_CST);
        natsConnection_PublishString(nc, reply, answer);
    }
    natsMsg_Destroy(msg);
}

static void
expect_reply(natsMsg *reply, const char *want)
{
    CHECK(reply != NULL, "no reply message");
    CHECK(natsMsg_GetDataLength(reply) == (int) strlen(want), "reply length");
    CHECK(strcmp(natsMsg_GetData(reply), want) == 0, "reply payload");
    CHECK(strncmp(natsMsg_GetSubject(reply), "_INBOX.", 7) == 0,
          "reply arrives on an _INBOX. subject");
    natsMsg_Destroy(reply);
}

static void
run_requests(natsConnection *nc)
{
    natsMsg *reply = NULL;
    natsMsg *req   = NULL;
    int      i;
    char     data[32], want[40];

    for (i = 0; i < 20; i++) {
        snprintf(data, sizeof(data), "n%d", i);
        snprintf(want, sizeof(want), "re:n%d", i);
        CHECK_OK(natsConnection_Request(&reply, nc, "svc.echo", data, (int) strlen(data), 10000));
        expect_reply(reply, want);
        reply = NULL;
    }

    CHECK_OK(natsConnection_RequestString(&reply, nc, "svc.echo", "hello", 10000));
    expect_reply(reply, "re:hello");
    reply = NULL;

    CHECK_OK(natsConnection_RequestString(&reply, nc, "svc.echo", "", 10000));
    expect_reply(reply, "re:");
    reply = NULL;

    CHECK_OK(natsMsg_Create(&req, "svc.echo", NULL, "as-msg", 6));
    CHECK_OK(natsConnection_RequestMsg(&reply, nc, req, 10000));
    expect_reply(reply, "re:as-msg");
    natsMsg_Destroy(req);
}

int
main(int argc, char **argv)
{
    const char       *url = test_url(argc, argv);
    natsConnection   *srv = NULL, *cli = NULL, *old = NULL;
    natsOptions      *opts = NULL;
    natsSubscription *sub = NULL;

    CHECK_OK(natsConnection_ConnectTo(&srv, url));
    CHECK_OK(natsConnection_Subscribe(&sub, srv, "svc.echo", onRequest, NULL));
    CHECK_OK(natsConnection_Flush(srv));

    /* new style: one wildcard response subscription for all requests */
    CHECK_OK(natsConnection_ConnectTo(&cli, url));
    run_requests(cli);

    /* old style: a fresh inbox subscription per request */
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_UseOldRequestStyle(opts, true));
    CHECK_OK(natsConnection_Connect(&old, opts));
    natsOptions_Destroy(opts); /* the connection keeps its own copy */
    run_requests(old);

    CHECK(__atomic_load_n(&served, __ATOMIC_SEQ_CST) == 2 * 23, "replier served every request");

    natsConnection_Destroy(old);
    natsConnection_Destroy(cli);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(srv);
    nats_Close();
    TEST_PASS("request_reply");
    return 0;
}
