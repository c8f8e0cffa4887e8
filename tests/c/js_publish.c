// server-config: jetstream: enabled
// modes: c cxx valgrind
/*
 * js_publish: synchronous JetStream publishing. The ack's fields, duplicate
 * detection with a message id, each expectation the stream checks (with
 * the refusal's status and error code), no stream for the subject, and
 * bad arguments.
 */
#include <nats.h>
#include "check.h"

/* Creates a stream with a raw API request. The one place to change once
 * js_AddStream is there. */
static void
add_stream(natsConnection *nc, const char *name, const char *config)
{
    char     subj[256];
    natsMsg *reply = NULL;

    snprintf(subj, sizeof(subj), "$JS.API.STREAM.CREATE.%s", name);
    CHECK_OK(natsConnection_Request(&reply, nc, subj, config, (int) strlen(config), 5000));
    CHECK(strstr(natsMsg_GetData(reply), "\"error\"") == NULL, natsMsg_GetData(reply));
    natsMsg_Destroy(reply);
}

/* The last error's text contains `want`. */
static void
check_error_text(const char *want)
{
    natsStatus  s = NATS_OK;
    const char *text = nats_GetLastError(&s);

    if (text == NULL || strstr(text, want) == NULL) {
        fprintf(stderr, "last error '%s' does not contain '%s'\n",
                text != NULL ? text : "(none)", want);
        exit(1);
    }
}

