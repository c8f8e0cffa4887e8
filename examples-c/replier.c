/*
 * replier: answers requests on a subject, then exits.
 *
 *   replier [-count N] [-timeout SECONDS] [url] [subject]
 *   replier -count 3 nats://127.0.0.1:4222 help
 *
 * Answers each request with "reply to: <request>". Exits after N requests
 * (default 1) or when none came for the timeout (default 30 s).
 * Defaults: NATS_DEFAULT_URL, "foo".
 * Build: cc replier.c -I../include -L../target/release -lnats_rs -o replier
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nats.h>

int
main(int argc, char **argv)
{
    const char       *url = NATS_DEFAULT_URL, *subject = "foo";
    int               count = 1, timeoutSec = 30, pos = 0, served = 0, i;
    natsConnection   *nc = NULL;
    natsSubscription *sub = NULL;
    natsStatus        s;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-count") == 0 && i + 1 < argc)
            count = atoi(argv[++i]);
        else if (strcmp(argv[i], "-timeout") == 0 && i + 1 < argc)
            timeoutSec = atoi(argv[++i]);
        else if (pos++ == 0)
            url = argv[i];
        else
            subject = argv[i];
    }

    s = natsConnection_ConnectTo(&nc, url);
    if (s == NATS_OK)
        s = natsConnection_SubscribeSync(&sub, nc, subject);
    if (s == NATS_OK)
        s = natsConnection_Flush(nc);
    if (s == NATS_OK) {
        printf("Replying to %d request(s) on '%s'\n", count, subject);
        fflush(stdout);
    }

    while ((s == NATS_OK) && (served < count)) {
        natsMsg *req = NULL;
        char     answer[512];

        s = natsSubscription_NextMsg(&req, sub, (int64_t) timeoutSec * 1000);
        if (s != NATS_OK)
            break;
        /* A request carries the subject its sender waits on. */
        if (natsMsg_GetReply(req) != NULL) {
            snprintf(answer, sizeof(answer), "reply to: %.*s",
                     natsMsg_GetDataLength(req), natsMsg_GetData(req));
            s = natsConnection_PublishString(nc, natsMsg_GetReply(req), answer);
            served++;
        }
        natsMsg_Destroy(req);
    }
    if (s == NATS_OK)
        s = natsConnection_Flush(nc); /* make sure the last answer went out */

    if (s == NATS_OK)
        printf("Answered %d request(s)\n", served);
    else
        fprintf(stderr, "replier: %s after %d request(s)\n", natsStatus_GetText(s), served);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}
