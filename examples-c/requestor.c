/*
 * requestor: sends requests and prints the replies.
 *
 *   requestor [url] [subject] [message] [count]
 *   requestor nats://127.0.0.1:4222 help "what time is it?" 3
 *
 * Each request waits up to 2 s for a reply. With nobody listening on the
 * subject the server tells us at once (NATS_NO_RESPONDERS).
 * Defaults: NATS_DEFAULT_URL, "foo", "hello", 1.
 * Build: cc requestor.c -I../include -L../target/release -lnats_rs -o requestor
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nats.h>

int
main(int argc, char **argv)
{
    const char     *url     = (argc > 1) ? argv[1] : NATS_DEFAULT_URL;
    const char     *subject = (argc > 2) ? argv[2] : "foo";
    const char     *message = (argc > 3) ? argv[3] : "hello";
    int             count   = (argc > 4) ? atoi(argv[4]) : 1;
    natsConnection *nc      = NULL;
    natsStatus      s;
    int             i;

    s = natsConnection_ConnectTo(&nc, url);

    for (i = 0; (s == NATS_OK) && (i < count); i++) {
        natsMsg *reply = NULL;

        /* Publishes with a private reply subject and waits for one answer. */
        s = natsConnection_RequestString(&reply, nc, subject, message, 2000);
        if (s == NATS_OK) {
            printf("Reply %d: %.*s\n", i + 1, natsMsg_GetDataLength(reply), natsMsg_GetData(reply));
            natsMsg_Destroy(reply);
        }
    }

    if (s == NATS_NO_RESPONDERS)
        fprintf(stderr, "requestor: nobody is listening on '%s'\n", subject);
    else if (s != NATS_OK)
        fprintf(stderr, "requestor: %s\n", natsStatus_GetText(s));

    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}
