/*
 * js-pub: publishes to a JetStream stream, first waiting for each ack, then
 * asynchronously with the acks collected at the end.
 *
 *   js-pub [url] [stream] [subject] [count]
 *   js-pub nats://127.0.0.1:4222 ORDERS orders.new 1000
 *
 * Defaults: NATS_DEFAULT_URL, "ORDERS", "orders.new", 100. The server must
 * run with JetStream (nats-server -js). The stream is created when missing.
 * Build: cc js-pub.c -I../include -L../target/release -lnats_rs -o js-pub
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nats.h>

/* Called, on a library thread, for every async publish the server refused
 * or that got no ack. */
static void
on_pub_error(jsCtx *js, jsPubAckErr *pae, void *closure)
{
    int *failed = (int *) closure;

    (void) js;
    (*failed)++;
    fprintf(stderr, "async publish failed: %s (%d)\n", pae->ErrText, (int) pae->Err);
    /* The library destroys pae->Msg after this returns. */
}

/* The stream that captures the subject. Adding a stream that exists with
 * the same configuration succeeds, so running this twice is harmless. */
static natsStatus
ensure_stream(jsCtx *js, const char *stream, const char *subject)
{
    jsStreamConfig cfg;
    jsErrCode      jerr = 0;
    natsStatus     s;

    s = jsStreamConfig_Init(&cfg);
    if (s == NATS_OK)
    {
        cfg.Name = stream;
        cfg.Subjects = &subject;
        cfg.SubjectsLen = 1;
        /* NULL: no stream info wanted back. */
        s = js_AddStream(NULL, js, &cfg, NULL, &jerr);
    }
    if (s != NATS_OK)
        fprintf(stderr, "stream create: %s (JetStream error %d)\n", nats_GetLastError(NULL), (int) jerr);
    return s;
}

int
main(int argc, char **argv)
{
    const char      *url     = (argc > 1) ? argv[1] : NATS_DEFAULT_URL;
    const char      *stream  = (argc > 2) ? argv[2] : "ORDERS";
    const char      *subject = (argc > 3) ? argv[3] : "orders.new";
    int              count   = (argc > 4) ? atoi(argv[4]) : 100;
    natsConnection  *nc      = NULL;
    jsCtx           *js      = NULL;
    jsOptions        jsOpts;
    jsPubAck        *pa      = NULL;
    jsPubOptions     po;
    jsErrCode        jerr    = (jsErrCode) 0;
    natsStatus       s;
    int              failed  = 0;
    int              i;
    char             body[64];

    s = natsConnection_ConnectTo(&nc, url);

    /* A JetStream context; async publishing stalls at 256 pending acks. */
    if (s == NATS_OK)
        s = jsOptions_Init(&jsOpts);
    if (s == NATS_OK)
    {
        jsOpts.PublishAsync.MaxPending = 256;
        jsOpts.PublishAsync.ErrHandler = on_pub_error;
        jsOpts.PublishAsync.ErrHandlerClosure = &failed;
        s = natsConnection_JetStream(&js, nc, &jsOpts);
    }
    if (s == NATS_OK)
        s = ensure_stream(js, stream, subject);

    /* Synchronous: each call returns the server's ack. A message id makes
     * a retried publish a duplicate instead of a second message. */
    if (s == NATS_OK)
        s = jsPubOptions_Init(&po);
    if (s == NATS_OK)
    {
        po.MsgId = "js-pub-first";
        s = js_Publish(&pa, js, subject, "first", 5, &po, &jerr);
    }
    if (s == NATS_OK)
    {
        printf("Stored in '%s' at sequence %" PRIu64 "%s\n", pa->Stream, pa->Sequence,
               pa->Duplicate ? " (duplicate)" : "");
        jsPubAck_Destroy(pa);
    }

    /* Asynchronous: the call returns at once; acks arrive in the background. */
    for (i = 0; (s == NATS_OK) && (i < count); i++)
    {
        snprintf(body, sizeof(body), "order %d", i);
        s = js_PublishAsync(js, subject, body, (int) strlen(body), NULL);
    }
    if (s == NATS_OK)
        s = jsPubOptions_Init(&po);
    if (s == NATS_OK)
    {
        po.MaxWait = 10000; /* wait at most 10 s for the outstanding acks */
        s = js_PublishAsyncComplete(js, &po);
    }

    if (s == NATS_OK)
        printf("Published %d message(s) asynchronously on '%s', %d failed\n", count, subject, failed);
    else
        fprintf(stderr, "js-pub: %s (JetStream error %d)\n", natsStatus_GetText(s), (int) jerr);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return ((s == NATS_OK) && (failed == 0)) ? 0 : 1;
}
