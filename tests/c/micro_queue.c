// modes: c cxx valgrind
/*
 * micro_queue: two instances of one service, each on its own connection.
 * Their endpoints share the default queue group, so 200 requests are spread
 * over both (each instance answers some) and every request is handled
 * exactly once. An endpoint with NoQueueGroup gets every request on both
 * instances. The two instances have different ids and both answer
 * $SRV.PING.<name>.
 */
#include <nats.h>
#include "check.h"

#define WAIT 5000
#define REQS 200
#define BROADCAST 20

struct instance {
    int id;
    volatile int work;
    volatile int all;
};

static volatile int seen[REQS];

static void
expect_ok(microError *err, const char *what)
{
    char buf[512];
    if (err != NULL) {
        fprintf(stderr, "%s: %s\n", what, microError_String(err, buf, sizeof(buf)));
        microError_Destroy(err);
        CHECK(0, "micro call failed");
    }
}

/* Marks the request's number as seen and answers with the instance id. */
static microError *
work_handler(microRequest *req)
{
    struct instance *in = (struct instance *) microRequest_GetServiceState(req);
    char num[16], out[16];
    int n = microRequest_GetDataLength(req), i;
    if (n <= 0 || n >= (int) sizeof(num))
        return micro_Errorf("bad request");
    memcpy(num, microRequest_GetData(req), (size_t) n);
    num[n] = '\0';
    i = atoi(num);
    if (i < 0 || i >= REQS)
        return micro_Errorf("bad request number %d", i);
    __atomic_add_fetch(&seen[i], 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&in->work, 1, __ATOMIC_SEQ_CST);
    n = snprintf(out, sizeof(out), "%d", in->id);
    return microRequest_Respond(req, out, (size_t) n);
}

static microError *
all_handler(microRequest *req)
{
    struct instance *in = (struct instance *) microRequest_GetServiceState(req);
    char out[16];
    int n = snprintf(out, sizeof(out), "%d", in->id);
    __atomic_add_fetch(&in->all, 1, __ATOMIC_SEQ_CST);
    return microRequest_Respond(req, out, (size_t) n);
}

static microService *
start_instance(natsConnection *nc, struct instance *in)
{
    microService *m = NULL;
    microServiceConfig cfg;
    microEndpointConfig work, all;

    memset(&work, 0, sizeof(work));
    work.Name = "work";
    work.Subject = "jobs.work";
    work.Handler = work_handler;
    memset(&cfg, 0, sizeof(cfg));
    cfg.Name = "spread";
    cfg.Version = "1.0.0";
    cfg.Endpoint = &work;
    cfg.State = in;
    expect_ok(micro_AddService(&m, nc, &cfg), "add service");
    memset(&all, 0, sizeof(all));
    all.Name = "all";
    all.Subject = "jobs.all";
    all.NoQueueGroup = true;
    all.Handler = all_handler;
    expect_ok(microService_AddEndpoint(m, &all), "add endpoint all");
    /* The subscriptions are in place at the server once this returns. */
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT));
    return m;
}

