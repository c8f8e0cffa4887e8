/*
 * micro-hello: the smallest NATS microservice, one endpoint.
 *
 *   micro-hello [-count N] [url]
 *   micro-hello -count 2 nats://127.0.0.1:4222
 *
 * Service "hello" (version 1.0.0) answers requests on subject "hello" with
 * "Hello, <request>!" ("Hello, world!" for an empty request). Tools find it
 * through $SRV.PING, $SRV.INFO and $SRV.STATS, e.g. `nats micro ls`.
 * It runs until stopped: Ctrl-C, or by itself after N requests (-count N;
 * default 0: no limit). Defaults: NATS_DEFAULT_URL.
 * Build: cc micro-hello.c -I../include -L../target/release -lnats_rs -o micro-hello
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nats.h>

static int limit = 0;  /* stop after this many requests (0: never) */
static int served = 0; /* handlers of one endpoint run one at a time */

/* The endpoint's handler: answer, then stop the service once the limit is
 * reached (Stop may be called from inside a handler). */
static microError *
hello(microRequest *req)
{
    char        answer[256];
    int         len = microRequest_GetDataLength(req);
    microError *err;

    if (len == 0)
        snprintf(answer, sizeof(answer), "Hello, world!");
    else
        snprintf(answer, sizeof(answer), "Hello, %.*s!", len, microRequest_GetData(req));
    err = microRequest_Respond(req, answer, strlen(answer));

    if ((err == NULL) && (++served == limit))
        microError_Ignore(microService_Stop(microRequest_GetService(req)));
    return err;
}

int
main(int argc, char **argv)
{
    const char         *url = NATS_DEFAULT_URL;
    natsConnection     *nc = NULL;
    microService       *svc = NULL;
    microError         *err = NULL;
    microEndpointConfig endpoint;
    microServiceConfig  config;
    natsStatus          s;
    char                text[256];
    int                 i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-count") == 0 && i + 1 < argc)
            limit = atoi(argv[++i]);
        else
            url = argv[i];
    }

    s = natsConnection_ConnectTo(&nc, url);
    if (s != NATS_OK) {
        fprintf(stderr, "micro-hello: %s\n", natsStatus_GetText(s));
        return 1;
    }

    /* The endpoint: a name, a subject (the name when none is given) and a
     * handler. Unset fields stay zero. */
    memset(&endpoint, 0, sizeof(endpoint));
    endpoint.Name = "hello";
    endpoint.Handler = hello;

    /* The service: a name and a semantic version are required; the endpoint
     * given here is added with it. */
    memset(&config, 0, sizeof(config));
    config.Name = "hello";
    config.Version = "1.0.0";
    config.Description = "says hello";
    config.Endpoint = &endpoint;

    err = micro_AddService(&svc, nc, &config);
    if (err == NULL) {
        printf("Service 'hello' listening on 'hello'\n");
        fflush(stdout);
        /* Blocks until the service is stopped. */
        err = microService_Run(svc);
    }
    if (err == NULL)
        printf("Stopped after %d request(s)\n", served);
    else
        fprintf(stderr, "micro-hello: %s\n", microError_String(err, text, sizeof(text)));

    i = (err == NULL) ? 0 : 1;
    microError_Destroy(err);
    microError_Ignore(microService_Destroy(svc));
    natsConnection_FlushTimeout(nc, 1000); /* the last answer goes out */
    natsConnection_Destroy(nc);
    nats_Close();
    return i;
}