int
main(int argc, char **argv)
{
    const char     *url = test_url(argc, argv);
    natsConnection *nc = NULL;
    jsCtx          *js = NULL;
    jsPubAck       *pa = NULL;
    jsPubOptions    po;
    jsErrCode       jerr = (jsErrCode) 12345;
    natsMsg        *msg = NULL;
    const char     *val = NULL;

    CHECK_OK(natsConnection_ConnectTo(&nc, url));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    add_stream(nc, "ORDERS", "{\"name\":\"ORDERS\",\"subjects\":[\"orders.>\"]}");

    /* Bad arguments. */
    CHECK_STATUS(jsPubOptions_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_Publish(&pa, NULL, "orders.new", "x", 1, NULL, &jerr), NATS_INVALID_ARG);
    CHECK(jerr == 0, "the error code is cleared");
    CHECK_STATUS(js_Publish(&pa, js, NULL, "x", 1, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_Publish(&pa, js, "", "x", 1, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_Publish(&pa, js, "orders.new", "x", -1, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_Publish(&pa, js, "orders.new", NULL, 3, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_PublishMsg(&pa, js, NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK_OK(jsPubOptions_Init(&po));
    po.MaxWait = -1;
    CHECK_STATUS(js_Publish(&pa, js, "orders.new", "x", 1, &po, NULL), NATS_INVALID_ARG);
    check_error_text("option 'MaxWait' (-1) cannot be negative");
    CHECK_OK(jsPubOptions_Init(&po));
    po.MsgTTL = -5;
    CHECK_STATUS(js_Publish(&pa, js, "orders.new", "x", 1, &po, NULL), NATS_INVALID_ARG);
    check_error_text("option 'MsgTTL' (-5) cannot be negative");
    CHECK_OK(jsPubOptions_Init(&po));
    po.Schedule.TTL = -7;
    CHECK_STATUS(js_Publish(&pa, js, "orders.new", "x", 1, &po, NULL), NATS_INVALID_ARG);
    check_error_text("option 'Schedule.TTL' (-7) cannot be negative");
    CHECK(pa == NULL, "no ack on failure");
    jsPubAck_Destroy(NULL);

    /* The ack of a plain publish. */
    CHECK_OK(js_Publish(&pa, js, "orders.new", "first", 5, NULL, &jerr));
    CHECK(jerr == 0, "no error code on success");
    CHECK(pa != NULL, "an ack");
    CHECK(pa->Stream != NULL && strcmp(pa->Stream, "ORDERS") == 0, "stored in ORDERS");
    CHECK(pa->Sequence == 1, "first sequence");
    CHECK(!pa->Duplicate, "not a duplicate");
    CHECK(pa->Domain == NULL, "no domain");
    CHECK(pa->Batch == NULL && pa->Count == 0, "not a batch");
    jsPubAck_Destroy(pa);
    pa = NULL;

    /* A NULL pubAck: the ack is not wanted. */
    CHECK_OK(js_Publish(NULL, js, "orders.new", NULL, 0, NULL, NULL));

    /* Dedup: the same message id again is a duplicate of sequence 3. */
    CHECK_OK(jsPubOptions_Init(&po));
    po.MsgId = "id-1";
    CHECK_OK(js_Publish(&pa, js, "orders.new", "once", 4, &po, NULL));
    CHECK(pa->Sequence == 3 && !pa->Duplicate, "stored once");
    jsPubAck_Destroy(pa);
    CHECK_OK(js_Publish(&pa, js, "orders.new", "once", 4, &po, NULL));
    CHECK(pa->Sequence == 3 && pa->Duplicate, "the second is a duplicate");
    jsPubAck_Destroy(pa);
    pa = NULL;

    /* ExpectLastSeq: a wrong one is refused with its code; the right one passes. */
    CHECK_OK(jsPubOptions_Init(&po));
    po.ExpectLastSeq = 1;
    CHECK_STATUS(js_Publish(&pa, js, "orders.new", "x", 1, &po, &jerr), NATS_ERR);
    CHECK(jerr == JSStreamWrongLastSequenceErr, "wrong last sequence code");
    CHECK((int) jerr == 10071, "code 10071");
    check_error_text("wrong last sequence");
    CHECK(pa == NULL, "no ack on refusal");
    po.ExpectLastSeq = 3;
    CHECK_OK(js_Publish(&pa, js, "orders.new", "x", 1, &po, &jerr));
    CHECK(jerr == 0 && pa->Sequence == 4, "expected last sequence holds");
    jsPubAck_Destroy(pa);
    pa = NULL;

    /* ExpectStream. */
    CHECK_OK(jsPubOptions_Init(&po));
    po.ExpectStream = "OTHER";
    CHECK_STATUS(js_Publish(&pa, js, "orders.new", "x", 1, &po, &jerr), NATS_ERR);
    CHECK(jerr == JSStreamNotMatchErr, "stream does not match");
    po.ExpectStream = "ORDERS";
    CHECK_OK(js_Publish(&pa, js, "orders.new", "x", 1, &po, &jerr));
    CHECK(pa->Sequence == 5, "expected stream holds");
    jsPubAck_Destroy(pa);
    pa = NULL;

    /* ExpectLastMsgId, after a message with an id. */
    CHECK_OK(jsPubOptions_Init(&po));
    po.MsgId = "id-2";
    CHECK_OK(js_Publish(NULL, js, "orders.new", "x", 1, &po, NULL));
    CHECK_OK(jsPubOptions_Init(&po));
    po.ExpectLastMsgId = "id-0";
    CHECK_STATUS(js_Publish(NULL, js, "orders.new", "x", 1, &po, &jerr), NATS_ERR);
    CHECK(jerr == JSStreamWrongLastMsgIDErr, "wrong last message id");
    po.ExpectLastMsgId = "id-2";
    CHECK_OK(js_Publish(NULL, js, "orders.new", "x", 1, &po, &jerr));

    /* ExpectNoMessage and ExpectLastSubjectSeq, per subject. */
    CHECK_OK(jsPubOptions_Init(&po));
    po.ExpectNoMessage = true;
    CHECK_OK(js_Publish(&pa, js, "orders.fresh", "x", 1, &po, NULL));
    CHECK(pa->Sequence == 8, "the first on its subject");
    jsPubAck_Destroy(pa);
    pa = NULL;
    CHECK_STATUS(js_Publish(NULL, js, "orders.fresh", "x", 1, &po, &jerr), NATS_ERR);
    CHECK(jerr == JSStreamWrongLastSequenceErr, "the subject has a message");
    CHECK_OK(jsPubOptions_Init(&po));
    po.ExpectLastSubjectSeq = 7;
    CHECK_STATUS(js_Publish(NULL, js, "orders.fresh", "x", 1, &po, &jerr), NATS_ERR);
    CHECK(jerr == JSStreamWrongLastSequenceErr, "wrong last subject sequence");
    po.ExpectLastSubjectSeq = 8;
    CHECK_OK(js_Publish(NULL, js, "orders.fresh", "x", 1, &po, NULL));

    /* A message built by the caller: its headers are sent, the options'
     * are added to it, and it stays the caller's. */
    CHECK_OK(natsMsg_Create(&msg, "orders.msg", NULL, "built", 5));
    CHECK_OK(natsMsgHeader_Set(msg, "Origin", "test"));
    CHECK_OK(jsPubOptions_Init(&po));
    po.MsgId = "id-3";
    CHECK_OK(js_PublishMsg(&pa, js, msg, &po, &jerr));
    CHECK(pa->Sequence == 10 && !pa->Duplicate, "the message is stored");
    jsPubAck_Destroy(pa);
    pa = NULL;
    CHECK_OK(natsMsgHeader_Get(msg, "Nats-Msg-Id", &val));
    CHECK(strcmp(val, "id-3") == 0, "the option's header is on the message");
    CHECK_OK(natsMsgHeader_Get(msg, "Origin", &val));
    CHECK(strcmp(val, "test") == 0, "the caller's header is kept");
    CHECK_OK(js_PublishMsg(&pa, js, msg, &po, NULL));
    CHECK(pa->Duplicate, "published again: a duplicate");
    jsPubAck_Destroy(pa);
    pa = NULL;
    natsMsg_Destroy(msg);

    /* No stream captures the subject: no responders, JSNotEnabledErr. */
    CHECK_STATUS(js_Publish(&pa, js, "nowhere", "x", 1, NULL, &jerr), NATS_NO_RESPONDERS);
    CHECK(jerr == JSNotEnabledErr, "no responders reports JSNotEnabledErr");
    CHECK(pa == NULL, "no ack");

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return 0;
}
