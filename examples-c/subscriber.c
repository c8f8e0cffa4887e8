/*
 * subscriber: prints the messages received on a subject, then exits.
 *
 *   subscriber [-sync] [-count N] [-timeout SECONDS] [url] [subject]
 *   subscriber -count 10 nats://127.0.0.1:4222 foo
 *
 * Asynchronous by default: the library calls onMsg from its own thread.
 * With -sync the main thread pulls messages with natsSubscription_NextMsg.
 * Exits after N messages (default 1) or when no message came for the timeout
 * (default 30 s). Defaults: NATS_DEFAULT_URL, "foo".
 * Build: cc subscriber.c -I../include -L../target/release -lnats_rs -o subscriber
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nats.h>

static volatile int received = 0;

/* Called once per message, never concurrently for one subscription. */
static void
onMsg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    printf("Received on '%s': %.*s\n", natsMsg_GetSubject(msg),
           natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
    fflush(stdout);
    __atomic_add_fetch(&received, 1, __ATOMIC_SEQ_CST);
    natsMsg_Destroy(msg); /* messages handed to us are ours to destroy */
}

int
main(int argc, char **argv)
{
    const char       *url = NATS_DEFAULT_URL, *subject = "foo";
    int               count = 1, timeoutSec = 30, sync = 0, pos = 0, i;
    natsConnection   *nc = NULL;
    natsSubscription *sub = NULL;
    natsStatus        s;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-sync") == 0)
            sync = 1;
        else if (strcmp(argv[i], "-count") == 0 && i + 1 < argc)
            count = atoi(argv[++i]);
        else if (strcmp(argv[i], "-timeout") == 0 && i + 1 < argc)
            timeoutSec = atoi(argv[++i]);
        else if (pos++ == 0)
            url = argv[i];
        else
            subject = argv[i];
    }

    s = natsConnection_ConnectTo(&nc, url);
    if ((s == NATS_OK) && sync)
        s = natsConnection_SubscribeSync(&sub, nc, subject);
    else if (s == NATS_OK)
        s = natsConnection_Subscribe(&sub, nc, subject, onMsg, NULL);
    /* A flush round trip guarantees the server has registered the
     * subscription before we announce that we are listening. */
    if (s == NATS_OK)
        s = natsConnection_Flush(nc);
    if (s == NATS_OK) {
        printf("Listening %ssynchronously on '%s' for %d message(s)\n",
               sync ? "" : "a", subject, count);
        fflush(stdout);
    }

    if ((s == NATS_OK) && sync) {
        while ((s == NATS_OK) && (received < count)) {
            natsMsg *msg = NULL;
            s = natsSubscription_NextMsg(&msg, sub, (int64_t) timeoutSec * 1000);
            if (s == NATS_OK)
                onMsg(nc, sub, msg, NULL);
        }
    } else if (s == NATS_OK) {
        /* Wait for the callback to count the messages, with a deadline that
         * restarts whenever one arrives. */
        int64_t deadline = nats_Now() + (int64_t) timeoutSec * 1000;
        int     last = 0;
        while (__atomic_load_n(&received, __ATOMIC_SEQ_CST) < count) {
            int now = __atomic_load_n(&received, __ATOMIC_SEQ_CST);
            if (now != last) {
                last = now;
                deadline = nats_Now() + (int64_t) timeoutSec * 1000;
            }
            if (nats_Now() > deadline) {
                s = NATS_TIMEOUT;
                break;
            }
            nats_Sleep(10);
        }
    }

    if (s == NATS_OK)
        printf("Received %d message(s)\n", count);
    else
        fprintf(stderr, "subscriber: %s after %d message(s)\n", natsStatus_GetText(s), received);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}
