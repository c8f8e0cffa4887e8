/*
 * js-manage: creates a stream and a consumer, inspects and lists them,
 * purges the stream and deletes both.
 *
 *   js-manage [url] [stream]
 *   js-manage nats://127.0.0.1:4222 EVENTS
 *
 * Defaults: NATS_DEFAULT_URL, "DEMO_MANAGE". The server must run with
 * JetStream (nats-server -js).
 * Build: cc js-manage.c -I../include -L../target/release -lnats_rs -o js-manage
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nats.h>

static natsStatus
report(const char *what, natsStatus s, jsErrCode jerr)
{
    if (s != NATS_OK)
        fprintf(stderr, "js-manage: %s: %s (JetStream error %d): %s\n", what,
                natsStatus_GetText(s), (int) jerr, nats_GetLastError(NULL));
    return s;
}

int
main(int argc, char **argv)
{
    const char         *url      = (argc > 1) ? argv[1] : NATS_DEFAULT_URL;
    const char         *stream   = (argc > 2) ? argv[2] : "DEMO_MANAGE";
    const char         *subjects[] = { "manage.>" };
    natsConnection     *nc       = NULL;
    jsCtx              *js       = NULL;
    jsStreamConfig      scfg;
    jsConsumerConfig    ccfg;
    jsStreamInfo       *si       = NULL;
    jsConsumerInfo     *ci       = NULL;
    jsStreamNamesList  *names    = NULL;
    jsConsumerNamesList *cnames  = NULL;
    jsOptions           o;
    jsErrCode           jerr     = 0;
    natsStatus          s;
    int                 i;

    s = natsConnection_ConnectTo(&nc, url);
    if (s == NATS_OK)
        s = natsConnection_JetStream(&js, nc, NULL);

    /* A stream of at most 1000 messages, kept in memory. */
    if (s == NATS_OK)
        s = jsStreamConfig_Init(&scfg);
    if (s == NATS_OK)
    {
        scfg.Name = stream;
        scfg.Subjects = subjects;
        scfg.SubjectsLen = 1;
        scfg.Storage = js_MemoryStorage;
        scfg.MaxMsgs = 1000;
        s = report("add stream", js_AddStream(&si, js, &scfg, NULL, &jerr), jerr);
    }
    if (s == NATS_OK)
    {
        printf("Created stream '%s' (%d subject, max %" PRId64 " messages)\n",
               si->Config->Name, si->Config->SubjectsLen, si->Config->MaxMsgs);
        jsStreamInfo_Destroy(si);
        si = NULL;
    }

    /* Three messages, then the stream's state. */
    for (i = 0; (s == NATS_OK) && (i < 3); i++)
        s = report("publish", js_Publish(NULL, js, "manage.demo", "x", 1, NULL, &jerr), jerr);
    if (s == NATS_OK)
        s = report("stream info", js_GetStreamInfo(&si, js, stream, NULL, &jerr), jerr);
    if (s == NATS_OK)
    {
        printf("Stream '%s' holds %" PRIu64 " message(s), sequences %" PRIu64 "..%" PRIu64 "\n",
               stream, si->State.Msgs, si->State.FirstSeq, si->State.LastSeq);
        jsStreamInfo_Destroy(si);
        si = NULL;
    }

    /* A durable pull consumer. */
    if (s == NATS_OK)
        s = jsConsumerConfig_Init(&ccfg);
    if (s == NATS_OK)
    {
        ccfg.Durable = "worker";
        ccfg.AckPolicy = js_AckExplicit;
        s = report("add consumer", js_AddConsumer(&ci, js, stream, &ccfg, NULL, &jerr), jerr);
    }
    if (s == NATS_OK)
    {
        printf("Created consumer '%s' with %" PRIu64 " message(s) pending\n", ci->Name, ci->NumPending);
        jsConsumerInfo_Destroy(ci);
    }

    /* Lists: names of all streams, names of the stream's consumers. */
    if (s == NATS_OK)
        s = report("stream names", js_StreamNames(&names, js, NULL, &jerr), jerr);
    if (s == NATS_OK)
    {
        for (i = 0; i < names->Count; i++)
            printf("  stream: %s\n", names->List[i]);
        jsStreamNamesList_Destroy(names);
    }
    if (s == NATS_OK)
        s = report("consumer names", js_ConsumerNames(&cnames, js, stream, NULL, &jerr), jerr);
    if (s == NATS_OK)
    {
        for (i = 0; i < cnames->Count; i++)
            printf("  consumer: %s\n", cnames->List[i]);
        jsConsumerNamesList_Destroy(cnames);
    }

    /* Purge keeps the stream and its consumers but drops the messages. */
    if (s == NATS_OK)
        s = report("purge", js_PurgeStream(js, stream, NULL, &jerr), jerr);
    if (s == NATS_OK)
        s = report("stream info", js_GetStreamInfo(&si, js, stream, NULL, &jerr), jerr);
    if (s == NATS_OK)
    {
        printf("After purge: %" PRIu64 " message(s)\n", si->State.Msgs);
        jsStreamInfo_Destroy(si);
    }

    if (s == NATS_OK)
        s = report("delete consumer", js_DeleteConsumer(js, stream, "worker", NULL, &jerr), jerr);
    if (s == NATS_OK)
        s = report("delete stream", js_DeleteStream(js, stream, NULL, &jerr), jerr);

    /* Asking for what is gone: NATS_NOT_FOUND with the server's error code. */
    if (s == NATS_OK)
    {
        jsOptions_Init(&o);
        if (js_GetStreamInfo(&si, js, stream, &o, &jerr) == NATS_NOT_FOUND)
            printf("Deleted: stream info now says not found (error code %d)\n", (int) jerr);
        else
            s = NATS_ERR;
    }

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}
