// modes: c cxx valgrind
/*
 * micro_stats: a service's statistics and its errors. The stats count the
 * requests and the errors of each endpoint (a handler returning micro_Errorf
 * or micro_ErrorfCode, a handler calling microRequest_RespondError), keep the
 * last error's text and the processing time (a handler that takes at least
 * 50 ms each time). A plain client sees the Nats-Service-Error and
 * Nats-Service-Error-Code headers; microClient_DoRequest turns them into a
 * microError. A custom StatsHandler answers $SRV.STATS instead of the
 * default one. The microError functions format like printf, wrap, report
 * the status and code, and the library's static errors survive
 * microError_Destroy.
 */
#include <nats.h>
#include "check.h"

#define WAIT 5000
#define SLOW_MS 50
#define NS_PER_MS ((int64_t) 1000000)

static volatile int customCalls;

static int
streq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
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
expect_string(microError *err, const char *want)
{
    char buf[512];
    const char *got = microError_String(err, buf, sizeof(buf));
    if (!streq(got, want)) {
        fprintf(stderr, "microError_String: \"%s\", expected \"%s\"\n", got, want);
        CHECK(0, "error text");
    }
}

static microError *
ok_handler(microRequest *req)
{
    return microRequest_Respond(req, "ok", 2);
}

static volatile int failures;

static microError *
fail_handler(microRequest *req)
{
    (void) req;
    return micro_Errorf("broken %d", __atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST));
}

static microError *
failcode_handler(microRequest *req)
{
    return micro_ErrorfCode(400, "bad input: %.*s", microRequest_GetDataLength(req),
                            microRequest_GetData(req));
}

static microError *
respond_error_handler(microRequest *req)
{
    /* The handler answers with the error itself and reports no error. */
    return microRequest_RespondError(req, micro_ErrorfCode(503, "unavailable, try %s", "later"));
}

static microError *
slow_handler(microRequest *req)
{
    nats_Sleep(SLOW_MS);
    return microRequest_Respond(req, "slow", 4);
}

static microError *
custom_stats(microRequest *req)
{
    static const char body[] = "{\"custom\":true}";
    __atomic_add_fetch(&customCalls, 1, __ATOMIC_SEQ_CST);
    return microRequest_Respond(req, body, sizeof(body) - 1);
}

static void
add_ep(microService *m, const char *name, microRequestHandler h)
{
    microEndpointConfig ep;
    char subject[64];
    memset(&ep, 0, sizeof(ep));
    snprintf(subject, sizeof(subject), "stats.%s", name);
    ep.Name = name;
    ep.Subject = subject;
    ep.Handler = h;
    expect_ok(microService_AddEndpoint(m, &ep), name);
}

static const microEndpointStats *
find_stats(const microServiceStats *st, const char *name)
{
    int i;
    for (i = 0; i < st->EndpointsLen; i++)
        if (streq(st->Endpoints[i].Name, name))
            return &st->Endpoints[i];
    fprintf(stderr, "no stats for endpoint '%s'\n", name);
    CHECK(0, "endpoint stats");
    return NULL;
}

/* The service's stats once endpoint `name` has counted `want` requests
 * (counted after the reply went out, so a client may be ahead of them). */
static microServiceStats *
stats_after(microService *m, const char *name, int64_t want)
{
    int64_t deadline = test_now_ms() + WAIT;
    for (;;) {
        microServiceStats *st = NULL;
        expect_ok(microService_GetStats(&st, m), "GetStats");
        if (find_stats(st, name)->NumRequests >= want || test_now_ms() > deadline)
            return st;
        microServiceStats_Destroy(st);
        nats_Sleep(5);
    }
}

static void
request(natsConnection *nc, const char *subject, const char *data, natsMsg **reply)
{
    CHECK_OK(natsConnection_RequestString(reply, nc, subject, data, WAIT));
}

