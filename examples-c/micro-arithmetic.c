/*
 * micro-arithmetic: a microservice with a group of endpoints, and a client
 * for it.
 *
 *   micro-arithmetic [-count N] [url]          serve
 *   micro-arithmetic -call OP A B [url]        call arithmetic.OP with "A B"
 *   micro-arithmetic -call divide 1 0 nats://127.0.0.1:4222
 *
 * Serving: service "arithmetic" (1.0.0) with the group "arithmetic" and its
 * endpoints add, divide and multiply, on the subjects arithmetic.add,
 * arithmetic.divide and arithmetic.multiply. A request holds two numbers;
 * anything else, and a division by zero, is answered with a service error
 * (the Nats-Service-Error and Nats-Service-Error-Code headers). Stops by
 * itself after N requests (-count N; default 0: runs until killed).
 * Calling: microClient_DoRequest prints the result, or the service error it
 * made of the reply's headers (and exits with status 2).
 * Defaults: NATS_DEFAULT_URL.
 * Build: cc micro-arithmetic.c -I../include -L../target/release -lnats_rs -o micro-arithmetic
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nats.h>

static int limit = 0; /* stop after this many requests in all (0: never) */
static volatile int served = 0;

/* Reads the two numbers of a request ("3 4", "1.5 -2"). */
static microError *
two_numbers(microRequest *req, double *a, double *b)
{
    char  text[128];
    char *end;
    int   len = microRequest_GetDataLength(req);

    if (len <= 0 || len >= (int) sizeof(text))
        return micro_ErrorfCode(400, "expected two numbers");
    memcpy(text, microRequest_GetData(req), (size_t) len);
    text[len] = '\0';
    *a = strtod(text, &end);
    if (end == text)
        return micro_ErrorfCode(400, "expected two numbers, got '%s'", text);
    *b = strtod(end, &end);
    if (*end != '\0' && *end != '\n')
        return micro_ErrorfCode(400, "expected two numbers, got '%s'", text);
    return NULL;
}

/* Answers with the result as text. */
static microError *
answer(microRequest *req, double result)
{
    char out[64];

    snprintf(out, sizeof(out), "%g", result);
    return microRequest_Respond(req, out, strlen(out));
}

/* Each endpoint's handler: a returned microError is sent back to the caller
 * as a service error (and counted in the endpoint's stats). */
static microError *
add(microRequest *req)
{
    double      a, b;
    microError *err = two_numbers(req, &a, &b);
    return (err != NULL) ? err : answer(req, a + b);
}

static microError *
multiply(microRequest *req)
{
    double      a, b;
    microError *err = two_numbers(req, &a, &b);
    return (err != NULL) ? err : answer(req, a * b);
}

static microError *
divide(microRequest *req)
{
    double      a, b;
    microError *err = two_numbers(req, &a, &b);
    if (err == NULL && b == 0)
        err = micro_ErrorfCode(422, "division by zero: %g / 0", a);
    return (err != NULL) ? err : answer(req, a / b);
}

/* Wraps a handler to stop the service after `limit` requests in all (the
 * endpoints' handlers may run at the same time: count atomically). An error
 * is answered here, before the service stops (RespondError takes it). */
#define COUNTED(name)                                                          \
    static microError *counted_##name(microRequest *req)                       \
    {                                                                          \
        microError *err = name(req);                                           \
        if (err != NULL)                                                       \
            err = microRequest_RespondError(req, err);                         \
        if (__atomic_add_fetch(&served, 1, __ATOMIC_SEQ_CST) == limit)         \
            microError_Ignore(microService_Stop(microRequest_GetService(req))); \
        return err;                                                            \
    }
COUNTED(add)
COUNTED(divide)
COUNTED(multiply)

static int
serve(natsConnection *nc)
{
    microService       *svc = NULL;
    microGroup         *group = NULL;
    microError         *err;
    microServiceConfig  config;
    microGroupConfig    groupConfig;
    microEndpointConfig endpoint;
    const char         *names[] = {"add", "divide", "multiply"};
    microRequestHandler handlers[] = {counted_add, counted_divide, counted_multiply};
    char                text[256];
    int                 i, rc;

    memset(&config, 0, sizeof(config));
    config.Name = "arithmetic";
    config.Version = "1.0.0";
    config.Description = "adds, divides and multiplies two numbers";
    err = micro_AddService(&svc, nc, &config);

    /* A group gives its endpoints a subject prefix: "arithmetic.<name>". */
    memset(&groupConfig, 0, sizeof(groupConfig));
    groupConfig.Prefix = "arithmetic";
    if (err == NULL)
        err = microService_AddGroup(&group, svc, &groupConfig);
    for (i = 0; (err == NULL) && (i < 3); i++) {
        memset(&endpoint, 0, sizeof(endpoint));
        endpoint.Name = names[i];
        endpoint.Handler = handlers[i];
        err = microGroup_AddEndpoint(group, &endpoint);
    }
    if (err == NULL) {
        printf("Service 'arithmetic' listening on arithmetic.add, .divide, .multiply\n");
        fflush(stdout);
        err = microService_Run(svc);
    }
    if (err == NULL)
        printf("Stopped after %d request(s)\n", served);
    else
        fprintf(stderr, "micro-arithmetic: %s\n", microError_String(err, text, sizeof(text)));

    rc = (err == NULL) ? 0 : 1;
    microError_Destroy(err);
    microError_Ignore(microService_Destroy(svc));
    return rc;
}

static int
call(natsConnection *nc, const char *op, const char *a, const char *b)
{
    microClient *client = NULL;
    natsMsg     *reply = NULL;
    microError  *err;
    char         subject[128], data[128], text[256];
    int          rc = 0;

    snprintf(subject, sizeof(subject), "arithmetic.%s", op);
    snprintf(data, sizeof(data), "%s %s", a, b);
    err = micro_NewClient(&client, nc, NULL);
    if (err == NULL)
        err = microClient_DoRequest(&reply, client, subject, data, (int) strlen(data));
    if (err == NULL) {
        printf("%s %s %s = %.*s\n", op, a, b, natsMsg_GetDataLength(reply), natsMsg_GetData(reply));
    } else {
        /* e.g. "code 422: division by zero: 1 / 0" */
        printf("%s %s %s failed: %s\n", op, a, b, microError_String(err, text, sizeof(text)));
        rc = 2;
    }
    microError_Destroy(err);
    natsMsg_Destroy(reply);
    microClient_Destroy(client);
    return rc;
}

int
main(int argc, char **argv)
{
    const char     *url = NATS_DEFAULT_URL, *op = NULL, *a = NULL, *b = NULL;
    natsConnection *nc = NULL;
    natsStatus      s;
    int             i, rc;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-count") == 0 && i + 1 < argc)
            limit = atoi(argv[++i]);
        else if (strcmp(argv[i], "-call") == 0 && i + 3 < argc) {
            op = argv[++i];
            a = argv[++i];
            b = argv[++i];
        } else
            url = argv[i];
    }

    s = natsConnection_ConnectTo(&nc, url);
    if (s != NATS_OK) {
        fprintf(stderr, "micro-arithmetic: %s\n", natsStatus_GetText(s));
        return 1;
    }
    rc = (op != NULL) ? call(nc, op, a, b) : serve(nc);
    natsConnection_FlushTimeout(nc, 1000); /* the last answer goes out */
    natsConnection_Destroy(nc);
    nats_Close();
    return rc;
}
