// server-config: jetstream: enabled
// modes: c cxx valgrind natsc
/*
 * js_pull: a durable pull subscription read with natsSubscription_Fetch and
 * natsSubscription_FetchRequest. Fetching from an empty consumer times out
 * with nothing; a batch returns what is there; MaxBytes cuts a request
 * short; NoWait returns at once; a Nak'ed message comes again with its
 * delivery count raised; NextMsg and a second concurrent fetch are
 * refused; missed heartbeats end a fetch. Only calls and struct fields nats.c 3.4.1 has too, so the
 * natsc mode shows that these are nats.c's own answers.
 */
#include <pthread.h>
#include <nats.h>
#include "check.h"

#define MS ((int64_t) 1000000)

static int
last_error_has(const char *want)
{
    const char *txt = nats_GetLastError(NULL);
    return txt != NULL && strstr(txt, want) != NULL;
}

/* The payload of message i: "m<i>" padded with dots to 100 bytes. */
static void
payload(char *buf, int i)
{
    int n = snprintf(buf, 101, "m%d", i);
    memset(buf + n, '.', (size_t) (100 - n));
    buf[100] = '\0';
}

static int
is_msg(natsMsg *m, int i)
{
    char want[101];
    payload(want, i);
    return natsMsg_GetDataLength(m) == 100 && memcmp(natsMsg_GetData(m), want, 100) == 0;
}

static void
ack_all(natsMsgList *list)
{
    int i;
    for (i = 0; i < list->Count; i++)
        CHECK_OK(natsMsg_AckSync(list->Msgs[i], NULL, NULL));
    natsMsgList_Destroy(list);
}

