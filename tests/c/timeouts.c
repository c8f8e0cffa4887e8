/*
 * timeouts: NextMsg on an empty sync subscription and a request to a
 * responder that never answers both end with NATS_TIMEOUT; a zero timeout on
 * NextMsg polls; NextMsg on an async subscription is NATS_ILLEGAL_STATE.
 */
#include <nats.h>
#include "check.h"

static void
onMsg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    natsMsg_Destroy(msg);
}

int
main(int argc, char **argv)
{
    natsConnection   *nc = NULL;
    natsSubscription *sync = NULL, *silent = NULL, *async = NULL;
    natsMsg          *m = NULL;
    int64_t           start, took;

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));

    /* empty sync subscription */
    CHECK_OK(natsConnection_SubscribeSync(&sync, nc, "to.empty"));
    start = test_now_ms();
    CHECK_STATUS(natsSubscription_NextMsg(&m, sync, 250), NATS_TIMEOUT);
    took = test_now_ms() - start;
    CHECK(m == NULL, "no message on timeout");
    CHECK(took >= 200, "NextMsg returned long before its timeout");

    /* a zero (or negative) timeout polls: NATS_TIMEOUT when empty... */
    CHECK_STATUS(natsSubscription_NextMsg(&m, sync, 0), NATS_TIMEOUT);
    CHECK_STATUS(natsSubscription_NextMsg(&m, sync, -1), NATS_TIMEOUT);
    /* ...and the message when one is pending */
    CHECK_OK(natsConnection_PublishString(nc, "to.empty", "now"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsSubscription_NextMsg(&m, sync, 0));
    CHECK(m != NULL && strcmp(natsMsg_GetData(m), "now") == 0, "polled message");
    natsMsg_Destroy(m);
    m = NULL;

    /* a responder that receives requests but never answers */
    CHECK_OK(natsConnection_SubscribeSync(&silent, nc, "svc.silent"));
    CHECK_OK(natsConnection_Flush(nc));
    start = test_now_ms();
    CHECK_STATUS(natsConnection_RequestString(&m, nc, "svc.silent", "anyone?", 300), NATS_TIMEOUT);
    took = test_now_ms() - start;
    CHECK(m == NULL, "no reply on timeout");
    CHECK(took >= 250, "Request returned long before its timeout");
    /* the request did reach the silent responder */
    CHECK_OK(natsSubscription_NextMsg(&m, silent, 5000));
    CHECK(strcmp(natsMsg_GetData(m), "anyone?") == 0, "request payload");
    CHECK(natsMsg_GetReply(m) != NULL, "request carries a reply subject");
    natsMsg_Destroy(m);
    m = NULL;

    /* async subscription: NextMsg is not allowed */
    CHECK_OK(natsConnection_Subscribe(&async, nc, "to.async", onMsg, NULL));
    CHECK_STATUS(natsSubscription_NextMsg(&m, async, 100), NATS_ILLEGAL_STATE);
    CHECK(m == NULL, "no message from an async subscription");

    natsSubscription_Destroy(async);
    natsSubscription_Destroy(silent);
    natsSubscription_Destroy(sync);
    natsConnection_Destroy(nc);
    nats_Close();
    TEST_PASS("timeouts");
    return 0;
}
