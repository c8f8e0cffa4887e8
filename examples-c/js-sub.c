/*
 * js-sub: reads a JetStream stream through an asynchronous push
 * subscription and acknowledges each message itself (ManualAck).
 *
 *   js-sub [url] [stream] [subject] [count]
 *   js-sub nats://127.0.0.1:4222 ORDERS orders.new 100
 *
 * Defaults: NATS_DEFAULT_URL, "ORDERS", "orders.new", 100. The stream must
 * exist (js-pub makes it) and hold at least `count` messages on `subject`.
 * The library creates an ephemeral consumer for the subscription and
 * deletes it again at natsSubscription_Unsubscribe.
 * Build: cc js-sub.c -I../include -L../target/release -lnats_rs -o js-sub
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nats.h>

static int          want;
static volatile int received;
static volatile int acked;

/* Runs on the subscription's thread, one message at a time. The message
 * is ours: acknowledge it, then destroy it. */
static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    jsMsgMetaData *meta = NULL;
    int            n    = __atomic_load_n(&received, __ATOMIC_SEQ_CST);

    (void) nc;
    (void) sub;
    (void) closure;
    if (n < want)
    {
        /* Where the message sits in the stream, and how often it came. */
        if ((n == 0) && (natsMsg_GetMetaData(&meta, msg) == NATS_OK))
        {
            printf("First: stream sequence %" PRIu64 ", delivered %" PRIu64 " time(s): %.*s\n",
                   meta->Sequence.Stream, meta->NumDelivered,
                   natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
            jsMsgMetaData_Destroy(meta);
        }
        /* Without ManualAck the library would ack after this returns. */
        if (natsMsg_Ack(msg, NULL) == NATS_OK)
            __atomic_add_fetch(&acked, 1, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&received, 1, __ATOMIC_SEQ_CST);
    }
    natsMsg_Destroy(msg);
}

/* Missed heartbeats and the like arrive here. */
static void
on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    fprintf(stderr, "async error: %s\n", natsStatus_GetText(err));
}

int
main(int argc, char **argv)
{
    const char         *url     = (argc > 1) ? argv[1] : NATS_DEFAULT_URL;
    const char         *stream  = (argc > 2) ? argv[2] : "ORDERS";
    const char         *subject = (argc > 3) ? argv[3] : "orders.new";
    int                 count   = (argc > 4) ? atoi(argv[4]) : 100;
    natsOptions        *opts    = NULL;
    natsConnection     *nc      = NULL;
    jsCtx              *js      = NULL;
    natsSubscription   *sub     = NULL;
    jsConsumerInfo     *ci      = NULL;
    jsSubOptions        so;
    jsErrCode           jerr    = (jsErrCode) 0;
    int64_t             deadline;
    natsStatus          s;

    want = count;
    s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, url);
    if (s == NATS_OK)
        s = natsOptions_SetErrorHandler(opts, on_error, NULL);
    if (s == NATS_OK)
        s = natsConnection_Connect(&nc, opts);
    if (s == NATS_OK)
        s = natsConnection_JetStream(&js, nc, NULL);

    /* Bound to the stream by name (no lookup by subject); heartbeats every
     * second let the library notice a consumer that went quiet. */
    if (s == NATS_OK)
        s = jsSubOptions_Init(&so);
    if (s == NATS_OK)
    {
        so.Stream = stream;
        so.ManualAck = true;
        so.Config.DeliverPolicy = js_DeliverAll;
        so.Config.Heartbeat = 1000000000; /* nanoseconds */
        s = js_Subscribe(&sub, js, subject, on_msg, NULL, NULL, &so, &jerr);
    }

    /* Wait (at most 10 s) for the messages. */
    deadline = nats_Now() + 10000;
    while ((s == NATS_OK) && (__atomic_load_n(&received, __ATOMIC_SEQ_CST) < want))
    {
        if (nats_Now() > deadline)
            s = NATS_TIMEOUT;
        nats_Sleep(10);
    }
    if (s == NATS_OK)
        printf("Received %d message(s) on '%s', acknowledged %d\n", received, subject, acked);

    /* The consumer the library made for us. */
    if (s == NATS_OK)
        s = natsSubscription_GetConsumerInfo(&ci, sub, NULL, &jerr);
    if (s == NATS_OK)
    {
        printf("Consumer of '%s': %" PRIu64 " delivered, %" PRIu64 " pending\n", ci->Stream,
               ci->Delivered.Consumer, ci->NumPending);
        jsConsumerInfo_Destroy(ci);
    }

    /* Unsubscribe deletes the ephemeral consumer (Destroy alone would not). */
    if (s == NATS_OK)
        s = natsSubscription_Unsubscribe(sub);

    if (s != NATS_OK)
        fprintf(stderr, "js-sub: %s (JetStream error %d): %s\n", natsStatus_GetText(s), (int) jerr,
                nats_GetLastError(NULL));

    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}
