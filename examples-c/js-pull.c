/*
 * js-pull: reads a JetStream stream through pull consumers, first with a
 * fetch loop (natsSubscription_Fetch), then with js_PullSubscribeAsync,
 * which fetches in the background and calls back for every message.
 *
 *   js-pull [url] [stream] [subject] [count]
 *   js-pull nats://127.0.0.1:4222 WORK work.items 100
 *
 * Defaults: NATS_DEFAULT_URL, "WORK", "work.items", 100. The server must
 * run with JetStream (nats-server -js). The stream is created when missing.
 * Build: cc js-pull.c -I../include -L../target/release -lnats_rs -o js-pull
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nats.h>

/* What the asynchronous subscription reports; written on its delivery
 * thread, read by main once `done` is set. */
struct progress
{
    volatile int        received;
    volatile bool       done;
    volatile natsStatus status;
};

/* Called for each message, one at a time, on the subscription's thread.
 * The library acknowledges it when this returns (no ManualAck). */
static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    struct progress *p = (struct progress *) closure;

    (void) nc;
    (void) sub;
    p->received++;
    natsMsg_Destroy(msg);
}

/* Called once, after the last message, with the reason fetching stopped. */
static void
on_complete(natsConnection *nc, natsSubscription *sub, natsStatus s, void *closure)
{
    struct progress *p = (struct progress *) closure;

    (void) nc;
    (void) sub;
    p->status = s;
    p->done = true;
}

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
        s = js_AddStream(NULL, js, &cfg, NULL, &jerr);
    }
    if (s != NATS_OK)
        fprintf(stderr, "stream create: %s (JetStream error %d)\n", nats_GetLastError(NULL), (int) jerr);
    return s;
}

static natsStatus
publish(jsCtx *js, const char *subject, int count)
{
    natsStatus s = NATS_OK;
    char       body[64];
    int        i;

    for (i = 0; (s == NATS_OK) && (i < count); i++)
    {
        snprintf(body, sizeof(body), "item %d", i);
        s = js_PublishAsync(js, subject, body, (int) strlen(body), NULL);
    }
    if (s == NATS_OK)
        s = js_PublishAsyncComplete(js, NULL);
    return s;
}

/* Fetches in batches of up to 10 until count messages came, acking each. */
static natsStatus
fetch_loop(jsCtx *js, const char *subject, int count)
{
    natsSubscription *sub  = NULL;
    natsMsgList       list;
    jsErrCode         jerr = 0;
    natsStatus        s;
    int               got = 0, batches = 0, i;

    /* A durable pull consumer: a restarted worker resumes where it left. */
    s = js_PullSubscribe(&sub, js, subject, "js-pull-worker", NULL, NULL, &jerr);
    while ((s == NATS_OK) && (got < count))
    {
        /* Returns as soon as some messages are there, or after 2 s with
         * NATS_TIMEOUT when there are none. */
        s = natsSubscription_Fetch(&list, sub, 10, 2000, &jerr);
        if (s != NATS_OK)
            break;
        for (i = 0; (s == NATS_OK) && (i < list.Count); i++)
            s = natsMsg_Ack(list.Msgs[i], NULL);
        got += list.Count;
        batches++;
        natsMsgList_Destroy(&list);
    }
    if (s == NATS_OK)
        printf("Fetched %d message(s) in %d batch(es)\n", got, batches);
    else
        fprintf(stderr, "fetch: %s (JetStream error %d)\n", natsStatus_GetText(s), (int) jerr);

    /* Destroy without Unsubscribe keeps the durable consumer on the server
     * (Unsubscribe would delete it, since js_PullSubscribe created it). */
    natsSubscription_Destroy(sub);
    return s;
}

/* Lets the library fetch count messages in the background. */
static natsStatus
async_pull(jsCtx *js, const char *subject, int count)
{
    natsSubscription *sub = NULL;
    jsOptions         o;
    jsErrCode         jerr = 0;
    struct progress   p;
    natsStatus        s;
    int               waited = 0;

    memset(&p, 0, sizeof(p));
    s = jsOptions_Init(&o);
    if (s == NATS_OK)
    {
        o.PullSubscribeAsync.MaxMessages = count; /* then stop */
        o.PullSubscribeAsync.FetchSize = 25;      /* messages per request */
        o.PullSubscribeAsync.Timeout = 10000;     /* give up after 10 s */
        o.PullSubscribeAsync.Heartbeat = 1000;    /* notice a dead server */
        o.PullSubscribeAsync.CompleteHandler = on_complete;
        o.PullSubscribeAsync.CompleteHandlerClosure = &p;
        /* No durable: an ephemeral consumer, reading from the stream's
         * first message (the fetch loop's consumer is another one). */
        s = js_PullSubscribeAsync(&sub, js, subject, NULL, on_msg, &p, &o, NULL, &jerr);
    }
    while ((s == NATS_OK) && !p.done && (waited++ < 1500))
        nats_Sleep(10);
    if (s == NATS_OK)
        printf("Received %d message(s) asynchronously, finished with: %s\n", p.received,
               natsStatus_GetText(p.status));
    else
        fprintf(stderr, "async pull: %s (JetStream error %d)\n", natsStatus_GetText(s), (int) jerr);
    natsSubscription_Destroy(sub);
    return s;
}

int
main(int argc, char **argv)
{
    const char      *url     = (argc > 1) ? argv[1] : NATS_DEFAULT_URL;
    const char      *stream  = (argc > 2) ? argv[2] : "WORK";
    const char      *subject = (argc > 3) ? argv[3] : "work.items";
    int              count   = (argc > 4) ? atoi(argv[4]) : 100;
    natsConnection  *nc      = NULL;
    jsCtx           *js      = NULL;
    natsStatus       s;

    s = natsConnection_ConnectTo(&nc, url);
    if (s == NATS_OK)
        s = natsConnection_JetStream(&js, nc, NULL);
    if (s == NATS_OK)
        s = ensure_stream(js, stream, subject);
    if (s == NATS_OK)
        s = publish(js, subject, count);
    if (s == NATS_OK)
        s = fetch_loop(js, subject, count);

    if (s == NATS_OK)
        s = async_pull(js, subject, count);

    if (s != NATS_OK)
        fprintf(stderr, "js-pull: %s\n", natsStatus_GetText(s));
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}
