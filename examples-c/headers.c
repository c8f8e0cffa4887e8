/*
 * headers: publishes a message with headers and reads them back.
 *
 *   headers [url] [subject]
 *
 * Headers are key/value pairs carried next to the payload (NATS servers 2.2
 * and newer). A key may have several values. Keys are case sensitive.
 * Defaults: NATS_DEFAULT_URL, "foo".
 * Build: cc headers.c -I../include -L../target/release -lnats_rs -o headers
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nats.h>

int
main(int argc, char **argv)
{
    const char       *url     = (argc > 1) ? argv[1] : NATS_DEFAULT_URL;
    const char       *subject = (argc > 2) ? argv[2] : "foo";
    natsConnection   *nc      = NULL;
    natsSubscription *sub     = NULL;
    natsMsg          *msg     = NULL;
    natsMsg          *got     = NULL;
    const char      **keys    = NULL;
    int               nkeys   = 0;
    natsStatus        s;
    int               i, j;

    s = natsConnection_ConnectTo(&nc, url);
    /* Subscribe first, so that we receive our own message. */
    if (s == NATS_OK)
        s = natsConnection_SubscribeSync(&sub, nc, subject);

    /* Build the message: Set replaces a key's values, Add appends one. */
    if (s == NATS_OK)
        s = natsMsg_Create(&msg, subject, NULL, "payload", 7);
    if (s == NATS_OK)
        s = natsMsgHeader_Set(msg, "Content-Type", "text/plain");
    if (s == NATS_OK)
        s = natsMsgHeader_Add(msg, "Tag", "red");
    if (s == NATS_OK)
        s = natsMsgHeader_Add(msg, "Tag", "blue");
    if (s == NATS_OK)
        s = natsConnection_PublishMsg(nc, msg);
    natsMsg_Destroy(msg);

    if (s == NATS_OK)
        s = natsSubscription_NextMsg(&got, sub, 5000);
    if (s == NATS_OK)
        s = natsMsgHeader_Keys(got, &keys, &nkeys);
    if (s == NATS_OK) {
        printf("Received '%.*s' with %d header key(s):\n",
               natsMsg_GetDataLength(got), natsMsg_GetData(got), nkeys);
        for (i = 0; i < nkeys; i++) {
            const char **values = NULL;
            int          nvalues = 0;
            if (natsMsgHeader_Values(got, keys[i], &values, &nvalues) != NATS_OK)
                continue;
            for (j = 0; j < nvalues; j++)
                printf("  %s: %s\n", keys[i], values[j]);
            /* The array is ours to free; the strings belong to the message. */
            free((void *) values);
        }
        free((void *) keys);
    }
    if (s != NATS_OK)
        fprintf(stderr, "headers: %s\n", natsStatus_GetText(s));

    natsMsg_Destroy(got);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}
