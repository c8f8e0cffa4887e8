/*
 * queuegroup: three subscribers share one queue group, so each message goes
 * to exactly one of them. Publishes the messages itself and prints how many
 * each member received.
 *
 *   queuegroup [url] [subject] [count]
 *   queuegroup nats://127.0.0.1:4222 jobs 30
 *
 * Defaults: NATS_DEFAULT_URL, "foo", 30.
 * Build: cc queuegroup.c -I../include -L../target/release -lnats_rs -o queuegroup
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nats.h>

#define MEMBERS 3

static volatile int perMember[MEMBERS];
static volatile int total;

static void
onMsg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    volatile int *mine = (volatile int *) closure; /* which member we are */
    (void) nc;
    (void) sub;
    __atomic_add_fetch(mine, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&total, 1, __ATOMIC_SEQ_CST);
    natsMsg_Destroy(msg);
}

int
main(int argc, char **argv)
{
    const char       *url     = (argc > 1) ? argv[1] : NATS_DEFAULT_URL;
    const char       *subject = (argc > 2) ? argv[2] : "foo";
    int               count   = (argc > 3) ? atoi(argv[3]) : 30;
    natsConnection   *nc      = NULL;
    natsSubscription *subs[MEMBERS] = { NULL, NULL, NULL };
    natsStatus        s;
    int64_t           deadline;
    int               i;

    s = natsConnection_ConnectTo(&nc, url);
    /* Same subject, same queue name "workers": one group of three. */
    for (i = 0; (s == NATS_OK) && (i < MEMBERS); i++)
        s = natsConnection_QueueSubscribe(&subs[i], nc, subject, "workers", onMsg,
                                          (void *) &perMember[i]);
    if (s == NATS_OK)
        s = natsConnection_Flush(nc);

    for (i = 0; (s == NATS_OK) && (i < count); i++) {
        char buf[32];
        snprintf(buf, sizeof(buf), "job %d", i + 1);
        s = natsConnection_PublishString(nc, subject, buf);
    }
    if (s == NATS_OK)
        s = natsConnection_Flush(nc);

    deadline = nats_Now() + 10000;
    while ((s == NATS_OK) && (__atomic_load_n(&total, __ATOMIC_SEQ_CST) < count)) {
        if (nats_Now() > deadline)
            s = NATS_TIMEOUT;
        nats_Sleep(10);
    }

    if (s == NATS_OK) {
        for (i = 0; i < MEMBERS; i++)
            printf("member %d handled %d message(s)\n", i + 1, perMember[i]);
        printf("%d message(s), each handled once\n", total);
    } else {
        fprintf(stderr, "queuegroup: %s\n", natsStatus_GetText(s));
    }

    for (i = 0; i < MEMBERS; i++)
        natsSubscription_Destroy(subs[i]);
    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}
