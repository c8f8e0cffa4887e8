/*
 * invalid_args: misuse gets a status, never a crash. NULL handles and
 * out-parameters are NATS_INVALID_ARG; bad subjects and queue names have
 * their own statuses; timeouts that nats.c refuses are NATS_INVALID_TIMEOUT;
 * nats_GetLastError describes the last failure. Destroy functions accept
 * NULL. The expected statuses are the ones nats.c returns.
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

/* nats_GetLastError reports the status just returned, with some text. */
static void
expect_last_error(natsStatus expected)
{
    natsStatus  st = NATS_OK;
    const char *txt = nats_GetLastError(&st);
    CHECK(txt != NULL && txt[0] != '\0', "nats_GetLastError has text after a failure");
    CHECK(st == expected, "nats_GetLastError reports the failed status");
}

int
main(int argc, char **argv)
{
    const char       *url = test_url(argc, argv);
    natsConnection   *nc = NULL, *bad = NULL;
    natsOptions      *opts = NULL;
    natsSubscription *sub = NULL, *tmp = NULL;
    natsMsg          *m = NULL, *reply = NULL;
    const char       *val = NULL;

    /* connecting */
#ifdef NATS_RS_H
    /* nats.c does not check these out-parameters (Connect/ConnectTo write
     * through them after connecting; natsOptions_Create and natsMsg_Create
     * crash); nats_rs refuses them. Only built against nats_rs's header. */
    CHECK_STATUS(natsConnection_ConnectTo(NULL, url), NATS_INVALID_ARG);
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_STATUS(natsConnection_Connect(NULL, opts), NATS_INVALID_ARG);
    natsOptions_Destroy(opts);
    opts = NULL;
    CHECK_STATUS(natsOptions_Create(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(natsMsg_Create(NULL, "foo", NULL, "a", 1), NATS_INVALID_ARG);
#endif
    CHECK_STATUS(natsOptions_SetURL(NULL, url), NATS_INVALID_ARG);
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_STATUS(natsOptions_SetTimeout(opts, -1), NATS_INVALID_ARG);
    CHECK_STATUS(natsOptions_SetMaxPendingMsgs(opts, 0), NATS_INVALID_ARG);
    natsOptions_Destroy(opts);
    /* nothing listens on port 1 */
    CHECK_STATUS(natsConnection_ConnectTo(&bad, "nats://127.0.0.1:1"), NATS_NO_SERVER);
    CHECK(bad == NULL, "no connection handed out on failure");
    expect_last_error(NATS_NO_SERVER);

    CHECK_OK(natsConnection_ConnectTo(&nc, url));

    /* publishing */
    CHECK_STATUS(natsConnection_Publish(NULL, "foo", "a", 1), NATS_INVALID_ARG);
    expect_last_error(NATS_INVALID_ARG);
    CHECK_STATUS(natsConnection_PublishString(NULL, "foo", "a"), NATS_INVALID_ARG);
    CHECK_STATUS(natsConnection_Publish(nc, NULL, "a", 1), NATS_INVALID_SUBJECT);
    CHECK_STATUS(natsConnection_Publish(nc, "", "a", 1), NATS_INVALID_SUBJECT);
    expect_last_error(NATS_INVALID_SUBJECT);
    CHECK_STATUS(natsConnection_PublishString(nc, "", "a"), NATS_INVALID_SUBJECT);
#if NATS_VERSION_NUMBER >= 0x030E00
    /* checked by nats.c 3.14; 3.4.1 crashes */
    CHECK_STATUS(natsConnection_PublishMsg(nc, NULL), NATS_INVALID_ARG);
#endif
    CHECK_STATUS(natsConnection_PublishRequest(nc, "foo", NULL, "a", 1), NATS_INVALID_ARG);
    CHECK_STATUS(natsConnection_PublishRequest(nc, "foo", "", "a", 1), NATS_INVALID_ARG);
    CHECK_STATUS(natsConnection_PublishRequestString(nc, "foo", NULL, "a"), NATS_INVALID_ARG);

    /* messages and headers */
    CHECK_STATUS(natsMsg_Create(&m, NULL, NULL, "a", 1), NATS_INVALID_ARG);
    CHECK(m == NULL, "no message created");
    CHECK_STATUS(natsMsg_Create(&m, "", NULL, "a", 1), NATS_INVALID_ARG);
    CHECK_STATUS(natsMsg_Create(&m, "foo", "", "a", 1), NATS_INVALID_ARG);
    CHECK_STATUS(natsMsgHeader_Set(NULL, "k", "v"), NATS_INVALID_ARG);
    CHECK_OK(natsMsg_Create(&m, "foo", NULL, NULL, 0));
    CHECK_STATUS(natsMsgHeader_Set(m, NULL, "v"), NATS_INVALID_ARG);
    CHECK_STATUS(natsMsgHeader_Set(m, "", "v"), NATS_INVALID_ARG);
    CHECK_STATUS(natsMsgHeader_Add(m, "", "v"), NATS_INVALID_ARG);
    CHECK_STATUS(natsMsgHeader_Get(m, "k", NULL), NATS_INVALID_ARG);
    CHECK_STATUS(natsMsgHeader_Get(m, NULL, &val), NATS_INVALID_ARG);
    CHECK_STATUS(natsMsgHeader_Delete(m, ""), NATS_INVALID_ARG);
    CHECK_STATUS(natsMsgHeader_Keys(m, NULL, NULL), NATS_INVALID_ARG);
    natsMsg_Destroy(m);
    m = NULL;

    /* subscribing */
    CHECK_STATUS(natsConnection_SubscribeSync(&sub, NULL, "foo"), NATS_INVALID_ARG);
    CHECK_STATUS(natsConnection_Subscribe(&sub, nc, "foo", NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(natsConnection_SubscribeSync(&sub, nc, NULL), NATS_INVALID_SUBJECT);
    CHECK_STATUS(natsConnection_SubscribeSync(&sub, nc, ""), NATS_INVALID_SUBJECT);
    CHECK_STATUS(natsConnection_SubscribeSync(&sub, nc, "foo..bar"), NATS_INVALID_SUBJECT);
    expect_last_error(NATS_INVALID_SUBJECT);
    CHECK_STATUS(natsConnection_SubscribeSync(&sub, nc, "foo bar"), NATS_INVALID_SUBJECT);
    CHECK_STATUS(natsConnection_SubscribeSync(&sub, nc, ".foo"), NATS_INVALID_SUBJECT);
    CHECK_STATUS(natsConnection_SubscribeSync(&sub, nc, "foo."), NATS_INVALID_SUBJECT);
    CHECK_STATUS(natsConnection_Subscribe(&sub, nc, "foo bar", onMsg, NULL), NATS_INVALID_SUBJECT);
    CHECK(sub == NULL, "no subscription created");
    CHECK_STATUS(natsConnection_QueueSubscribeSync(&sub, nc, "foo", "bad queue"),
                 NATS_INVALID_QUEUE_NAME);
    expect_last_error(NATS_INVALID_QUEUE_NAME);
    CHECK_STATUS(natsConnection_QueueSubscribe(&sub, nc, "foo", "bad\tqueue", onMsg, NULL),
                 NATS_INVALID_QUEUE_NAME);
    CHECK_STATUS(natsConnection_QueueSubscribeSync(&sub, nc, "foo", ""), NATS_INVALID_ARG);
    CHECK_STATUS(natsConnection_QueueSubscribeSync(&sub, nc, "foo", NULL), NATS_INVALID_ARG);
    CHECK_STATUS(natsConnection_QueueSubscribe(&sub, nc, "foo", "q", NULL, NULL), NATS_INVALID_ARG);
    CHECK(sub == NULL, "no subscription created");

    /* subscription calls */
    CHECK_OK(natsConnection_SubscribeSync(&tmp, nc, "valid.subject"));
    CHECK_STATUS(natsSubscription_NextMsg(NULL, tmp, 100), NATS_INVALID_ARG);
    CHECK_STATUS(natsSubscription_NextMsg(&m, NULL, 100), NATS_INVALID_ARG);
    CHECK_STATUS(natsSubscription_SetPendingLimits(tmp, 0, 100), NATS_INVALID_ARG);
    CHECK_STATUS(natsSubscription_SetPendingLimits(tmp, 100, 0), NATS_INVALID_ARG);
    CHECK_STATUS(natsSubscription_SetPendingLimits(NULL, 10, 10), NATS_INVALID_ARG);
    CHECK_STATUS(natsSubscription_AutoUnsubscribe(NULL, 1), NATS_INVALID_ARG);
    CHECK_STATUS(natsSubscription_Unsubscribe(NULL), NATS_INVALID_ARG);
    CHECK(!natsSubscription_IsValid(NULL), "NULL subscription is not valid");
    CHECK_OK(natsSubscription_Unsubscribe(tmp));
    CHECK_STATUS(natsSubscription_Unsubscribe(tmp), NATS_INVALID_SUBSCRIPTION);
    CHECK_STATUS(natsSubscription_NextMsg(&m, tmp, 100), NATS_INVALID_SUBSCRIPTION);
    natsSubscription_Destroy(tmp);

    /* timeouts */
    CHECK_STATUS(natsConnection_FlushTimeout(nc, 0), NATS_INVALID_TIMEOUT);
    CHECK_STATUS(natsConnection_FlushTimeout(nc, -5), NATS_INVALID_TIMEOUT);
    expect_last_error(NATS_INVALID_TIMEOUT);
    CHECK_STATUS(natsConnection_FlushTimeout(NULL, 1000), NATS_INVALID_ARG);
    CHECK_STATUS(natsConnection_Flush(NULL), NATS_INVALID_ARG);

    /* requests */
    CHECK_STATUS(natsConnection_RequestString(NULL, nc, "foo", "a", 1000), NATS_INVALID_ARG);
    CHECK_STATUS(natsConnection_RequestString(&reply, NULL, "foo", "a", 1000), NATS_INVALID_ARG);
    CHECK_STATUS(natsConnection_RequestMsg(&reply, nc, NULL, 1000), NATS_INVALID_ARG);
    CHECK_STATUS(natsConnection_Request(&reply, nc, "", "a", 1, 1000), NATS_INVALID_SUBJECT);
    CHECK(reply == NULL, "no reply");

    /* Destroy functions accept NULL */
    natsConnection_Destroy(NULL);
    natsSubscription_Destroy(NULL);
    natsMsg_Destroy(NULL);
    natsOptions_Destroy(NULL);
    natsStatistics_Destroy(NULL);
    natsConnection_Close(NULL);

    /* status texts */
    CHECK(natsStatus_GetText(NATS_TIMEOUT) != NULL && natsStatus_GetText(NATS_TIMEOUT)[0] != '\0',
          "natsStatus_GetText");
    CHECK(strcmp(natsStatus_GetText(NATS_OK), "OK") == 0, "text of NATS_OK");

    /* the connection is still fine after all that */
    CHECK_OK(natsConnection_Flush(nc));
    natsConnection_Destroy(nc);
    nats_Close();
    TEST_PASS("invalid_args");
    return 0;
}