int
main(int argc, char **argv)
{
    natsConnection *nc1 = NULL, *nc2 = NULL, *client = NULL;
    natsSubscription *inbox = NULL;
    natsMsg *reply = NULL;
    microService *m1, *m2;
    microServiceInfo *i1 = NULL, *i2 = NULL;
    struct instance in1, in2;
    char data[16], subj[256];
    int i, from1 = 0, from2 = 0;

    memset(&in1, 0, sizeof(in1));
    memset(&in2, 0, sizeof(in2));
    in1.id = 1;
    in2.id = 2;

    CHECK_OK(natsConnection_ConnectTo(&nc1, test_url(argc, argv)));
    CHECK_OK(natsConnection_ConnectTo(&nc2, test_url(argc, argv)));
    CHECK_OK(natsConnection_ConnectTo(&client, test_url(argc, argv)));
    m1 = start_instance(nc1, &in1);
    m2 = start_instance(nc2, &in2);

    expect_ok(microService_GetInfo(&i1, m1), "info 1");
    expect_ok(microService_GetInfo(&i2, m2), "info 2");
    CHECK(strcmp(i1->Id, i2->Id) != 0, "the instances have different ids");

    /* Queue group: one instance per request. */
    for (i = 0; i < REQS; i++) {
        snprintf(data, sizeof(data), "%d", i);
        CHECK_OK(natsConnection_RequestString(&reply, client, "jobs.work", data, WAIT));
        if (natsMsg_GetDataLength(reply) == 1 && natsMsg_GetData(reply)[0] == '1')
            from1++;
        else if (natsMsg_GetDataLength(reply) == 1 && natsMsg_GetData(reply)[0] == '2')
            from2++;
        else
            CHECK(0, "reply names an instance");
        natsMsg_Destroy(reply);
    }
    CHECK(from1 + from2 == REQS, "every request answered");
    printf("instance 1 answered %d, instance 2 answered %d\n", from1, from2);
    CHECK(from1 > 0 && from2 > 0, "requests spread over both instances");
    /* A stray second delivery would be counted by the time both services'
     * connections have seen a round trip after it. */
    CHECK_OK(natsConnection_FlushTimeout(nc1, WAIT));
    CHECK_OK(natsConnection_FlushTimeout(nc2, WAIT));
    for (i = 0; i < REQS; i++)
        CHECK(__atomic_load_n(&seen[i], __ATOMIC_SEQ_CST) == 1, "each request handled once");
    CHECK(__atomic_load_n(&in1.work, __ATOMIC_SEQ_CST) == from1, "instance 1 count");
    CHECK(__atomic_load_n(&in2.work, __ATOMIC_SEQ_CST) == from2, "instance 2 count");

    /* No queue group: both instances get every request. */
    CHECK_OK(natsConnection_SubscribeSync(&inbox, client, "replies.all"));
    CHECK_OK(natsConnection_FlushTimeout(client, WAIT));
    for (i = 0; i < BROADCAST; i++)
        CHECK_OK(natsConnection_PublishRequestString(client, "jobs.all", "replies.all", "x"));
    CHECK_OK(natsConnection_FlushTimeout(client, WAIT));
    from1 = from2 = 0;
    for (i = 0; i < 2 * BROADCAST; i++) {
        CHECK_OK(natsSubscription_NextMsg(&reply, inbox, WAIT));
        if (natsMsg_GetData(reply)[0] == '1')
            from1++;
        else
            from2++;
        natsMsg_Destroy(reply);
    }
    CHECK(from1 == BROADCAST && from2 == BROADCAST, "each instance answered every request");
    CHECK(test_wait_count(&in1.all, BROADCAST, WAIT) == BROADCAST, "instance 1 handled all");
    CHECK(test_wait_count(&in2.all, BROADCAST, WAIT) == BROADCAST, "instance 2 handled all");
    CHECK_STATUS(natsSubscription_NextMsg(&reply, inbox, 200), NATS_TIMEOUT);

    /* Both answer a PING for the service's name. */
    CHECK_OK(natsConnection_PublishRequestString(client, "$SRV.PING.spread", "replies.all", ""));
    for (i = 0; i < 2; i++) {
        CHECK_OK(natsSubscription_NextMsg(&reply, inbox, WAIT));
        CHECK(strstr(natsMsg_GetData(reply), i1->Id) != NULL ||
                  strstr(natsMsg_GetData(reply), i2->Id) != NULL,
              "ping reply names an instance");
        natsMsg_Destroy(reply);
    }
    snprintf(subj, sizeof(subj), "$SRV.PING.spread.%s", i2->Id);
    CHECK_OK(natsConnection_RequestString(&reply, client, subj, "", WAIT));
    CHECK(strstr(natsMsg_GetData(reply), i2->Id) != NULL, "ping by id answered by that one");
    natsMsg_Destroy(reply);

    microServiceInfo_Destroy(i1);
    microServiceInfo_Destroy(i2);
    natsSubscription_Destroy(inbox);
    expect_ok(microService_Destroy(m1), "destroy 1");
    expect_ok(microService_Destroy(m2), "destroy 2");
    natsConnection_Destroy(client);
    natsConnection_Destroy(nc1);
    natsConnection_Destroy(nc2);
    CHECK_OK(nats_CloseAndWait(0));
    TEST_PASS("micro_queue");
    return 0;
}
