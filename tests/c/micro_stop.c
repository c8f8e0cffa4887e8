// modes: c cxx valgrind
/*
 * micro_stop: the ways a service ends. microService_Stop while requests are
 * in flight (a handler blocked until released, more requests queued behind
 * it): every one of them is answered, the DoneHandler runs exactly once, the
 * service is stopped and no longer answers, and it takes no new endpoints.
 * With our library Stop (called from another thread) returns only after the
 * last handler did. microService_Run returns once another thread stopped the
 * service; Stop from inside a handler works; Destroy without Stop and closing
 * the service's connection both end it, with one DoneHandler call each.
 */
#include <nats.h>
#include <pthread.h>
#include "check.h"

#define WAIT 5000
#define INFLIGHT 3

struct svc {
    volatile int done;
    volatile int running; /* handlers running now */
    volatile int handled; /* handlers returned */
    volatile int afterStop; /* handlers entered after Stop returned */
};

static pthread_mutex_t gateMu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gateCond = PTHREAD_COND_INITIALIZER;
static int gateOpen;
static volatile int stopReturned;

static int
load(volatile int *v)
{
    return __atomic_load_n(v, __ATOMIC_SEQ_CST);
}

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

static void
on_done(microService *m)
{
    struct svc *s = (struct svc *) microService_GetState(m);
    __atomic_add_fetch(&s->done, 1, __ATOMIC_SEQ_CST);
}

/* Blocks until the gate opens, then answers. */
static microError *
gated_handler(microRequest *req)
{
    struct svc *s = (struct svc *) microRequest_GetServiceState(req);
    microError *err;
    if (load(&stopReturned))
        __atomic_add_fetch(&s->afterStop, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&s->running, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_lock(&gateMu);
    while (!gateOpen)
        pthread_cond_wait(&gateCond, &gateMu);
    pthread_mutex_unlock(&gateMu);
    err = microRequest_Respond(req, "done", 4);
    __atomic_add_fetch(&s->handled, 1, __ATOMIC_SEQ_CST);
    __atomic_sub_fetch(&s->running, 1, __ATOMIC_SEQ_CST);
    return err;
}

static microError *
echo_handler(microRequest *req)
{
    return microRequest_Respond(req, microRequest_GetData(req),
                                (size_t) microRequest_GetDataLength(req));
}

/* Stops the service it is called in, then still answers. */
static microError *
quit_handler(microRequest *req)
{
    microError *err = microService_Stop(microRequest_GetService(req));
    if (err != NULL)
        return err;
    return microRequest_Respond(req, "bye", 3);
}

static microService *
add(natsConnection *nc, const char *name, struct svc *state, const char *subject,
    microRequestHandler h)
{
    microService *m = NULL;
    microServiceConfig cfg;
    microEndpointConfig ep;
    memset(state, 0, sizeof(*state));
    memset(&ep, 0, sizeof(ep));
    ep.Name = "ep";
    ep.Subject = subject;
    ep.Handler = h;
    memset(&cfg, 0, sizeof(cfg));
    cfg.Name = name;
    cfg.Version = "1.0.0";
    cfg.Endpoint = &ep;
    cfg.DoneHandler = on_done;
    cfg.State = state;
    expect_ok(micro_AddService(&m, nc, &cfg), name);
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT));
    return m;
}

/* A request to a service that is gone: nobody answers. */
static void
expect_unanswered(natsConnection *nc, const char *subject)
{
    natsMsg *reply = NULL;
    natsStatus s = natsConnection_RequestString(&reply, nc, subject, "x", 500);
    CHECK(s == NATS_NO_RESPONDERS || s == NATS_TIMEOUT, "a stopped service does not answer");
    CHECK(reply == NULL, "no reply");
}

static void *
stop_thread(void *arg)
{
    microError *err = microService_Stop((microService *) arg);
    __atomic_store_n(&stopReturned, 1, __ATOMIC_SEQ_CST);
    return (void *) err;
}

static void *
run_thread(void *arg)
{
    return (void *) microService_Run((microService *) arg);
}

static void
join_ok(pthread_t t, const char *what)
{
    void *ret = NULL;
    CHECK(pthread_join(t, &ret) == 0, "pthread_join");
    expect_ok((microError *) ret, what);
}

int
main(int argc, char **argv)
{
    natsConnection *nc = NULL, *client = NULL, *nc2 = NULL;
    natsSubscription *inbox = NULL;
    natsMsg *reply = NULL;
    microService *m;
    microEndpointConfig ep;
    struct svc a, b, c, d, e;
    pthread_t stopper, runner;
    char subj[64];
    int i;

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));
    CHECK_OK(natsConnection_ConnectTo(&client, test_url(argc, argv)));
    CHECK_OK(natsConnection_SubscribeSync(&inbox, client, "stop.replies"));
    CHECK_OK(natsConnection_FlushTimeout(client, WAIT));

    /* A: Stop while requests are in flight. */
    m = add(nc, "blocker", &a, "stop.gated", gated_handler);
    for (i = 0; i < INFLIGHT; i++)
        CHECK_OK(natsConnection_PublishRequestString(client, "stop.gated", "stop.replies", "r"));
    CHECK_OK(natsConnection_FlushTimeout(client, WAIT));
    CHECK(test_wait_count(&a.running, 1, WAIT) == 1, "a handler is blocked");
    CHECK(pthread_create(&stopper, NULL, stop_thread, m) == 0, "pthread_create");
    /* Stop has begun once the service says it is stopped. */
    for (i = 0; i < WAIT && !microService_IsStopped(m); i++)
        nats_Sleep(1);
    CHECK(microService_IsStopped(m), "stopped as soon as Stop began");
    pthread_mutex_lock(&gateMu);
    gateOpen = 1;
    pthread_cond_broadcast(&gateCond);
    pthread_mutex_unlock(&gateMu);
    join_ok(stopper, "Stop");
