/*
 * js-ordered: reads every message of a subject in a JetStream stream, in
 * order and exactly once, with an ordered consumer and NextMsg.
 *
 *   js-ordered [url] [stream] [subject]
 *   js-ordered nats://127.0.0.1:4222 ORDERS orders.new
 *
 * Defaults: NATS_DEFAULT_URL, "ORDERS", "orders.new". The stream must exist
 * (js-pub makes it). An ordered consumer is an in-memory ephemeral without
 * acks: if a message goes missing (a gap, missed heartbeats, the consumer
 * deleted, a reconnect) the library makes a new one from the next stream
 * sequence, so the program sees no gap and no repeat.
 * Build: cc js-ordered.c -I../include -L../target/release -lnats_rs -o js-ordered
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nats.h>

int
main(int argc, char **argv)
{
    const char         *url     = (argc > 1) ? argv[1] : NATS_DEFAULT_URL;
    const char         *stream  = (argc > 2) ? argv[2] : "ORDERS";
    const char         *subject = (argc > 3) ? argv[3] : "orders.new";
    natsConnection     *nc      = NULL;
    jsCtx              *js      = NULL;
    natsSubscription   *sub     = NULL;
    natsMsg            *msg     = NULL;
    jsMsgMetaData      *meta    = NULL;
    jsSubOptions        so;
    jsErrCode           jerr    = (jsErrCode) 0;
    uint64_t            last    = 0;
    uint64_t            pending = 1;
    int                 count   = 0;
    int                 inOrder = 1;
    natsStatus          s;

    s = natsConnection_ConnectTo(&nc, url);
    if (s == NATS_OK)
        s = natsConnection_JetStream(&js, nc, NULL);

    /* Ordered: no durable, ack policy, deliver subject or queue may be set. */
    if (s == NATS_OK)
        s = jsSubOptions_Init(&so);
    if (s == NATS_OK)
    {
        so.Stream = stream;
        so.Ordered = true;
        s = js_SubscribeSync(&sub, js, subject, NULL, &so, &jerr);
    }

    /* Until the consumer says nothing is left after the message in hand. */
    while ((s == NATS_OK) && (pending > 0))
    {
        s = natsSubscription_NextMsg(&msg, sub, 5000);
        if (s == NATS_OK)
            s = natsMsg_GetMetaData(&meta, msg);
        if (s == NATS_OK)
        {
            if (meta->Sequence.Stream <= last)
                inOrder = 0;
            last = meta->Sequence.Stream;
            pending = meta->NumPending;
            count++;
            jsMsgMetaData_Destroy(meta);
            meta = NULL;
        }
        /* No ack: an ordered consumer does not take any. */
        natsMsg_Destroy(msg);
        msg = NULL;
    }
    if (s == NATS_OK)
        printf("Read %d message(s) of '%s' %s, the last at stream sequence %" PRIu64 "\n",
               count, subject, inOrder ? "in order" : "OUT OF ORDER", last);
    else
        fprintf(stderr, "js-ordered: %s (JetStream error %d): %s\n", natsStatus_GetText(s),
                (int) jerr, nats_GetLastError(NULL));

    /* Deletes the consumer the library made. */
    if (sub != NULL)
        natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return ((s == NATS_OK) && inOrder) ? 0 : 1;
}
