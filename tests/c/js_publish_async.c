// server-config: jetstream: enabled
// modes: c cxx valgrind
/*
 * js_publish_async: asynchronous JetStream publishing. 100,000 messages
 * under MaxPending 1,000 with every ack handed to the AckHandler exactly
 * once; a wait that times out and the pending list handing the messages
 * back; the ErrHandler with the error's status and code (and a resend
 * from inside it); who owns the message on success and on failure; a
 * context destroyed with acks outstanding.
 */
#include <nats.h>
#include "check.h"

#define N 100000

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

/* What the AckHandler saw; written on the library's thread. */
struct acks {
    jsCtx        *js;
    int          *per_seq; /* N + 1 counters */
    int           total;
    int           bad;      /* wrong stream, sequence out of range, wrong context */
    int           failed;   /* calls with a jsPubAckErr */
    natsStatus    fail_status;
    int           fail_msg_null; /* pae->Msg was NULL, as nats.c passes it */
    char          fail_data[32];
};

static void
on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
    struct acks *a = (struct acks *) closure;

    if (js != __atomic_load_n(&a->js, __ATOMIC_SEQ_CST) || msg == NULL)
        __atomic_add_fetch(&a->bad, 1, __ATOMIC_SEQ_CST);
    if (pa != NULL && pae == NULL) {
        if (strcmp(pa->Stream, "BULK") != 0 || pa->Sequence < 1 || pa->Sequence > N)
            __atomic_add_fetch(&a->bad, 1, __ATOMIC_SEQ_CST);
        else
            __atomic_add_fetch(&a->per_seq[pa->Sequence], 1, __ATOMIC_SEQ_CST);
    } else if (pa == NULL && pae != NULL) {
        a->fail_status = pae->Err;
        a->fail_msg_null = (pae->Msg == NULL);
        snprintf(a->fail_data, sizeof(a->fail_data), "%.*s",
                 natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
        __atomic_add_fetch(&a->failed, 1, __ATOMIC_SEQ_CST);
    } else {
        __atomic_add_fetch(&a->bad, 1, __ATOMIC_SEQ_CST);
    }
    /* The AckHandler owns the message. */
    natsMsg_Destroy(msg);
    __atomic_add_fetch(&a->total, 1, __ATOMIC_SEQ_CST);
}

/* What the ErrHandler saw. */
struct errs {
    jsCtx      *js;
    int         calls;
    int         resent;
    int         resend_cleared; /* the resend set pae->Msg to NULL */
    natsStatus  status[8];
    int         code[8];
    char        data[8][16];
};

static void
on_err(jsCtx *js, jsPubAckErr *pae, void *closure)
{
    struct errs *e = (struct errs *) closure;
    int          i = e->calls;

    if (i < 8) {
        e->status[i] = pae->Err;
        e->code[i] = (int) pae->ErrCode;
        snprintf(e->data[i], sizeof(e->data[i]), "%.*s",
                 natsMsg_GetDataLength(pae->Msg), natsMsg_GetData(pae->Msg));
        CHECK(pae->ErrText != NULL && pae->ErrText[0] != '\0', "an error text");
        CHECK(js == e->js, "the handler gets its context");
    }
    /* Resend the message once: the library takes it back. */
    if (strcmp(e->data[i < 8 ? i : 7], "again") == 0 && e->resent == 0) {
        e->resent = 1;
        if (js_PublishMsgAsync(js, &pae->Msg, NULL) == NATS_OK)
            e->resend_cleared = (pae->Msg == NULL);
    }
    /* Otherwise the library destroys pae->Msg after this returns. */
    __atomic_add_fetch(&e->calls, 1, __ATOMIC_SEQ_CST);
}

/* nats.c allows destroying the context from its error handler. */
static void
destroy_in_handler(jsCtx *js, jsPubAckErr *pae, void *closure)
{
    (void) pae;
    jsCtx_Destroy(js);
    __atomic_add_fetch((int *) closure, 1, __ATOMIC_SEQ_CST);
}