#ifdef NATS_RS_H
    /* Ours: Stop returns after the drain and the DoneHandler (nats.c 3.14's
     * only starts the drain). */
    CHECK(load(&a.handled) == INFLIGHT, "the in-flight requests were handled before Stop returned");
    CHECK(load(&a.running) == 0, "no handler running after Stop returned");
    CHECK(load(&a.done) == 1, "DoneHandler ran before Stop returned");
#endif
    for (i = 0; i < INFLIGHT; i++) {
        CHECK_OK(natsSubscription_NextMsg(&reply, inbox, WAIT));
        CHECK(natsMsg_GetDataLength(reply) == 4 && memcmp(natsMsg_GetData(reply), "done", 4) == 0,
              "an in-flight request is answered");
        natsMsg_Destroy(reply);
    }
    CHECK(test_wait_count(&a.done, 1, WAIT) == 1, "DoneHandler once");
    CHECK(load(&a.handled) == INFLIGHT, "every in-flight request handled");
#ifdef NATS_RS_H
    /* nats.c 3.14's Stop returns before the queued requests are handled. */
    CHECK(load(&a.afterStop) == 0, "no handler started after Stop returned");
#endif
    CHECK(microService_IsStopped(m), "stopped");
    expect_unanswered(client, "stop.gated");
    expect_unanswered(client, "$SRV.PING.blocker");
    memset(&ep, 0, sizeof(ep));
    ep.Name = "late";
    ep.Handler = echo_handler;
    {
        microError *err = microService_AddEndpoint(m, &ep);
        CHECK(err != NULL, "a stopped service takes no new endpoint");
        microError_Destroy(err);
    }
    expect_ok(microService_Stop(m), "a second Stop");
    expect_ok(microService_Destroy(m), "destroy a stopped service");
    CHECK(load(&a.done) == 1, "still one DoneHandler call");

    /* B: Run returns once another thread stopped the service. */
    m = add(nc, "runner", &b, "stop.run", echo_handler);
    CHECK(pthread_create(&runner, NULL, run_thread, m) == 0, "pthread_create");
    CHECK_OK(natsConnection_RequestString(&reply, client, "stop.run", "hi", WAIT));
    natsMsg_Destroy(reply);
    expect_ok(microService_Stop(m), "Stop a running service");
    join_ok(runner, "Run");
    CHECK(test_wait_count(&b.done, 1, WAIT) == 1, "DoneHandler once after Run");
    expect_unanswered(client, "stop.run");
    expect_ok(microService_Destroy(m), "destroy");
    CHECK(load(&b.done) == 1, "one DoneHandler call");

    /* C: Stop from inside a handler. */
    m = add(nc, "quitter", &c, "stop.quit", quit_handler);
    CHECK(pthread_create(&runner, NULL, run_thread, m) == 0, "pthread_create");
    CHECK_OK(natsConnection_RequestString(&reply, client, "stop.quit", "", WAIT));
    CHECK(natsMsg_GetDataLength(reply) == 3 && memcmp(natsMsg_GetData(reply), "bye", 3) == 0,
          "the stopping handler still answers");
    natsMsg_Destroy(reply);
    join_ok(runner, "Run after Stop in a handler");
    CHECK(test_wait_count(&c.done, 1, WAIT) == 1, "DoneHandler once");
    CHECK(microService_IsStopped(m), "stopped from its handler");
    expect_unanswered(client, "stop.quit");
    expect_ok(microService_Destroy(m), "destroy");
    CHECK(load(&c.done) == 1, "one DoneHandler call");

    /* D: Destroy without Stop. */
    m = add(nc, "destroyed", &d, "stop.destroy", echo_handler);
    CHECK_OK(natsConnection_RequestString(&reply, client, "stop.destroy", "x", WAIT));
    natsMsg_Destroy(reply);
    expect_ok(microService_Destroy(m), "destroy a running service");
    CHECK(test_wait_count(&d.done, 1, WAIT) == 1, "DoneHandler once after Destroy");
    expect_unanswered(client, "stop.destroy");
    CHECK(load(&d.done) == 1, "one DoneHandler call");

    /* E: closing the connection ends the service. */
    CHECK_OK(natsConnection_ConnectTo(&nc2, test_url(argc, argv)));
    m = add(nc2, "closer", &e, "stop.close", echo_handler);
    CHECK(pthread_create(&runner, NULL, run_thread, m) == 0, "pthread_create");
    CHECK_OK(natsConnection_RequestString(&reply, client, "stop.close", "x", WAIT));
    natsMsg_Destroy(reply);
    natsConnection_Close(nc2);
    join_ok(runner, "Run after the connection closed");
    CHECK(test_wait_count(&e.done, 1, WAIT) == 1, "DoneHandler once after Close");
    CHECK(microService_IsStopped(m), "stopped by Close");
    expect_unanswered(client, "stop.close");
    snprintf(subj, sizeof(subj), "$SRV.PING.%s", "closer");
    expect_unanswered(client, subj);
    expect_ok(microService_Destroy(m), "destroy after Close");
    CHECK(load(&e.done) == 1, "one DoneHandler call");
    natsConnection_Destroy(nc2);

    natsSubscription_Destroy(inbox);
    natsConnection_Destroy(client);
    natsConnection_Destroy(nc);
    CHECK_OK(nats_CloseAndWait(0));
    TEST_PASS("micro_stop");
    return 0;
}
