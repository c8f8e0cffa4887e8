// server-config: jetstream: enabled
// modes: c cxx valgrind natsc
/*
 * js_acks: acknowledging messages of a durable pull consumer through the C
 * API, and what their metadata says. An ack is final (a second one does
 * nothing); a Nak brings the message back with a delivery count of 2; a Nak
 * with a delay brings it back no sooner; Term stops it for good; InProgress
 * keeps it from being redelivered past its ack wait; AckSync on a message
 * whose consumer was deleted fails instead of hanging. Messages that no
 * JetStream subscription delivered cannot be acknowledged. Runs unchanged
 * on nats.c 3.4.1 (the natsc mode).
 */
#include <nats.h>
#include "check.h"

#define MS ((int64_t) 1000000)

/* Creates a memory stream with a raw API request (same on every header). */
static void
create_stream(natsConnection *nc)
{
    const char *body = "{\"name\":\"ACKS\",\"subjects\":[\"acks.>\"],\"storage\":\"memory\"}";
    natsMsg *reply = NULL;

    CHECK_OK(natsConnection_Request(&reply, nc, "$JS.API.STREAM.CREATE.ACKS", body,
                                    (int) strlen(body), 5000));
    CHECK(strstr(natsMsg_GetData(reply), "\"error\"") == NULL, natsMsg_GetData(reply));
    natsMsg_Destroy(reply);
}

static void
publish(jsCtx *js, const char *data)
{
    jsPubAck *pa = NULL;

    CHECK_OK(js_Publish(&pa, js, "acks.x", data, (int) strlen(data), NULL, NULL));
    jsPubAck_Destroy(pa);
}

/* Fetches exactly one message, waiting up to `ms`. */
static natsMsg *
fetch_one(natsSubscription *sub, int64_t ms)
{
    natsMsgList list = {NULL, 0};
    natsMsg *m = NULL;

    CHECK_OK(natsSubscription_Fetch(&list, sub, 1, ms, NULL));
    CHECK(list.Count == 1, "one message fetched");
    m = list.Msgs[0];
    list.Msgs[0] = NULL;
    natsMsgList_Destroy(&list);
    return m;
}

static int
data_is(natsMsg *m, const char *data)
{
    return natsMsg_GetDataLength(m) == (int) strlen(data)
        && memcmp(natsMsg_GetData(m), data, strlen(data)) == 0;
}

/* The message's delivery count and stream sequence, from its metadata. */
static void
meta_of(natsMsg *m, uint64_t *delivered, uint64_t *sseq)
{
    jsMsgMetaData *meta = NULL;

    CHECK_OK(natsMsg_GetMetaData(&meta, m));
    *delivered = meta->NumDelivered;
    *sseq = meta->Sequence.Stream;
    jsMsgMetaData_Destroy(meta);
}