int
main(int argc, char **argv)
{
    const char     *url = test_url(argc, argv);
    natsConnection *nc = NULL;
    natsSubscription *silent = NULL;
    jsCtx          *js = NULL;
    jsOptions       o;
    jsPubOptions    po;
    natsMsg        *msg = NULL;
    natsMsgList     list;
    struct acks     a;
    struct errs     e;
    char            body[32];
    int             i;
    int             destroyed = 0;

    memset(&a, 0, sizeof(a));
    memset(&e, 0, sizeof(e));
    a.per_seq = (int *) calloc(N + 1, sizeof(int));
    CHECK(a.per_seq != NULL, "memory");

    CHECK_OK(natsConnection_ConnectTo(&nc, url));
    add_stream(nc, "BULK", "{\"name\":\"BULK\",\"subjects\":[\"bulk\"]}");
    add_stream(nc, "E", "{\"name\":\"E\",\"subjects\":[\"e\"]}");
    /* Someone listens on 'void' but never answers: those acks never come. */
    CHECK_OK(natsConnection_SubscribeSync(&silent, nc, "void"));
    CHECK_OK(natsConnection_Flush(nc));

    /* 100,000 publishes, at most 1,000 awaiting their ack. */
    CHECK_OK(jsOptions_Init(&o));
    o.PublishAsync.MaxPending = 1000;
    o.PublishAsync.StallWait = 30000;
    o.PublishAsync.AckHandler = on_ack;
    o.PublishAsync.AckHandlerClosure = &a;
    o.PublishAsync.ErrHandler = on_err; /* not used: the AckHandler wins */
    o.PublishAsync.ErrHandlerClosure = &e;
    CHECK_OK(natsConnection_JetStream(&js, nc, &o));
    __atomic_store_n(&a.js, js, __ATOMIC_SEQ_CST);

    /* Bad arguments. */
    CHECK_STATUS(js_PublishAsync(NULL, "bulk", "x", 1, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_PublishAsync(js, NULL, "x", 1, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_PublishAsync(js, "bulk", "x", -1, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_PublishMsgAsync(js, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_PublishMsgAsync(js, &msg, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_PublishAsyncComplete(NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_PublishAsyncGetPendingList(NULL, js), NATS_INVALID_ARG);
    CHECK_STATUS(js_PublishAsyncGetPendingList(&list, NULL), NATS_INVALID_ARG);
    CHECK_OK(jsPubOptions_Init(&po));
    po.MaxWait = -1;
    CHECK_STATUS(js_PublishAsyncComplete(js, &po), NATS_INVALID_ARG);

    /* A failed publish leaves the message with the caller. */
    CHECK_OK(natsMsg_Create(&msg, "bulk", NULL, "kept", 4));
    CHECK_OK(jsPubOptions_Init(&po));
    po.MsgTTL = -1;
    CHECK_STATUS(js_PublishMsgAsync(js, &msg, &po), NATS_INVALID_ARG);
    CHECK(msg != NULL, "the caller keeps the message on failure");
    natsMsg_Destroy(msg);
    msg = NULL;

    for (i = 0; i < N - 1; i++) {
        snprintf(body, sizeof(body), "m%d", i);
        CHECK_OK(js_PublishAsync(js, "bulk", body, (int) strlen(body), NULL));
    }
    /* The last one as a message: on success the library takes it. */
    CHECK_OK(natsMsg_Create(&msg, "bulk", NULL, "last", 4));
    CHECK_OK(js_PublishMsgAsync(js, &msg, NULL));
    CHECK(msg == NULL, "the library owns the message on success");
    natsMsg_Destroy(msg); /* NULL: nothing */

    CHECK_OK(jsPubOptions_Init(&po));
    po.MaxWait = 120000;
    CHECK_OK(js_PublishAsyncComplete(js, &po));
    CHECK(__atomic_load_n(&a.total, __ATOMIC_SEQ_CST) == N, "every ack handled");
    CHECK(a.bad == 0, "every ack well-formed, with its context");
    CHECK(a.failed == 0, "no failure");
    for (i = 1; i <= N; i++)
        CHECK(a.per_seq[i] == 1, "each sequence acked exactly once");
    CHECK(e.calls == 0, "the ErrHandler is not used with an AckHandler");
    CHECK_STATUS(js_PublishAsyncGetPendingList(&list, js), NATS_NOT_FOUND);

    /* A failure reaches the AckHandler with a jsPubAckErr. */
    CHECK_OK(js_PublishAsync(js, "nowhere", "lost", 4, NULL));
    CHECK_OK(js_PublishAsyncComplete(js, &po));
    CHECK(a.failed == 1, "the failure is handled");
    CHECK(a.fail_status == NATS_NO_RESPONDERS, "no stream: no responders");
    CHECK(a.fail_msg_null, "pae->Msg is NULL, the message is the argument");
    CHECK(strcmp(a.fail_data, "lost") == 0, "the failed message");
    jsCtx_Destroy(js);
    js = NULL;

    /* Acks that never come: the wait times out and the pending list
     * hands the messages back, oldest first, to the caller. */
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    for (i = 0; i < 10; i++) {
        snprintf(body, sizeof(body), "p%d", i);
        CHECK_OK(js_PublishAsync(js, "void", body, (int) strlen(body), NULL));
    }
    CHECK_OK(jsPubOptions_Init(&po));
    po.MaxWait = 300;
    CHECK_STATUS(js_PublishAsyncComplete(js, &po), NATS_TIMEOUT);
    memset(&list, 0, sizeof(list));
    CHECK_OK(js_PublishAsyncGetPendingList(&list, js));
    CHECK(list.Count == 10 && list.Msgs != NULL, "ten pending");
    for (i = 0; i < list.Count; i++) {
        snprintf(body, sizeof(body), "p%d", i);
        CHECK(list.Msgs[i] != NULL, "a message");
        CHECK(strcmp(natsMsg_GetData(list.Msgs[i]), body) == 0, "oldest first");
        CHECK(strcmp(natsMsg_GetSubject(list.Msgs[i]), "void") == 0, "its subject");
        /* The test owns them now. */
        natsMsg_Destroy(list.Msgs[i]);
        list.Msgs[i] = NULL;
    }
    natsMsgList_Destroy(&list); /* frees the array only: every entry is NULL */
    CHECK_STATUS(js_PublishAsyncGetPendingList(&list, js), NATS_NOT_FOUND);
    CHECK_OK(js_PublishAsyncComplete(js, &po));

    /* Destroyed with acks outstanding: the library frees those messages. */
    for (i = 0; i < 5; i++)
        CHECK_OK(js_PublishAsync(js, "void", "x", 1, NULL));
    jsCtx_Destroy(js);
    js = NULL;

    /* Stalled at MaxPending past StallWait: NATS_TIMEOUT, and the caller
     * keeps the message. */
    CHECK_OK(jsOptions_Init(&o));
    o.PublishAsync.MaxPending = 1;
    o.PublishAsync.StallWait = 100;
    CHECK_OK(natsConnection_JetStream(&js, nc, &o));
    CHECK_OK(js_PublishAsync(js, "void", "first", 5, NULL));
    CHECK_OK(natsMsg_Create(&msg, "void", NULL, "second", 6));
    CHECK_STATUS(js_PublishMsgAsync(js, &msg, NULL), NATS_TIMEOUT);
    CHECK(msg != NULL, "the caller keeps the message it could not publish");
    CHECK(strcmp(natsMsg_GetData(msg), "second") == 0, "intact");
    natsMsg_Destroy(msg);
    msg = NULL;
    jsCtx_Destroy(js);
    js = NULL;

    /* The ErrHandler: a refusal (with its code), a local timeout, no
     * responders, and a message resent from inside the handler. */
    CHECK_OK(jsOptions_Init(&o));
    o.PublishAsync.ErrHandler = on_err;
    o.PublishAsync.ErrHandlerClosure = &e;
    CHECK_OK(natsConnection_JetStream(&js, nc, &o));
    e.js = js;
    CHECK_OK(js_PublishAsync(js, "e", "fine", 4, NULL)); /* no handler call */
    CHECK_OK(jsPubOptions_Init(&po));
    po.ExpectLastSeq = 99;
    CHECK_OK(js_PublishAsync(js, "e", "refused", 7, &po));
    CHECK(test_wait_count(&e.calls, 1, 10000) == 1, "the refusal is reported");
    CHECK_OK(jsPubOptions_Init(&po));
    po.MaxWait = 200;
    CHECK_OK(js_PublishAsync(js, "void", "late", 4, &po));
    CHECK(test_wait_count(&e.calls, 2, 10000) == 2, "the timeout is reported");
    CHECK_OK(js_PublishAsync(js, "nowhere", "again", 5, NULL));
    CHECK(test_wait_count(&e.calls, 4, 10000) == 4, "the failure, then the resent one's");
    CHECK_OK(jsPubOptions_Init(&po));
    po.MaxWait = 10000;
    CHECK_OK(js_PublishAsyncComplete(js, &po));

    CHECK(e.status[0] == NATS_ERR && e.code[0] == JSStreamWrongLastSequenceErr,
          "refused: NATS_ERR with the server's code");
    CHECK(strcmp(e.data[0], "refused") == 0, "with its message");
    CHECK(e.status[1] == NATS_TIMEOUT && e.code[1] == 0, "no ack within MaxWait");
    CHECK(strcmp(e.data[1], "late") == 0, "with its message");
    CHECK(e.status[2] == NATS_NO_RESPONDERS && strcmp(e.data[2], "again") == 0,
          "no stream for the subject");
    CHECK(e.resent == 1 && e.resend_cleared, "the resend took the message");
    CHECK(e.status[3] == NATS_NO_RESPONDERS && strcmp(e.data[3], "again") == 0,
          "the resent message failed again");
    CHECK(e.calls == 4, "nothing else");

    jsCtx_Destroy(js);
    js = NULL;

    /* A context destroyed by its own error handler, with another message
     * still awaiting its ack (freed with the context). */
    CHECK_OK(jsOptions_Init(&o));
    o.PublishAsync.ErrHandler = destroy_in_handler;
    o.PublishAsync.ErrHandlerClosure = &destroyed;
    CHECK_OK(natsConnection_JetStream(&js, nc, &o));
    CHECK_OK(js_PublishAsync(js, "void", "waiting", 7, NULL));
    CHECK_OK(js_PublishAsync(js, "nowhere", "x", 1, NULL));
    CHECK(test_wait_count(&destroyed, 1, 10000) == 1, "the handler destroyed its context");
    js = NULL; /* gone */

    natsSubscription_Destroy(silent);
    natsConnection_Destroy(nc);
    free(a.per_seq);
    nats_Close();
    return 0;
}
