/*
 * publisher: sends a message (or several) on a subject.
 *
 *   publisher [url] [subject] [message] [count]
 *   publisher nats://127.0.0.1:4222 foo "hello" 10
 *
 * Defaults: NATS_DEFAULT_URL, "foo", "hello", 1.
 * Build: cc publisher.c -I../include -L../target/release -lnats_rs -o publisher
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

    /* One call connects with default options. */
    s = natsConnection_ConnectTo(&nc, url);

    /* Publishing only queues the bytes; the library writes them out. */
    for (i = 0; (s == NATS_OK) && (i < count); i++)
        s = natsConnection_PublishString(nc, subject, message);

    /* Flush waits until the server has received everything sent so far. */
    if (s == NATS_OK)
        s = natsConnection_Flush(nc);

    if (s == NATS_OK)
        printf("Published %d message(s) on '%s'\n", count, subject);
    else
        fprintf(stderr, "publisher: %s\n", natsStatus_GetText(s));

    natsConnection_Destroy(nc);
    nats_Close(); /* optional: releases the library's global resources */
    return (s == NATS_OK) ? 0 : 1;
}
