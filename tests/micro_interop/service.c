/*
 * A micro service for tests/js/micro_interop.mjs (scenarios a and b of
 * tests/micro_interop.rs): the JS services client discovers it and calls it.
 *
 *   service URL
 *
 * Runs two services on one connection:
 * - "nats_rs_svc" 1.2.3, metadata {team: interop, lang: c}, with a group
 *   "calc" holding "echo" (replies "echo:" + the request bytes) and "fail"
 *   (answers micro_ErrorfCode(400, "bad input: <request>")), both with
 *   endpoint metadata, and "status" on subject "svc.status" in queue group
 *   "special" (replies "up");
 * - "nats_rs_other" 0.1.0 with one endpoint "other.ping", so that the
 *   unfiltered PING/INFO/STATS see two services and the filtered ones one.
 *
 * Prints "READY <id of nats_rs_svc> <id of nats_rs_other>" once both serve,
 * then runs until its stdin is closed, stops and destroys both and exits 0.
 * Builds against our header and nats.c 3.14's (C and C++).
 */
#include <nats.h>

#include "check.h"

#define CHECK_MICRO(expr)                                                     \
    do {                                                                      \
        microError *check_err_ = (expr);                                      \
        if (check_err_ != NULL) {                                             \
            char check_buf_[512];                                             \
            fprintf(stderr, "FAIL %s:%d: %s: %s\n", __FILE__, __LINE__,       \
                    #expr,                                                    \
                    microError_String(check_err_, check_buf_,                 \
                                      sizeof(check_buf_)));                   \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

static microError *
handle_echo(microRequest *req)
{
    int         len = microRequest_GetDataLength(req);
    const char *data = microRequest_GetData(req);
    char       *out = (char *) malloc((size_t) len + 5);
    microError *err;

    if (out == NULL)
        return micro_ErrorOutOfMemory;
    memcpy(out, "echo:", 5);
    if (len > 0)
        memcpy(out + 5, data, (size_t) len);
    err = microRequest_Respond(req, out, (size_t) len + 5);
    free(out);
    return err;
}

static microError *
handle_fail(microRequest *req)
{
    return micro_ErrorfCode(400, "bad input: %.*s",
                            microRequest_GetDataLength(req),
                            microRequest_GetData(req));
}

static microError *
handle_status(microRequest *req)
{
    return microRequest_Respond(req, "up", 2);
}

int
main(int argc, char **argv)
{
    natsConnection     *nc = NULL;
    microService       *svc = NULL;
    microService       *other = NULL;
    microGroup         *calc = NULL;
    microServiceInfo   *info = NULL;
    microServiceInfo   *other_info = NULL;
    microServiceConfig  cfg;
    microServiceConfig  other_cfg;
    microGroupConfig    calc_cfg;
    microEndpointConfig echo_cfg;
    microEndpointConfig fail_cfg;
    microEndpointConfig status_cfg;
    microEndpointConfig other_ep_cfg;
    const char *svc_meta[] = {"team", "interop", "lang", "c"};
    const char *echo_meta[] = {"op", "echo", "format", "bytes"};
    const char *fail_meta[] = {"op", "fail"};
    char        line[64];

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));

    memset(&cfg, 0, sizeof(cfg));
    cfg.Name = "nats_rs_svc";
    cfg.Version = "1.2.3";
    cfg.Description = "nats_rs micro interop service";
    cfg.Metadata.List = svc_meta;
    cfg.Metadata.Count = 2;
    CHECK_MICRO(micro_AddService(&svc, nc, &cfg));

    memset(&calc_cfg, 0, sizeof(calc_cfg));
    calc_cfg.Prefix = "calc";
    CHECK_MICRO(microService_AddGroup(&calc, svc, &calc_cfg));

    memset(&echo_cfg, 0, sizeof(echo_cfg));
    echo_cfg.Name = "echo";
    echo_cfg.Handler = handle_echo;
    echo_cfg.Metadata.List = echo_meta;
    echo_cfg.Metadata.Count = 2;
    CHECK_MICRO(microGroup_AddEndpoint(calc, &echo_cfg));

    memset(&fail_cfg, 0, sizeof(fail_cfg));
    fail_cfg.Name = "fail";
    fail_cfg.Handler = handle_fail;
    fail_cfg.Metadata.List = fail_meta;
    fail_cfg.Metadata.Count = 1;
    CHECK_MICRO(microGroup_AddEndpoint(calc, &fail_cfg));

    memset(&status_cfg, 0, sizeof(status_cfg));
    status_cfg.Name = "status";
    status_cfg.Subject = "svc.status";
    status_cfg.QueueGroup = "special";
    status_cfg.Handler = handle_status;
    CHECK_MICRO(microService_AddEndpoint(svc, &status_cfg));

    memset(&other_ep_cfg, 0, sizeof(other_ep_cfg));
    other_ep_cfg.Name = "ping";
    other_ep_cfg.Subject = "other.ping";
    other_ep_cfg.Handler = handle_status;
    memset(&other_cfg, 0, sizeof(other_cfg));
    other_cfg.Name = "nats_rs_other";
    other_cfg.Version = "0.1.0";
    other_cfg.Endpoint = &other_ep_cfg;
    CHECK_MICRO(micro_AddService(&other, nc, &other_cfg));

    /* The subscriptions are registered with the server before READY. */
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_MICRO(microService_GetInfo(&info, svc));
    CHECK_MICRO(microService_GetInfo(&other_info, other));
    printf("READY %s %s\n", info->Id, other_info->Id);
    fflush(stdout);
    microServiceInfo_Destroy(info);
    microServiceInfo_Destroy(other_info);

    /* Serve until the test closes our stdin. */
    while (fgets(line, sizeof(line), stdin) != NULL)
        ;

    CHECK_MICRO(microService_Stop(svc));
    CHECK_MICRO(microService_Stop(other));
    CHECK(microService_IsStopped(svc), "nats_rs_svc is stopped");
    CHECK_MICRO(microService_Destroy(svc));
    CHECK_MICRO(microService_Destroy(other));
    natsConnection_Destroy(nc);
    nats_Close();
    printf("DONE\n");
    return 0;
}
