/*
 * no_responders: a request to a subject nobody listens on fails fast with
 * NATS_NO_RESPONDERS (the server answers with a 503 status message), for both
 * request styles and for a sync subscription on a reply inbox. With
 * natsOptions_DisableNoResponders(true) the same request waits for its
 * timeout instead.
 */
#include <nats.h>
#include "check.h"

#define LONG_TIMEOUT 10000

static void
expect_fast_no_responders(natsConnection *nc)
{
    natsMsg *reply = NULL;
    int64_t  start = test_now_ms();
    int64_t  took;

    CHECK_STATUS(natsConnection_RequestString(&reply, nc, "nobody.listens", "hi", LONG_TIMEOUT),
                 NATS_NO_RESPONDERS);
    took = test_now_ms() - start;
    CHECK(reply == NULL, "no reply message on NATS_NO_RESPONDERS");
    CHECK(took < LONG_TIMEOUT / 2, "no responders should be reported well before the timeout");
}

int
main(int argc, char **argv)
{
    const char       *url = test_url(argc, argv);
    natsConnection   *nc = NULL, *old = NULL, *off = NULL;
    natsOptions      *opts = NULL;
    natsSubscription *inbox = NULL;
    natsMsg          *reply = NULL;
    natsMsg          *req = NULL;

    CHECK_OK(natsConnection_ConnectTo(&nc, url));
    expect_fast_no_responders(nc);
    /* twice: the shared response subscription keeps working */
    expect_fast_no_responders(nc);

    CHECK_OK(natsMsg_Create(&req, "nobody.listens", NULL, "x", 1));
    CHECK_STATUS(natsConnection_RequestMsg(&reply, nc, req, LONG_TIMEOUT), NATS_NO_RESPONDERS);
    CHECK(reply == NULL, "no reply message");
    natsMsg_Destroy(req);

    /* a hand-made request: the 503 lands on our sync subscription and
     * NextMsg reports it as NATS_NO_RESPONDERS */
    CHECK_OK(natsConnection_SubscribeSync(&inbox, nc, "my.inbox"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsConnection_PublishRequestString(nc, "nobody.listens", "my.inbox", "x"));
    CHECK_STATUS(natsSubscription_NextMsg(&reply, inbox, LONG_TIMEOUT), NATS_NO_RESPONDERS);
    CHECK(reply == NULL, "no message handed out for a no-responders status");
    natsSubscription_Destroy(inbox);

    /* old request style */
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_UseOldRequestStyle(opts, true));
    CHECK_OK(natsConnection_Connect(&old, opts));
    natsOptions_Destroy(opts);
    opts = NULL;
    expect_fast_no_responders(old);

    /* disabled: the request simply times out */
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_DisableNoResponders(opts, true));
    CHECK_OK(natsConnection_Connect(&off, opts));
    natsOptions_Destroy(opts);
    CHECK_STATUS(natsConnection_RequestString(&reply, off, "nobody.listens", "hi", 300),
                 NATS_TIMEOUT);
    CHECK(reply == NULL, "no reply message on timeout");

    natsConnection_Destroy(off);
    natsConnection_Destroy(old);
    natsConnection_Destroy(nc);
    nats_Close();
    TEST_PASS("no_responders");
    return 0;
}