static void
error_values(void)
{
    microError *err, *inner;
    char want[256];

    CHECK(microError_Status(NULL) == NATS_OK, "no error, no status");

    err = micro_Errorf("%d items, %s, 100%%", 3, "abc");
    CHECK(err != NULL, "micro_Errorf");
    expect_string(err, "3 items, abc, 100%");
    CHECK(microError_Status(err) == NATS_OK, "Errorf has no status");
#ifdef NATS_RS_H
    /* nats.c 3.14 declares microError_Code but does not export it. */
    CHECK(microError_Code(err) == 0, "Errorf has no code");
#endif
    microError_Destroy(err);

    err = micro_ErrorfCode(404, "no %s number %d", "thing", -7);
    expect_string(err, "code 404: no thing number -7");
#ifdef NATS_RS_H
    CHECK(microError_Code(err) == 404, "ErrorfCode code");
#endif
    microError_Destroy(err);

    CHECK(micro_ErrorFromStatus(NATS_OK) == NULL, "OK is no error");
    err = micro_ErrorFromStatus(NATS_TIMEOUT);
    CHECK(microError_Status(err) == NATS_TIMEOUT, "ErrorFromStatus status");
    snprintf(want, sizeof(want), "status %u: %s", (unsigned) NATS_TIMEOUT,
             natsStatus_GetText(NATS_TIMEOUT));
    expect_string(err, want);

    inner = err;
    err = microError_Wrapf(inner, "while %s #%d", "waiting", 2);
    CHECK(err != NULL && err != inner, "Wrapf makes a new error");
    snprintf(want, sizeof(want), "while waiting #2: status %u: %s", (unsigned) NATS_TIMEOUT,
             natsStatus_GetText(NATS_TIMEOUT));
    expect_string(err, want);
    CHECK(microError_Status(err) == NATS_TIMEOUT, "a wrapped error keeps the cause's status");
    microError_Destroy(err); /* frees the cause too (valgrind checks) */
    CHECK(microError_Wrapf(NULL, "nothing %d", 1) == NULL, "wrapping no error is no error");

    /* The static errors are never freed. */
    microError_Destroy(micro_ErrorOutOfMemory);
    microError_Destroy(micro_ErrorOutOfMemory);
    CHECK(microError_Status(micro_ErrorOutOfMemory) == NATS_NO_MEMORY, "out of memory status");
    microError_Destroy(micro_ErrorInvalidArg);
    CHECK(microError_Status(micro_ErrorInvalidArg) == NATS_INVALID_ARG, "invalid arg status");
    err = microError_Wrapf(micro_ErrorInvalidArg, "wrapped");
    microError_Destroy(err);
    CHECK(microError_Status(micro_ErrorInvalidArg) == NATS_INVALID_ARG,
          "still usable after its wrapper was destroyed");
    CHECK(strstr(microError_String(micro_ErrorInvalidArg, want, sizeof(want)), "invalid") != NULL,
          "invalid arg text");
}

