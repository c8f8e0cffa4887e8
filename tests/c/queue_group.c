/*
 * queue_group: three queue subscribers in one group share the messages (each
 * one gets some, together exactly N, no duplicates), while a plain subscriber
 * on the same subject gets all N.
 */
#include <nats.h>
#include "check.h"

#define N 1000
#define MEMBERS 3

static volatile int memberCount[MEMBERS];
static volatile int groupTotal;
static volatile int plainCount;

static void
onQueueMsg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    volatile int *mine = (volatile int *) closure;
    (void) nc;
    (void) sub;
    __atomic_add_fetch(mine, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&groupTotal, 1, __ATOMIC_SEQ_CST);
    natsMsg_Destroy(msg);
}

static void
onPlainMsg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    __atomic_add_fetch(&plainCount, 1, __ATOMIC_SEQ_CST);
    natsMsg_Destroy(msg);
}

int
main(int argc, char **argv)
{
    natsConnection   *subNc = NULL, *pubNc = NULL;
    natsSubscription *members[MEMBERS];
    natsSubscription *plain = NULL;
    int               i, sum;
    char              buf[32];

    CHECK_OK(natsConnection_ConnectTo(&subNc, test_url(argc, argv)));
    CHECK_OK(natsConnection_ConnectTo(&pubNc, test_url(argc, argv)));

    for (i = 0; i < MEMBERS; i++) {
        members[i] = NULL;
        CHECK_OK(natsConnection_QueueSubscribe(&members[i], subNc, "work.items", "workers",
                                               onQueueMsg, (void *) &memberCount[i]));
    }
    CHECK_OK(natsConnection_Subscribe(&plain, subNc, "work.items", onPlainMsg, NULL));
    /* make sure the server knows about all subscriptions before publishing */
    CHECK_OK(natsConnection_Flush(subNc));

    for (i = 0; i < N; i++) {
        snprintf(buf, sizeof(buf), "item-%d", i);
        CHECK_OK(natsConnection_PublishString(pubNc, "work.items", buf));
    }
    CHECK_OK(natsConnection_Flush(pubNc));

    test_wait_count(&plainCount, N, 30000);
    test_wait_count(&groupTotal, N, 30000);
    /* give any duplicate a chance to show up */
    CHECK_OK(natsConnection_Flush(subNc));
    nats_Sleep(200);

    sum = 0;
    for (i = 0; i < MEMBERS; i++) {
        int c = __atomic_load_n(&memberCount[i], __ATOMIC_SEQ_CST);
        printf("queue member %d received %d\n", i, c);
        CHECK(c > 0, "every queue member should receive some messages");
        sum += c;
    }
    CHECK(sum == N, "queue group total must be exactly N");
    CHECK(__atomic_load_n(&groupTotal, __ATOMIC_SEQ_CST) == N, "group total");
    CHECK(__atomic_load_n(&plainCount, __ATOMIC_SEQ_CST) == N, "plain subscriber gets every message");

    for (i = 0; i < MEMBERS; i++) {
        int64_t delivered = 0;
        CHECK_OK(natsSubscription_GetDelivered(members[i], &delivered));
        CHECK(delivered == (int64_t) memberCount[i], "GetDelivered matches callback count");
        natsSubscription_Destroy(members[i]);
    }
    natsSubscription_Destroy(plain);
    natsConnection_Destroy(pubNc);
    natsConnection_Destroy(subNc);
    nats_Close();
    TEST_PASS("queue_group");
    return 0;
}
