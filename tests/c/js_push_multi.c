// server-config: jetstream: enabled
// modes: c cxx valgrind
/*
 * js_push_multi: js_SubscribeMulti and js_SubscribeSyncMulti (nats.c 3.7+,
 * so not in the natsc mode): the consumer filters on every subject given
 * and delivers only those; bad subject lists are refused.
 */
#include <nats.h>
#include "check.h"

static volatile int received;
static volatile int wrong;

static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    if (strcmp(natsMsg_GetSubject(msg), "multi.c") == 0)
        __atomic_add_fetch(&wrong, 1, __ATOMIC_SEQ_CST);
    natsMsg_Destroy(msg);
    __atomic_add_fetch(&received, 1, __ATOMIC_SEQ_CST);
}

int
main(int argc, char **argv)
{
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    natsSubscription *sub = NULL;
    jsConsumerInfo *ci = NULL;
    jsStreamConfig sc;
    natsMsg *m = NULL;
    const char *stream_subjects[] = {"multi.>"};
    const char *two[] = {"multi.a", "multi.b"};
    const char *with_empty[] = {"", "multi.b"};
    const char *want[] = {"multi.a", "multi.b", "multi.a"};
    const char *publish[] = {"multi.a", "multi.b", "multi.c", "multi.a"};
    jsErrCode jerr = (jsErrCode) 0;
    int i;

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    CHECK_OK(jsStreamConfig_Init(&sc));
    sc.Name = "MULTI";
    sc.Subjects = stream_subjects;
    sc.SubjectsLen = 1;
    sc.Storage = js_MemoryStorage;
    CHECK_OK(js_AddStream(NULL, js, &sc, NULL, NULL));
    for (i = 0; i < 4; i++)
        CHECK_OK(js_Publish(NULL, js, publish[i], "x", 1, NULL, NULL));

    CHECK_OK(js_SubscribeSyncMulti(&sub, js, two, 2, NULL, NULL, &jerr));
    for (i = 0; i < 3; i++) {
        CHECK_OK(natsSubscription_NextMsg(&m, sub, 5000));
        CHECK(strcmp(natsMsg_GetSubject(m), want[i]) == 0, "only the filtered subjects, in order");
        CHECK_OK(natsMsg_Ack(m, NULL));
        natsMsg_Destroy(m);
        m = NULL;
    }
    CHECK_STATUS(natsSubscription_NextMsg(&m, sub, 300), NATS_TIMEOUT);
    CHECK_OK(natsSubscription_GetConsumerInfo(&ci, sub, NULL, NULL));
    CHECK(ci->Config->FilterSubjectsLen == 2 &&
              strcmp(ci->Config->FilterSubjects[0], "multi.a") == 0 &&
              strcmp(ci->Config->FilterSubjects[1], "multi.b") == 0,
          "the consumer's filters");
    jsConsumerInfo_Destroy(ci);
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    sub = NULL;

    CHECK_OK(js_SubscribeMulti(&sub, js, two, 2, on_msg, NULL, NULL, NULL, NULL));
    CHECK(test_wait_count(&received, 3, 10000) == 3, "three messages in the callback");
    nats_Sleep(200);
    CHECK(received == 3 && wrong == 0, "and no other");
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    sub = NULL;

    /* No subjects (and no binding), a missing callback, a NULL list. */
    CHECK_STATUS(js_SubscribeSyncMulti(&sub, js, NULL, 0, NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_SubscribeSyncMulti(&sub, js, with_empty, 2, NULL, NULL, NULL),
                 NATS_INVALID_ARG);
    CHECK_STATUS(js_SubscribeMulti(&sub, js, two, 2, NULL, NULL, NULL, NULL, NULL),
                 NATS_INVALID_ARG);
    CHECK_STATUS(js_SubscribeSyncMulti(&sub, js, NULL, 2, NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK(sub == NULL, "no subscription");

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    TEST_PASS("js_push_multi");
    return 0;
}