int
main(int argc, char **argv)
{
    natsConnection *nc = NULL;
    natsMsg *reply = NULL;
    microService *m = NULL, *custom = NULL;
    microServiceConfig cfg;
    microServiceStats *st;
    const microEndpointStats *es;
    microClient *client = NULL;
    microError *err;
    const char *hv = NULL;
    char buf[512];
    int64_t total;
    int i;

    error_values();

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));
    memset(&cfg, 0, sizeof(cfg));
    cfg.Name = "counter";
    cfg.Version = "2.0.0";
    expect_ok(micro_AddService(&m, nc, &cfg), "add service");
    add_ep(m, "ok", ok_handler);
    add_ep(m, "fail", fail_handler);
    add_ep(m, "failcode", failcode_handler);
    add_ep(m, "resperr", respond_error_handler);
    add_ep(m, "slow", slow_handler);

    /* Fresh stats: nothing counted. */
    expect_ok(microService_GetStats(&st, m), "GetStats");
    CHECK(streq(st->Type, MICRO_STATS_RESPONSE_TYPE), "stats type");
    CHECK(streq(st->Name, "counter") && streq(st->Version, "2.0.0"), "stats name, version");
    CHECK(st->Id != NULL && st->Id[0] != '\0', "stats id");
    CHECK(st->Started > 0, "started time");
    CHECK(st->EndpointsLen == 5, "five endpoints, not the $SRV ones");
    es = find_stats(st, "ok");
    CHECK(streq(es->Subject, "stats.ok"), "stats subject");
    CHECK(streq(es->QueueGroup, "q"), "stats queue group");
    CHECK(es->NumRequests == 0 && es->NumErrors == 0, "nothing counted yet");
    CHECK(es->LastErrorString[0] == '\0', "no last error yet");
    microServiceStats_Destroy(st);

    for (i = 0; i < 3; i++) {
        request(nc, "stats.ok", "", &reply);
        CHECK(natsMsg_GetDataLength(reply) == 2 && memcmp(natsMsg_GetData(reply), "ok", 2) == 0,
              "ok reply");
        CHECK(natsMsgHeader_Get(reply, MICRO_ERROR_HDR, &hv) == NATS_NOT_FOUND, "no error header");
        natsMsg_Destroy(reply);
    }

    /* Handler errors reach a plain client as headers. */
    for (i = 1; i <= 2; i++) {
        request(nc, "stats.fail", "", &reply);
        snprintf(buf, sizeof(buf), "broken %d", i);
        CHECK_OK(natsMsgHeader_Get(reply, MICRO_ERROR_HDR, &hv));
        CHECK(streq(hv, buf), "Nats-Service-Error from micro_Errorf");
        CHECK(natsMsg_GetDataLength(reply) == 0, "an error reply has no data");
        natsMsg_Destroy(reply);
    }
    request(nc, "stats.failcode", "xyz", &reply);
    CHECK_OK(natsMsgHeader_Get(reply, MICRO_ERROR_HDR, &hv));
    CHECK(streq(hv, "bad input: xyz"), "Nats-Service-Error from micro_ErrorfCode");
    CHECK_OK(natsMsgHeader_Get(reply, MICRO_ERROR_CODE_HDR, &hv));
    CHECK(streq(hv, "400"), "Nats-Service-Error-Code");
    natsMsg_Destroy(reply);
    request(nc, "stats.resperr", "", &reply);
    CHECK_OK(natsMsgHeader_Get(reply, MICRO_ERROR_HDR, &hv));
    CHECK(streq(hv, "unavailable, try later"), "Nats-Service-Error from RespondError");
    CHECK_OK(natsMsgHeader_Get(reply, MICRO_ERROR_CODE_HDR, &hv));
    CHECK(streq(hv, "503"), "Nats-Service-Error-Code from RespondError");
    natsMsg_Destroy(reply);

    for (i = 0; i < 2; i++) {
        request(nc, "stats.slow", "", &reply);
        natsMsg_Destroy(reply);
    }

    /* The counts. */
    st = stats_after(m, "slow", 2);
    es = find_stats(st, "slow");
    CHECK(es->NumRequests == 2 && es->NumErrors == 0, "slow counts");
    total = es->ProcessingTimeSeconds * 1000000000 + es->ProcessingTimeNanoseconds;
    CHECK(es->ProcessingTimeNanoseconds >= 0 && es->ProcessingTimeNanoseconds < 1000000000,
          "nanoseconds below one second");
    CHECK(total >= 2 * SLOW_MS * NS_PER_MS, "processing time at least the handlers' sleep");
    CHECK(es->AverageProcessingTimeNanoseconds >= SLOW_MS * NS_PER_MS,
          "average processing time at least one sleep");
    CHECK(es->AverageProcessingTimeNanoseconds <= total, "average not above the total");
    microServiceStats_Destroy(st);
    st = stats_after(m, "ok", 3);
    es = find_stats(st, "ok");
    CHECK(es->NumRequests == 3 && es->NumErrors == 0, "ok counts");
    microServiceStats_Destroy(st);
    st = stats_after(m, "fail", 2);
    es = find_stats(st, "fail");
    CHECK(es->NumRequests == 2 && es->NumErrors == 2, "fail counts");
    CHECK(strstr(es->LastErrorString, "broken 2") != NULL, "last error text");
    CHECK(strstr(es->LastErrorString, "broken 1") == NULL, "only the last error");
    microServiceStats_Destroy(st);
    st = stats_after(m, "failcode", 1);
    es = find_stats(st, "failcode");
    CHECK(es->NumRequests == 1 && es->NumErrors == 1, "failcode counts");
    CHECK(strstr(es->LastErrorString, "bad input: xyz") != NULL, "last error text with code");
    microServiceStats_Destroy(st);
    st = stats_after(m, "resperr", 1);
    es = find_stats(st, "resperr");
    CHECK(es->NumRequests == 1 && es->NumErrors == 1, "RespondError counts as an error");
    CHECK(strstr(es->LastErrorString, "unavailable, try later") != NULL, "RespondError text");
    microServiceStats_Destroy(st);

    /* The same in the STATS response. */
    request(nc, "$SRV.STATS.counter", "", &reply);
    CHECK(strstr(natsMsg_GetData(reply), "broken 2") != NULL, "STATS has the last error");
    CHECK(strstr(natsMsg_GetData(reply), "\"num_errors\"") != NULL, "STATS has num_errors");
