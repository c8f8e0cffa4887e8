// modes: c cxx valgrind
/*
 * micro_service: building a service with the micro API. micro_AddService
 * refuses bad arguments, names and versions; the config's endpoint, endpoints
 * added later, groups and nested groups get the subjects "prefix.sub.name";
 * queue groups are inherited service -> group -> endpoint unless overridden
 * or switched off (NoQueueGroup); microService_GetInfo describes all of it.
 * A handler sees the request through the microRequest_* accessors (data,
 * subject, reply, message, connection, service, states, headers) and its
 * reply reaches a plain natsConnection_Request client byte for byte. The
 * $SRV.PING/INFO/STATS subjects are answered in their three forms (all, by
 * name, by name and id) with the expected JSON fields.
 */
#include <nats.h>
#include "check.h"

#define WAIT 5000

static int svcState = 1, epState = 2;
static microService *mainSvc;
static natsConnection *mainConn;

static int
streq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

/* 1 if json has "key" followed by (optional blanks) ':' (blanks) and then
 * the text value (itself JSON, e.g. "\"calc\"" or "{"). */
static int
json_has(const char *json, const char *key, const char *value)
{
    char quoted[256];
    const char *p = json;
    snprintf(quoted, sizeof(quoted), "\"%s\"", key);
    while ((p = strstr(p, quoted)) != NULL) {
        const char *q = p + strlen(quoted);
        p = q;
        while (*q == ' ' || *q == '\t' || *q == '\n')
            q++;
        if (*q != ':')
            continue;
        q++;
        while (*q == ' ' || *q == '\t' || *q == '\n')
            q++;
        if (strncmp(q, value, strlen(value)) == 0)
            return 1;
    }
    return 0;
}

static void
check_json(const char *json, const char *key, const char *value)
{
    if (!json_has(json, key, value)) {
        fprintf(stderr, "JSON lacks \"%s\": %s\n  in %s\n", key, value, json);
        CHECK(0, "JSON field");
    }
}