int
main(int argc, char **argv)
{
    const char       *url = test_url(argc, argv);
    natsConnection   *nc = NULL;
    natsSubscription *sub = NULL;
    natsSubscription *core = NULL;
    jsCtx            *js = NULL;
    jsSubOptions      so;
    jsOptions         sync;
    jsMsgMetaData    *meta = NULL;
    jsErrCode         jerr = (jsErrCode) 0;
    natsMsg          *m = NULL;
    natsMsg          *m2 = NULL;
    natsMsgList       list = {NULL, 0};
    uint64_t          delivered = 0, sseq = 0;
    int64_t           start = 0;
    int               i;

    CHECK_OK(natsConnection_ConnectTo(&nc, url));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    create_stream(nc);
    publish(js, "one");
    publish(js, "two");
    publish(js, "three");
    publish(js, "four");
    publish(js, "five");

    /* A wait makes any acknowledgement wait for the server's answer, so
     * the next fetch sees its effect. */
    CHECK_OK(jsOptions_Init(&sync));
    sync.Wait = 5000;
    CHECK_OK(jsSubOptions_Init(&so));
    so.Config.AckWait = 1000 * MS;
    CHECK_OK(js_PullSubscribe(&sub, js, "acks.x", "dur", NULL, &so, &jerr));

    /* Metadata of the first delivery, then an ack; a second ack does nothing. */
    m = fetch_one(sub, 5000);
    CHECK(data_is(m, "one"), "first message");
    CHECK_OK(natsMsg_GetMetaData(&meta, m));
    CHECK(strcmp(meta->Stream, "ACKS") == 0, "stream name");
    CHECK(strcmp(meta->Consumer, "dur") == 0, "consumer name");
    CHECK(meta->NumDelivered == 1, "first delivery");
    CHECK(meta->Sequence.Stream == 1 && meta->Sequence.Consumer == 1, "sequences");
    CHECK(meta->NumPending == 4, "four left");
    CHECK(meta->Timestamp > 0, "stored time");
    CHECK(meta->Domain == NULL, "no domain");
    jsMsgMetaData_Destroy(meta);
    meta = NULL;
    CHECK_OK(natsMsg_Ack(m, NULL));
    CHECK_OK(natsMsg_Ack(m, NULL));
    CHECK_OK(natsMsg_AckSync(m, NULL, &jerr));
    natsMsg_Destroy(m);

    /* Nak: the same message again, delivered twice. */
    m = fetch_one(sub, 5000);
    CHECK(data_is(m, "two"), "second message");
    CHECK_OK(natsMsg_Nak(m, &sync));
    natsMsg_Destroy(m);
    m = fetch_one(sub, 5000);
    CHECK(data_is(m, "two"), "second message redelivered");
    meta_of(m, &delivered, &sseq);
    CHECK(delivered == 2 && sseq == 2, "delivered twice");
    CHECK_OK(natsMsg_AckSync(m, NULL, &jerr));
    CHECK(jerr == 0, "no error code");
    natsMsg_Destroy(m);

    /* Term: never again; the next fetch gets the next message. */
    m = fetch_one(sub, 5000);
    CHECK(data_is(m, "three"), "third message");
    CHECK_OK(natsMsg_Term(m, &sync));
    natsMsg_Destroy(m);
    m = fetch_one(sub, 5000);
    CHECK(data_is(m, "four"), "terminated message not redelivered");
    CHECK_OK(natsMsg_Ack(m, NULL));
    natsMsg_Destroy(m);

    /* Nak with a delay: back, but not before the delay. */
    m = fetch_one(sub, 5000);
    CHECK(data_is(m, "five"), "fifth message");
    start = test_now_ms();
    CHECK_OK(natsMsg_NakWithDelay(m, 700, &sync));
    natsMsg_Destroy(m);
    m = fetch_one(sub, 10000);
    CHECK(data_is(m, "five"), "delayed redelivery");
    CHECK(test_now_ms() - start >= 600, "not redelivered before the delay");

    /* InProgress past the 1 s ack wait keeps the message ours. */
    for (i = 0; i < 5; i++)
    {
        nats_Sleep(300);
        CHECK_OK(natsMsg_InProgress(m, NULL));
    }
    CHECK_OK(natsMsg_AckSync(m, NULL, NULL));
    natsMsg_Destroy(m);
    CHECK_STATUS(natsSubscription_Fetch(&list, sub, 1, 1500, NULL), NATS_TIMEOUT);
    CHECK(list.Count == 0, "nothing redelivered");

    /* AckSync whose consumer is gone: an error, not a hang. */
    publish(js, "six");
    m = fetch_one(sub, 5000);
    CHECK(data_is(m, "six"), "sixth message");
    CHECK_OK(js_DeleteConsumer(js, "ACKS", "dur", NULL, &jerr));
    start = test_now_ms();
    CHECK(natsMsg_AckSync(m, NULL, &jerr) != NATS_OK, "ack of a deleted consumer");
    CHECK(test_now_ms() - start < 15000, "no hang");
    natsMsg_Destroy(m);

    /* Messages no JetStream subscription delivered. */
    CHECK_STATUS(natsMsg_Ack(NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(natsMsg_GetMetaData(&meta, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(natsMsg_GetMetaData(NULL, NULL), NATS_INVALID_ARG);
    CHECK_OK(natsMsg_Create(&m2, "acks.x", "$JS.ACK.ACKS.dur.1.1.1.1.0", "x", 1));
    CHECK_STATUS(natsMsg_Ack(m2, NULL), NATS_ILLEGAL_STATE);
    CHECK_STATUS(natsMsg_Term(m2, NULL), NATS_ILLEGAL_STATE);
    CHECK_STATUS(natsMsg_GetMetaData(&meta, m2), NATS_ILLEGAL_STATE);
    CHECK(meta == NULL, "no metadata");
    natsMsg_Destroy(m2);
    CHECK_OK(natsConnection_SubscribeSync(&core, nc, "plain"));
    CHECK_OK(natsConnection_PublishString(nc, "plain", "p"));
    CHECK_OK(natsSubscription_NextMsg(&m2, core, 5000));
    CHECK_STATUS(natsMsg_GetMetaData(&meta, m2), NATS_ILLEGAL_STATE);
    natsMsg_Destroy(m2);
    natsSubscription_Destroy(core);

    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    TEST_PASS("js_acks");
}
