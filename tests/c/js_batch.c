// server-config: jetstream: enabled
// modes: c cxx valgrind
/*
 * js_batch: atomic batch publishing. A committed batch is stored whole and
 * its ack counts it; an abandoned batch stores nothing; a stream that does
 * not allow atomic publishing refuses with its code; bad arguments.
 */
#include <nats.h>
#include "check.h"

/* A raw API request whose answer must not be an error; returns it. The one
 * place to change once js_AddStream and js_GetStreamInfo are there. */
static natsMsg *
api(natsConnection *nc, const char *what, const char *name, const char *body)
{
    char     subj[256];
    natsMsg *reply = NULL;

    snprintf(subj, sizeof(subj), "$JS.API.STREAM.%s.%s", what, name);
    CHECK_OK(natsConnection_Request(&reply, nc, subj, body, (int) strlen(body), 5000));
    CHECK(strstr(natsMsg_GetData(reply), "\"error\"") == NULL, natsMsg_GetData(reply));
    return reply;
}

static void
add_stream(natsConnection *nc, const char *name, int atomic)
{
    char config[256];

    snprintf(config, sizeof(config),
             "{\"name\":\"%s\",\"subjects\":[\"%s.>\"],\"allow_atomic\":%s}",
             name, name, atomic ? "true" : "false");
    natsMsg_Destroy(api(nc, "CREATE", name, config));
}

/* How many messages the stream holds. */
static long
stored(natsConnection *nc, const char *name)
{
    natsMsg    *info = api(nc, "INFO", name, "");
    const char *p = strstr(natsMsg_GetData(info), "\"messages\":");
    long        n;

    CHECK(p != NULL, "stream state");
    n = strtol(p + strlen("\"messages\":"), NULL, 10);
    natsMsg_Destroy(info);
    return n;
}

static natsMsg *
new_msg(const char *subj, const char *data)
{
    natsMsg *m = NULL;

    CHECK_OK(natsMsg_Create(&m, subj, NULL, data, (int) strlen(data)));
    return m;
}

int
main(int argc, char **argv)
{
    const char       *url = test_url(argc, argv);
    natsConnection   *nc = NULL;
    jsCtx            *js = NULL;
    jsAtomicBatchCtx *b = NULL;
    jsPubAck         *pa = NULL;
    jsErrCode         jerr = (jsErrCode) 12345;
    natsMsg          *m = NULL;
    const char       *val = NULL;
    char              body[16];
    int               i;

    CHECK_OK(natsConnection_ConnectTo(&nc, url));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    add_stream(nc, "B", 1);
    add_stream(nc, "D", 1);
    add_stream(nc, "N", 0);

    /* Bad arguments. */
    m = new_msg("B.x", "0");
    CHECK_STATUS(js_BatchPublishStart(NULL, &pa, js, m, NULL, &jerr), NATS_INVALID_ARG);
    CHECK(jerr == 0, "the error code is cleared");
    CHECK_STATUS(js_BatchPublishStart(&b, &pa, NULL, m, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_BatchPublishStart(&b, &pa, js, NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK(b == NULL, "no batch on bad arguments");
    CHECK_STATUS(js_BatchPublishAdd(&pa, NULL, m, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_BatchPublishCommit(&pa, NULL, m, NULL, NULL), NATS_INVALID_ARG);
    jsAtomicBatchCtx_Destroy(NULL);

    /* A committed batch of ten: staged messages get an empty ack, the
     * commit's ack names the batch and counts it. */
    pa = (jsPubAck *) 1; /* must be overwritten */
    CHECK_OK(js_BatchPublishStart(&b, &pa, js, m, NULL, &jerr));
    CHECK(b != NULL, "a batch");
    CHECK(pa == NULL, "a staged message has no ack");
    CHECK_OK(natsMsgHeader_Get(m, "Nats-Batch-Sequence", &val));
    CHECK(strcmp(val, "1") == 0, "the batch headers are set on the message");
    natsMsg_Destroy(m);
    CHECK(stored(nc, "B") == 0, "nothing stored before the commit");
    for (i = 1; i < 9; i++) {
        snprintf(body, sizeof(body), "%d", i);
        m = new_msg("B.x", body);
        CHECK_OK(js_BatchPublishAdd(NULL, b, m, NULL, &jerr));
        natsMsg_Destroy(m);
    }
    CHECK(stored(nc, "B") == 0, "still nothing stored");
    m = new_msg("B.x", "end");
    CHECK_OK(js_BatchPublishCommit(&pa, b, m, NULL, &jerr));
    natsMsg_Destroy(m);
    CHECK(jerr == 0, "no error code");
    CHECK(pa != NULL, "the commit's ack");
    CHECK(pa->Count == 10, "ten messages in the batch");
    CHECK(pa->Batch != NULL && pa->Batch[0] != '\0', "the batch id");
    CHECK(strcmp(pa->Stream, "B") == 0 && pa->Sequence == 10, "stored in B up to 10");
    jsPubAck_Destroy(pa);
    pa = NULL;
    jsAtomicBatchCtx_Destroy(b);
    b = NULL;
    CHECK(stored(nc, "B") == 10, "all ten stored");

    /* An abandoned batch stores nothing; a later one is stored alone. */
    m = new_msg("D.x", "0");
    CHECK_OK(js_BatchPublishStart(&b, NULL, js, m, NULL, NULL));
    natsMsg_Destroy(m);
    for (i = 1; i < 5; i++) {
        m = new_msg("D.x", "more");
        CHECK_OK(js_BatchPublishAdd(NULL, b, m, NULL, NULL));
        natsMsg_Destroy(m);
    }
    jsAtomicBatchCtx_Destroy(b);
    b = NULL;
    m = new_msg("D.x", "alone");
    CHECK_OK(js_BatchPublishStart(&b, NULL, js, m, NULL, NULL));
    natsMsg_Destroy(m);
    m = new_msg("D.x", "end");
    CHECK_OK(js_BatchPublishCommit(&pa, b, m, NULL, NULL));
    natsMsg_Destroy(m);
    CHECK(pa->Count == 2 && pa->Sequence == 2, "only the later batch");
    jsPubAck_Destroy(pa);
    pa = NULL;
    jsAtomicBatchCtx_Destroy(b);
    b = NULL;
    CHECK(stored(nc, "D") == 2, "the abandoned batch left nothing");

    /* A stream without atomic publishing refuses; the batch context is
     * still handed out, for the caller to destroy. */
    m = new_msg("N.x", "0");
    CHECK_STATUS(js_BatchPublishStart(&b, &pa, js, m, NULL, &jerr), NATS_ERR);
    natsMsg_Destroy(m);
    CHECK(jerr == JSBatchPublishNotEnabledErr, "atomic publish is disabled");
    CHECK(b != NULL, "the context is set even on failure");
    CHECK(pa == NULL, "no ack");
    jsAtomicBatchCtx_Destroy(b);
    CHECK(stored(nc, "N") == 0, "nothing stored");

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return 0;
}