static void
bad_arguments(natsConnection *nc, jsCtx *js)
{
    natsSubscription *plain = NULL;
    natsSubscription *sub = NULL;
    natsMsgList       list;
    jsFetchRequest    fr;
    jsErrCode         jerr = (jsErrCode) 99;

    CHECK_STATUS(js_PullSubscribe(NULL, js, "pull.a", "d", NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK(jerr == 0, "the error code is cleared");
    CHECK_STATUS(js_PullSubscribe(&sub, NULL, "pull.a", "d", NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_PullSubscribe(&sub, js, NULL, "d", NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_PullSubscribe(&sub, js, "", "d", NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK(sub == NULL, "no subscription on failure");

    /* A core subscription is not a pull subscription. */
    CHECK_OK(natsConnection_SubscribeSync(&plain, nc, "pull.a"));
    CHECK_STATUS(natsSubscription_Fetch(NULL, plain, 1, 1000, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(natsSubscription_Fetch(&list, NULL, 1, 1000, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(natsSubscription_Fetch(&list, plain, 0, 1000, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(natsSubscription_Fetch(&list, plain, -1, 1000, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(natsSubscription_Fetch(&list, plain, 1, 0, NULL), NATS_INVALID_TIMEOUT);
    CHECK_STATUS(natsSubscription_Fetch(&list, plain, 1, 1000, NULL), NATS_INVALID_SUBSCRIPTION);
    CHECK(last_error_has("not a JetStream pull subscription"), "nats.c's text");

    CHECK_STATUS(jsFetchRequest_Init(NULL), NATS_INVALID_ARG);
    CHECK_OK(jsFetchRequest_Init(&fr));
    CHECK(fr.Batch == 0 && fr.Expires == 0 && fr.MaxBytes == 0 && !fr.NoWait && fr.Heartbeat == 0,
          "Init zeroes the request");
    fr.Batch = 1;
    CHECK_STATUS(natsSubscription_FetchRequest(&list, plain, NULL), NATS_INVALID_ARG);
    /* Without NoWait the request needs an expiry. */
    CHECK_STATUS(natsSubscription_FetchRequest(&list, plain, &fr), NATS_INVALID_TIMEOUT);
    CHECK(list.Count == 0 && list.Msgs == NULL, "the list is cleared");
    fr.Expires = 1000 * MS;
    fr.MaxBytes = -1;
    CHECK_STATUS(natsSubscription_FetchRequest(&list, plain, &fr), NATS_INVALID_ARG);
    fr.MaxBytes = 0;
    fr.Batch = 0;
    CHECK_STATUS(natsSubscription_FetchRequest(&list, plain, &fr), NATS_INVALID_ARG);
    natsSubscription_Destroy(plain);
}

struct fetcher {
    natsSubscription *sub;
    natsStatus        status;
    int               count;
    volatile int      started;
};

/* Fetches one message with a long expiry; retries while refused because
 * the main thread's fetch got in first. */
static void *
fetch_thread(void *arg)
{
    struct fetcher *f = (struct fetcher *) arg;
    natsMsgList list;
    __atomic_store_n(&f->started, 1, __ATOMIC_SEQ_CST);
    do {
        f->status = natsSubscription_Fetch(&list, f->sub, 1, 10000, NULL);
    } while (f->status == NATS_ERR);
    f->count = list.Count;
    if (f->status == NATS_OK)
        ack_all(&list);
    return NULL;
}

/* A second fetch on the same subscription while one waits is refused. */
static void
concurrent_fetch(jsCtx *js, natsSubscription *sub)
{
    struct fetcher f;
    pthread_t      t;
    natsMsgList    list;
    char           body[101];
    int64_t        deadline = test_now_ms() + 10000;
    int            refused = 0;

    memset(&f, 0, sizeof(f));
    f.sub = sub;
    CHECK(pthread_create(&t, NULL, fetch_thread, &f) == 0, "pthread_create");
    test_wait_count(&f.started, 1, 10000);
    while (!refused && test_now_ms() < deadline) {
        natsStatus s = natsSubscription_Fetch(&list, sub, 1, 20, NULL);
        CHECK(s == NATS_TIMEOUT || s == NATS_ERR, "nothing to fetch yet");
        refused = (s == NATS_ERR);
    }
    CHECK(refused, "a concurrent fetch was refused");
    CHECK(last_error_has("concurrent fetch request not allowed"), "nats.c's text");

    /* The waiting fetch gets the next message. */
    payload(body, 99);
    CHECK_OK(js_Publish(NULL, js, "pull.a", body, 100, NULL, NULL));
    CHECK(pthread_join(t, NULL) == 0, "pthread_join");
    CHECK_STATUS(f.status, NATS_OK);
    CHECK(f.count == 1, "the waiting fetch got the message");
}

int
main(int argc, char **argv)
{
    natsConnection   *nc = NULL;
    jsCtx            *js = NULL;
    natsSubscription *sub = NULL;
    natsMsg          *m = NULL;
    jsStreamConfig    sc;
    jsSubOptions      so;
    jsFetchRequest    fr;
    natsMsgList       list;
    jsMsgMetaData    *meta = NULL;
    jsErrCode         jerr = (jsErrCode) 0;
    const char       *subj = "pull.>";
    char              body[101];
    int64_t           start;
    int               i, got, maxb;

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));

    CHECK_OK(jsStreamConfig_Init(&sc));
    sc.Name = "PULL";
    sc.Subjects = &subj;
    sc.SubjectsLen = 1;
    sc.Storage = js_MemoryStorage;
    CHECK_OK(js_AddStream(NULL, js, &sc, NULL, &jerr));

    bad_arguments(nc, js);

    CHECK_OK(jsSubOptions_Init(&so));
    so.Config.AckWait = 2000 * MS;
    CHECK_OK(js_PullSubscribe(&sub, js, "pull.a", "work", NULL, &so, &jerr));
    CHECK(sub != NULL && jerr == 0, "subscribed");

    /* A pull subscription is read by fetching, not with NextMsg. */
    CHECK_STATUS(natsSubscription_NextMsg(&m, sub, 100), NATS_INVALID_SUBSCRIPTION);
    CHECK(m == NULL, "no message");
    CHECK(last_error_has("not applicable to JetStream pull subscriptions"), "nats.c's text");

    /* Nothing stored: the fetch waits its timeout and returns nothing. */
    start = test_now_ms();
    CHECK_STATUS(natsSubscription_Fetch(&list, sub, 1, 300, &jerr), NATS_TIMEOUT);
    CHECK(list.Count == 0 && list.Msgs == NULL && jerr == 0, "nothing fetched");
    CHECK(test_now_ms() - start >= 250, "the fetch waited");
    CHECK_STATUS(natsSubscription_Fetch(&list, sub, 10, 300, &jerr), NATS_TIMEOUT);
    CHECK(list.Count == 0, "nothing fetched");

    for (i = 0; i < 10; i++) {
        payload(body, i);
        CHECK_OK(js_Publish(NULL, js, "pull.a", body, 100, NULL, NULL));
    }

    /* A batch of 3 of the 10: the first three, in order. */
    CHECK_OK(natsSubscription_Fetch(&list, sub, 3, 5000, &jerr));
    CHECK(list.Count == 3, "a full batch");
    for (i = 0; i < 3; i++)
        CHECK(is_msg(list.Msgs[i], i), "in stream order");
    ack_all(&list);
    got = 3;

    /* MaxBytes: 250 bytes hold at most two 100-byte messages (with their
     * subject and reply); the request ends there, before the batch. */
    CHECK_OK(jsFetchRequest_Init(&fr));
    fr.Batch = 10;
    fr.MaxBytes = 250;
    fr.Expires = 5000 * MS;
    start = test_now_ms();
    CHECK_OK(natsSubscription_FetchRequest(&list, sub, &fr));
    maxb = list.Count;
    CHECK(maxb >= 1 && maxb <= 2, "MaxBytes cut the request short");
    CHECK(test_now_ms() - start < 4000, "without waiting for the expiry");
    for (i = 0; i < maxb; i++)
        CHECK(is_msg(list.Msgs[i], got + i), "the next ones");
    ack_all(&list);
    got += maxb;

    /* NoWait: what is there now, at once, though the batch asks for more. */
    CHECK_OK(jsFetchRequest_Init(&fr));
    fr.Batch = 20;
    fr.NoWait = true;
    fr.Expires = 5000 * MS;
    start = test_now_ms();
    CHECK_OK(natsSubscription_FetchRequest(&list, sub, &fr));
    CHECK(list.Count == 10 - got, "the rest of the stream");
    CHECK(test_now_ms() - start < 4000, "without waiting for the expiry");
    for (i = 0; i < list.Count; i++)
        CHECK(is_msg(list.Msgs[i], got + i), "the rest, in order");
    ack_all(&list);

    /* NoWait with nothing there: nothing, and a timeout (nats-server 2.11+
     * holds a NoWait request that has an expiry until it expires). */
    fr.Expires = 300 * MS;
    CHECK_STATUS(natsSubscription_FetchRequest(&list, sub, &fr), NATS_TIMEOUT);
    CHECK(list.Count == 0 && list.Msgs == NULL, "nothing fetched");

    /* Nak: the message comes again, delivered twice. */
    payload(body, 50);
    CHECK_OK(js_Publish(NULL, js, "pull.a", body, 100, NULL, NULL));
    CHECK_OK(natsSubscription_Fetch(&list, sub, 1, 5000, NULL));
    CHECK(list.Count == 1 && is_msg(list.Msgs[0], 50), "fetched");
    CHECK_OK(natsMsg_GetMetaData(&meta, list.Msgs[0]));
    CHECK(meta->NumDelivered == 1, "first delivery");
    jsMsgMetaData_Destroy(meta);
    CHECK_OK(natsMsg_Nak(list.Msgs[0], NULL));
    natsMsgList_Destroy(&list);
    CHECK_OK(natsSubscription_Fetch(&list, sub, 1, 5000, NULL));
    CHECK(list.Count == 1 && is_msg(list.Msgs[0], 50), "redelivered");
    CHECK_OK(natsMsg_GetMetaData(&meta, list.Msgs[0]));
    CHECK(meta->NumDelivered == 2, "second delivery");
    jsMsgMetaData_Destroy(meta);
    ack_all(&list);

    concurrent_fetch(js, sub);

    /* Heartbeats: with the server frozen none come, and the fetch ends
     * with NATS_MISSED_HEARTBEAT well before its expiry. */
    CHECK_OK(jsFetchRequest_Init(&fr));
    fr.Batch = 1;
    fr.Expires = 10000 * MS;
    fr.Heartbeat = 100 * MS;
    test_server_pause();
    start = test_now_ms();
    CHECK_STATUS(natsSubscription_FetchRequest(&list, sub, &fr), NATS_MISSED_HEARTBEAT);
    CHECK(test_now_ms() - start < 5000, "before the expiry");
    CHECK(list.Count == 0, "nothing fetched");
    test_server_resume();

    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return 0;
}