/* The error a call returned: non-NULL with the status, then destroyed. */
static void
expect_error(microError *err, natsStatus status, const char *what)
{
    char buf[512];
    if (err == NULL) {
        fprintf(stderr, "%s: accepted\n", what);
        CHECK(0, "an error was expected");
    }
    if (microError_Status(err) != status) {
        fprintf(stderr, "%s: %s\n", what, microError_String(err, buf, sizeof(buf)));
        CHECK(microError_Status(err) == status, "error status");
    }
    microError_Destroy(err);
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

/* Answers "<tag>:<data>". */
static microError *
tagged(microRequest *req, const char *tag)
{
    char out[256];
    int n = snprintf(out, sizeof(out), "%s:%.*s", tag,
                     microRequest_GetDataLength(req), microRequest_GetData(req));
    return microRequest_Respond(req, out, (size_t) n);
}

static microError *echo_handler(microRequest *req) { return tagged(req, "echo"); }
static microError *add_handler(microRequest *req) { return tagged(req, "add"); }
static microError *sub_handler(microRequest *req) { return tagged(req, "sub"); }
static microError *upper_handler(microRequest *req) { return tagged(req, "upper"); }

#define FAILIF(cond, why)                                                     \
    do {                                                                      \
        if (cond) {                                                           \
            failure = (why);                                                  \
            goto done;                                                        \
        }                                                                     \
    } while (0)

static const char inspectData[] = {'r', 'a', 'w', '\0', 'b', 'y', 't', 'e', 's', '\n'};

/* Checks every request accessor; answers the request data reversed, or
 * "FAIL: <what>" when something is off. */
static microError *
inspect_handler(microRequest *req)
{
    const char *failure = NULL;
    const char *v = NULL;
    const char **keys = NULL;
    const char **vals = NULL;
    int n = 0, i, len;
    microError *err;
    char out[64];
    natsMsg *msg;

    len = microRequest_GetDataLength(req);
    FAILIF(len != (int) sizeof(inspectData), "GetDataLength");
    FAILIF(memcmp(microRequest_GetData(req), inspectData, sizeof(inspectData)) != 0, "GetData");
    FAILIF(!streq(microRequest_GetSubject(req), "svc.inspect"), "GetSubject");
    FAILIF(microRequest_GetReply(req) == NULL ||
               strncmp(microRequest_GetReply(req), "_INBOX.", 7) != 0,
           "GetReply");
    msg = microRequest_GetMsg(req);
    FAILIF(msg == NULL || !streq(natsMsg_GetSubject(msg), "svc.inspect"), "GetMsg");
    FAILIF(natsMsg_GetDataLength(msg) != len, "GetMsg data");
    FAILIF(microRequest_GetConnection(req) != mainConn, "GetConnection");
    FAILIF(microRequest_GetService(req) != mainSvc, "GetService");
    FAILIF(microRequest_GetServiceState(req) != (void *) &svcState, "GetServiceState");
    FAILIF(microRequest_GetEndpointState(req) != (void *) &epState, "GetEndpointState");

    /* Headers as sent: X-A: 1, X-A: 2, X-B: b. */
    err = microRequest_GetHeaderKeys(req, &keys, &n);
    FAILIF(err != NULL || n != 2, "GetHeaderKeys");
    for (i = 0; i < n; i++)
        if (!streq(keys[i], "X-A") && !streq(keys[i], "X-B"))
            failure = "GetHeaderKeys names";
    free((void *) keys);
    keys = NULL;
    FAILIF(failure != NULL, failure);
    err = microRequest_GetHeaderValue(req, "X-B", &v);
    FAILIF(err != NULL || !streq(v, "b"), "GetHeaderValue");
    err = microRequest_GetHeaderValues(req, "X-A", &vals, &n);
    FAILIF(err != NULL || n != 2 || !streq(vals[0], "1") || !streq(vals[1], "2"),
           "GetHeaderValues");
    free((void *) vals);
    vals = NULL;

    err = microRequest_AddHeader(req, "X-A", "3");
    FAILIF(err != NULL, "AddHeader");
    err = microRequest_GetHeaderValues(req, "X-A", &vals, &n);
    FAILIF(err != NULL || n != 3 || !streq(vals[2], "3"), "values after AddHeader");
    free((void *) vals);
    vals = NULL;
    err = microRequest_SetHeader(req, "X-A", "only");
    FAILIF(err != NULL, "SetHeader");
    err = microRequest_GetHeaderValues(req, "X-A", &vals, &n);
    FAILIF(err != NULL || n != 1 || !streq(vals[0], "only"), "values after SetHeader");
    free((void *) vals);
    vals = NULL;
    err = microRequest_DeleteHeader(req, "X-B");
    FAILIF(err != NULL, "DeleteHeader");
    v = NULL;
    err = microRequest_GetHeaderValue(req, "X-B", &v);
    FAILIF(err == NULL || microError_Status(err) != NATS_NOT_FOUND, "deleted header is not found");
    microError_Destroy(err);
    err = NULL;

done:
    free((void *) keys);
    free((void *) vals);
    microError_Destroy(err);
    if (failure != NULL) {
        snprintf(out, sizeof(out), "FAIL: %s", failure);
        return microRequest_Respond(req, out, strlen(out));
    }
    for (i = 0; i < len; i++)
        out[i] = inspectData[len - 1 - i];
    return microRequest_Respond(req, out, (size_t) len);
}

static void
expect_reply(natsConnection *nc, const char *subject, const char *data, const char *want)
{
    natsMsg *reply = NULL;
    const char *hv = NULL;
    CHECK_OK(natsConnection_RequestString(&reply, nc, subject, data, WAIT));
    if ((size_t) natsMsg_GetDataLength(reply) != strlen(want) ||
        memcmp(natsMsg_GetData(reply), want, strlen(want)) != 0) {
        fprintf(stderr, "%s: got \"%.*s\", expected \"%s\"\n", subject,
                natsMsg_GetDataLength(reply), natsMsg_GetData(reply), want);
        CHECK(0, "endpoint reply");
    }
    CHECK(natsMsgHeader_Get(reply, MICRO_ERROR_HDR, &hv) == NATS_NOT_FOUND,
          "a good reply has no service error header");
    natsMsg_Destroy(reply);
}

/* The reply to a $SRV request, as a malloc'ed string. */
static char *
srv_request(natsConnection *nc, const char *subject)
{
    natsMsg *reply = NULL;
    char *json;
    CHECK_OK(natsConnection_RequestString(&reply, nc, subject, "", WAIT));
    json = (char *) calloc(1, (size_t) natsMsg_GetDataLength(reply) + 1);
    CHECK(json != NULL, "calloc");
    memcpy(json, natsMsg_GetData(reply), (size_t) natsMsg_GetDataLength(reply));
    natsMsg_Destroy(reply);
    return json;
}

static const microEndpointInfo *
find_ep(const microServiceInfo *info, const char *name)
{
    int i;
    for (i = 0; i < info->EndpointsLen; i++)
        if (streq(info->Endpoints[i].Name, name))
            return &info->Endpoints[i];
    fprintf(stderr, "no endpoint '%s' in the info\n", name);
    CHECK(0, "endpoint listed");
    return NULL;
}

static void
check_ep(const microServiceInfo *info, const char *name, const char *subject, const char *queue)
{
    const microEndpointInfo *ep = find_ep(info, name);
    if (!streq(ep->Subject, subject)) {
        fprintf(stderr, "%s: subject %s, expected %s\n", name, ep->Subject, subject);
        CHECK(0, "endpoint subject");
    }
    if (queue == NULL) {
        CHECK(ep->QueueGroup == NULL || ep->QueueGroup[0] == '\0', "no queue group");
    } else if (!streq(ep->QueueGroup, queue)) {
        fprintf(stderr, "%s: queue group %s, expected %s\n", name,
                ep->QueueGroup ? ep->QueueGroup : "(none)", queue);
        CHECK(0, "endpoint queue group");
    }
}

static void
validation(natsConnection *nc)
{
    microServiceConfig cfg;
    microEndpointConfig ep;
    microService *m = NULL;
    microGroup *g = NULL;
    microGroupConfig gcfg;
    const char *badNames[] = {"", "bad name", "bad.name", "bad*", "bad>", "bad/x"};
    size_t i;

    memset(&cfg, 0, sizeof(cfg));
    cfg.Name = "valid";
    cfg.Version = "1.0.0";
    expect_error(micro_AddService(NULL, nc, &cfg), NATS_INVALID_ARG, "NULL result");
    expect_error(micro_AddService(&m, NULL, &cfg), NATS_INVALID_ARG, "NULL connection");
    expect_error(micro_AddService(&m, nc, NULL), NATS_INVALID_ARG, "NULL config");
    cfg.Name = NULL;
    expect_error(micro_AddService(&m, nc, &cfg), NATS_INVALID_ARG, "NULL name");
    for (i = 0; i < sizeof(badNames) / sizeof(badNames[0]); i++) {
        cfg.Name = badNames[i];
        expect_error(micro_AddService(&m, nc, &cfg), NATS_INVALID_ARG, badNames[i]);
    }
    cfg.Name = "valid";
    cfg.Version = NULL;
    expect_error(micro_AddService(&m, nc, &cfg), NATS_INVALID_ARG, "NULL version");
    cfg.Version = "";
    expect_error(micro_AddService(&m, nc, &cfg), NATS_INVALID_ARG, "empty version");
#ifdef NATS_RS_H
    /* ADR-32 wants semver 2.0; nats.c 3.14 only checks that a version is
     * there (and would create these services). */
    cfg.Version = "1.0";
    expect_error(micro_AddService(&m, nc, &cfg), NATS_INVALID_ARG, "version 1.0");
    cfg.Version = "v1.0.0";
    expect_error(micro_AddService(&m, nc, &cfg), NATS_INVALID_ARG, "version v1.0.0");
    cfg.Version = "1.0.0.0";
    expect_error(micro_AddService(&m, nc, &cfg), NATS_INVALID_ARG, "version 1.0.0.0");
#endif
    CHECK(m == NULL, "no service handed out for a refused config");

    /* A full semver with pre-release and build parts, and every allowed name
     * character. */
    cfg.Name = "Valid_name-09";
    cfg.Version = "1.0.0-rc.1+build.5";
    expect_ok(micro_AddService(&m, nc, &cfg), "valid config");
    CHECK(m != NULL, "service handed out");
    CHECK(!microService_IsStopped(m), "a new service runs");

    memset(&ep, 0, sizeof(ep));
    ep.Name = "noHandler";
    expect_error(microService_AddEndpoint(m, &ep), NATS_INVALID_ARG, "endpoint without handler");
    ep.Name = "bad name";
    ep.Handler = echo_handler;
    expect_error(microService_AddEndpoint(m, &ep), NATS_INVALID_ARG, "endpoint name with a blank");
    ep.Name = NULL;
    ep.Subject = "has.subject"; /* nats.c needs a subject when there is no name */
    expect_error(microService_AddEndpoint(m, &ep), NATS_INVALID_ARG, "endpoint without name");
    expect_error(microService_AddEndpoint(NULL, &ep), NATS_INVALID_ARG, "NULL service");
    memset(&gcfg, 0, sizeof(gcfg));
    expect_error(microService_AddGroup(&g, m, &gcfg), NATS_INVALID_ARG, "group without prefix");
    expect_error(microService_AddGroup(&g, m, NULL), NATS_INVALID_ARG, "NULL group config");
    CHECK(g == NULL, "no group handed out");

    expect_ok(microService_Stop(m), "stop");
    CHECK(microService_IsStopped(m), "stopped");
    expect_ok(microService_Destroy(m), "destroy");
}

int
main(int argc, char **argv)
{
    natsConnection *nc = NULL;
    natsMsg *req = NULL, *reply = NULL;
    microService *m = NULL, *m2 = NULL;
    microServiceConfig cfg;
    microEndpointConfig defEp, ep;
    microGroupConfig gcfg;
    microGroup *math = NULL, *v2 = NULL, *free_ = NULL, *inner = NULL;
    microServiceInfo *info = NULL;
    const microEndpointInfo *ei;
    const char *svcMeta[] = {"team", "core", "tier", "gold"};
    const char *epMeta[] = {"unit", "none"};
    char id[128], subj[256], rev[sizeof(inspectData)];
    char *json;
    const char *verbs[] = {"PING", "INFO", "STATS"};
    size_t i, k;

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));
    mainConn = nc;

    validation(nc);

    memset(&defEp, 0, sizeof(defEp));
    defEp.Name = "echo";
    defEp.Handler = echo_handler;
    defEp.Metadata.List = epMeta;
    defEp.Metadata.Count = 1;

    memset(&cfg, 0, sizeof(cfg));
    cfg.Name = "calc";
    cfg.Version = "1.2.3";
    cfg.Description = "a test service";
    cfg.Metadata.List = svcMeta;
    cfg.Metadata.Count = 2;
    cfg.Endpoint = &defEp;
    cfg.State = &svcState;
    expect_ok(micro_AddService(&m, nc, &cfg), "add calc");
    mainSvc = m;

    CHECK(microService_GetConnection(m) == nc, "GetConnection");
    CHECK(microService_GetState(m) == (void *) &svcState, "GetState");

    /* An endpoint with its own subject, one with its own queue group, one
     * without any, one looking at the request. */
    memset(&ep, 0, sizeof(ep));
    ep.Name = "upper";
    ep.Subject = "svc.upper";
    ep.QueueGroup = "epq";
    ep.Handler = upper_handler;
    expect_ok(microService_AddEndpoint(m, &ep), "add upper");
    memset(&ep, 0, sizeof(ep));
    ep.Name = "solo";
    ep.Subject = "svc.solo";
    ep.NoQueueGroup = true;
    ep.Handler = echo_handler;
    expect_ok(microService_AddEndpoint(m, &ep), "add solo");
    memset(&ep, 0, sizeof(ep));
    ep.Name = "inspect";
    ep.Subject = "svc.inspect";
    ep.Handler = inspect_handler;
    ep.State = &epState;
    expect_ok(microService_AddEndpoint(m, &ep), "add inspect");

    /* Groups: math (queue group grpq) > v2 (inherits it); free (none) >
     * inner (inherits none) with one endpoint that sets its own. */
    memset(&gcfg, 0, sizeof(gcfg));
    gcfg.Prefix = "math";
    gcfg.QueueGroup = "grpq";
    expect_ok(microService_AddGroup(&math, m, &gcfg), "group math");
    memset(&gcfg, 0, sizeof(gcfg));
    gcfg.Prefix = "v2";
    expect_ok(microGroup_AddGroup(&v2, math, &gcfg), "group math.v2");
    memset(&gcfg, 0, sizeof(gcfg));
    gcfg.Prefix = "free";
    gcfg.NoQueueGroup = true;
    expect_ok(microService_AddGroup(&free_, m, &gcfg), "group free");
    memset(&gcfg, 0, sizeof(gcfg));
    gcfg.Prefix = "inner";
    expect_ok(microGroup_AddGroup(&inner, free_, &gcfg), "group free.inner");
    expect_error(microGroup_AddGroup(&inner, free_, NULL), NATS_INVALID_ARG, "NULL nested config");
    expect_error(microGroup_AddEndpoint(NULL, &ep), NATS_INVALID_ARG, "NULL group");

    memset(&ep, 0, sizeof(ep));
    ep.Name = "add";
    ep.Handler = add_handler;
    ep.Metadata.List = epMeta;
    ep.Metadata.Count = 1;
    expect_ok(microGroup_AddEndpoint(math, &ep), "math.add");
    memset(&ep, 0, sizeof(ep));
    ep.Name = "sub";
    ep.Handler = sub_handler;
    expect_ok(microGroup_AddEndpoint(v2, &ep), "math.v2.sub");
    memset(&ep, 0, sizeof(ep));
    ep.Name = "mul";
    ep.Subject = "times";
    ep.QueueGroup = "mine";
    ep.Handler = add_handler;
    expect_ok(microGroup_AddEndpoint(v2, &ep), "math.v2.times");
    memset(&ep, 0, sizeof(ep));
    ep.Name = "deep";
    ep.Handler = echo_handler;
    expect_ok(microGroup_AddEndpoint(inner, &ep), "free.inner.deep");
    memset(&ep, 0, sizeof(ep));
    ep.Name = "deepq";
    ep.QueueGroup = "own";
    ep.Handler = echo_handler;
    expect_ok(microGroup_AddEndpoint(inner, &ep), "free.inner.deepq");

    /* Every endpoint answers on its subject. */
    expect_reply(nc, "echo", "hi", "echo:hi");
    expect_reply(nc, "svc.upper", "x", "upper:x");
    expect_reply(nc, "svc.solo", "y", "echo:y");
    expect_reply(nc, "math.add", "1 2", "add:1 2");
    expect_reply(nc, "math.v2.sub", "3 1", "sub:3 1");
    expect_reply(nc, "math.v2.times", "2 2", "add:2 2");
    expect_reply(nc, "free.inner.deep", "z", "echo:z");
    expect_reply(nc, "free.inner.deepq", "w", "echo:w");
    /* Group prefixes are not endpoints themselves. */
    CHECK_STATUS(natsConnection_RequestString(&reply, nc, "math", "", WAIT), NATS_NO_RESPONDERS);

    /* The accessors, with headers and bytes that are not a C string. */
    CHECK_OK(natsMsg_Create(&req, "svc.inspect", NULL, inspectData, (int) sizeof(inspectData)));
    CHECK_OK(natsMsgHeader_Add(req, "X-A", "1"));
    CHECK_OK(natsMsgHeader_Add(req, "X-A", "2"));
    CHECK_OK(natsMsgHeader_Set(req, "X-B", "b"));
    CHECK_OK(natsConnection_RequestMsg(&reply, nc, req, WAIT));
    for (i = 0; i < sizeof(inspectData); i++)
        rev[i] = inspectData[sizeof(inspectData) - 1 - i];
    if (natsMsg_GetDataLength(reply) != (int) sizeof(rev) ||
        memcmp(natsMsg_GetData(reply), rev, sizeof(rev)) != 0) {
        fprintf(stderr, "inspect answered \"%.*s\"\n", natsMsg_GetDataLength(reply),
                natsMsg_GetData(reply));
        CHECK(0, "request accessors");
    }
    natsMsg_Destroy(reply);
    natsMsg_Destroy(req);

    /* The service as GetInfo describes it. */
    expect_ok(microService_GetInfo(&info, m), "GetInfo");
    CHECK(streq(info->Type, MICRO_INFO_RESPONSE_TYPE), "info type");
    CHECK(streq(info->Name, "calc"), "info name");
    CHECK(streq(info->Version, "1.2.3"), "info version");
    CHECK(streq(info->Description, "a test service"), "info description");
    CHECK(info->Id != NULL && strlen(info->Id) > 0 && strlen(info->Id) < sizeof(id), "info id");
    snprintf(id, sizeof(id), "%s", info->Id);
    CHECK(info->Metadata.Count == 2, "service metadata count");
    CHECK(streq(info->Metadata.List[0], "team") && streq(info->Metadata.List[1], "core") &&
              streq(info->Metadata.List[2], "tier") && streq(info->Metadata.List[3], "gold"),
          "service metadata");
    CHECK(info->Metadata.List != svcMeta, "metadata copied");
    CHECK(info->EndpointsLen == 9, "nine endpoints, the $SRV ones not listed");
    check_ep(info, "echo", "echo", "q");
    check_ep(info, "upper", "svc.upper", "epq");
    check_ep(info, "solo", "svc.solo", NULL);
    check_ep(info, "inspect", "svc.inspect", "q");
    check_ep(info, "add", "math.add", "grpq");
    check_ep(info, "sub", "math.v2.sub", "grpq");
    check_ep(info, "mul", "math.v2.times", "mine");
    check_ep(info, "deep", "free.inner.deep", NULL);
    check_ep(info, "deepq", "free.inner.deepq", "own");
    ei = find_ep(info, "echo");
    CHECK(ei->Metadata.Count == 1 && streq(ei->Metadata.List[0], "unit") &&
              streq(ei->Metadata.List[1], "none"),
          "endpoint metadata");
    ei = find_ep(info, "sub");
    CHECK(ei->Metadata.Count == 0, "no endpoint metadata");
    microServiceInfo_Destroy(info);
    info = NULL;

    /* $SRV.<verb>, $SRV.<verb>.calc and $SRV.<verb>.calc.<id>. */
    for (k = 0; k < 3; k++) {
        for (i = 0; i < 3; i++) {
            if (i == 0)
                snprintf(subj, sizeof(subj), "$SRV.%s", verbs[k]);
            else if (i == 1)
                snprintf(subj, sizeof(subj), "$SRV.%s.calc", verbs[k]);
            else
                snprintf(subj, sizeof(subj), "$SRV.%s.calc.%s", verbs[k], id);
            json = srv_request(nc, subj);
            check_json(json, "name", "\"calc\"");
            check_json(json, "version", "\"1.2.3\"");
            snprintf(subj, sizeof(subj), "\"%s\"", id);
            check_json(json, "id", subj);
            if (k == 0) {
                check_json(json, "type", "\"io.nats.micro.v1.ping_response\"");
#ifdef NATS_RS_H
                /* ADR-32's PING carries the metadata; nats.c 3.14's does not. */
                check_json(json, "metadata", "{");
                check_json(json, "team", "\"core\"");
#endif
            } else if (k == 1) {
                check_json(json, "type", "\"io.nats.micro.v1.info_response\"");
                check_json(json, "description", "\"a test service\"");
                check_json(json, "endpoints", "[");
                check_json(json, "subject", "\"math.v2.sub\"");
                check_json(json, "subject", "\"free.inner.deep\"");
                check_json(json, "queue_group", "\"grpq\"");
                check_json(json, "queue_group", "\"epq\"");
                check_json(json, "metadata", "{");
                check_json(json, "tier", "\"gold\"");
                check_json(json, "unit", "\"none\"");
                CHECK(strstr(json, "$SRV") == NULL, "INFO does not list the $SRV endpoints");
            } else {
                check_json(json, "type", "\"io.nats.micro.v1.stats_response\"");
                check_json(json, "started", "\"");
                check_json(json, "endpoints", "[");
                check_json(json, "name", "\"inspect\"");
                check_json(json, "subject", "\"math.add\"");
                check_json(json, "num_requests", "1");
                check_json(json, "num_errors", "0");
                check_json(json, "average_processing_time", "");
                check_json(json, "last_error", "\"\"");
#ifdef NATS_RS_H
                /* ADR-32: total processing time and metadata per endpoint
                 * and for the service; nats.c 3.14 has neither in STATS. */
                check_json(json, "processing_time", "");
                check_json(json, "metadata", "{");
                check_json(json, "team", "\"core\"");
#endif
                CHECK(strstr(json, "$SRV") == NULL, "STATS does not list the $SRV endpoints");
            }
            free(json);
        }
    }
    snprintf(subj, sizeof(subj), "$SRV.PING.calc.%s", "notmyid");
    CHECK_STATUS(natsConnection_RequestString(&reply, nc, subj, "", WAIT), NATS_NO_RESPONDERS);
    CHECK_STATUS(natsConnection_RequestString(&reply, nc, "$SRV.PING.other", "", WAIT),
                 NATS_NO_RESPONDERS);

    /* A second service: a queue group of its own for everything below it. */
    memset(&defEp, 0, sizeof(defEp));
    defEp.Name = "echo";
    defEp.Subject = "svc2.echo";
    defEp.Handler = echo_handler;
    memset(&cfg, 0, sizeof(cfg));
    cfg.Name = "calc2";
    cfg.Version = "0.0.1";
    cfg.QueueGroup = "svcq";
    cfg.Endpoint = &defEp;
    expect_ok(micro_AddService(&m2, nc, &cfg), "add calc2");
    memset(&gcfg, 0, sizeof(gcfg));
    gcfg.Prefix = "g2";
    expect_ok(microService_AddGroup(&math, m2, &gcfg), "group g2");
    memset(&ep, 0, sizeof(ep));
    ep.Name = "e";
    ep.Handler = echo_handler;
    expect_ok(microGroup_AddEndpoint(math, &ep), "g2.e");
    expect_ok(microService_GetInfo(&info, m2), "GetInfo calc2");
    CHECK(info->EndpointsLen == 2, "two endpoints");
    CHECK(info->Description == NULL || info->Description[0] == '\0', "no description");
    CHECK(info->Metadata.Count == 0, "no metadata");
    CHECK(!streq(info->Id, id), "each service has its own id");
    check_ep(info, "echo", "svc2.echo", "svcq");
    check_ep(info, "e", "g2.e", "svcq");
    microServiceInfo_Destroy(info);
    expect_reply(nc, "g2.e", "v", "echo:v");

    expect_ok(microService_Destroy(m2), "destroy calc2");
    expect_ok(microService_Destroy(m), "destroy calc");
    natsConnection_Destroy(nc);
    CHECK_OK(nats_CloseAndWait(0));
    TEST_PASS("micro_service");
    return 0;
}