#ifdef NATS_RS_H
    /* ADR-32's total processing time; nats.c 3.14 reports only the average. */
    CHECK(strstr(natsMsg_GetData(reply), "\"processing_time\"") != NULL, "STATS processing_time");
#endif
    natsMsg_Destroy(reply);

    /* microClient_DoRequest: service errors become microErrors. */
    expect_ok(micro_NewClient(&client, nc, NULL), "NewClient");
    expect_ok(microClient_DoRequest(&reply, client, "stats.ok", "", 0), "DoRequest ok");
    CHECK(natsMsg_GetDataLength(reply) == 2 && memcmp(natsMsg_GetData(reply), "ok", 2) == 0,
          "DoRequest reply");
    natsMsg_Destroy(reply);
    reply = NULL;
    err = microClient_DoRequest(&reply, client, "stats.failcode", "abc", 3);
    CHECK(err != NULL, "DoRequest reports the service error");
    CHECK(reply == NULL, "no reply handed out with an error");
    CHECK(microError_Status(err) == NATS_OK, "a service error is no NATS error");
#ifdef NATS_RS_H
    CHECK(microError_Code(err) == 400, "DoRequest error code");
#endif
    expect_string(err, "code 400: bad input: abc");
    microError_Destroy(err);
    err = microClient_DoRequest(&reply, client, "stats.nobody", "", 0);
    CHECK(err != NULL && microError_Status(err) == NATS_NO_RESPONDERS, "DoRequest, no responders");
    microError_Destroy(err);
    err = microClient_DoRequest(NULL, client, "stats.ok", "", 0);
    CHECK(err != NULL && microError_Status(err) == NATS_INVALID_ARG, "NULL reply refused");
    microError_Destroy(err);
    microClient_Destroy(client);

    /* A custom stats handler replaces the default one. */
    memset(&cfg, 0, sizeof(cfg));
    cfg.Name = "custom";
    cfg.Version = "1.0.0";
    cfg.StatsHandler = custom_stats;
    expect_ok(micro_AddService(&custom, nc, &cfg), "add custom");
    request(nc, "$SRV.STATS.custom", "", &reply);
    CHECK(natsMsg_GetDataLength(reply) == 15 &&
              memcmp(natsMsg_GetData(reply), "{\"custom\":true}", 15) == 0,
          "custom stats body");
    natsMsg_Destroy(reply);
    CHECK(__atomic_load_n(&customCalls, __ATOMIC_SEQ_CST) == 1, "custom handler called once");
    request(nc, "$SRV.PING.custom", "", &reply);
    CHECK(strstr(natsMsg_GetData(reply), "ping_response") != NULL, "PING still the default");
    natsMsg_Destroy(reply);

    expect_ok(microService_Destroy(custom), "destroy custom");
    expect_ok(microService_Destroy(m), "destroy");
    natsConnection_Destroy(nc);
    CHECK_OK(nats_CloseAndWait(0));
    TEST_PASS("micro_stats");
    return 0;
}
