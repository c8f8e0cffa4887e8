// server-config: jetstream: enabled
// modes: c cxx valgrind
/*
 * js_context: a JetStream context is made from a connection, reports the
 * account's usage, refuses bad arguments, and can outlive its connection.
 */
#include <nats.h>
#include "check.h"

int
main(int argc, char **argv)
{
    const char     *url = test_url(argc, argv);
    natsConnection *nc = NULL;
    jsCtx          *js = NULL;
    jsOptions       o;
    jsAccountInfo  *ai = NULL;
    jsErrCode       jerr = (jsErrCode) 12345;

    CHECK_OK(natsConnection_ConnectTo(&nc, url));

    /* Bad arguments. */
    CHECK_STATUS(natsConnection_JetStream(NULL, nc, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(natsConnection_JetStream(&js, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(jsOptions_Init(NULL), NATS_INVALID_ARG);
    CHECK_OK(jsOptions_Init(&o));
    o.Wait = -1;
    CHECK_STATUS(natsConnection_JetStream(&js, nc, &o), NATS_INVALID_ARG);
    CHECK(js == NULL, "no context on failure");
    CHECK_OK(jsOptions_Init(&o));
    o.PublishAsync.StallWait = -5;
    CHECK_STATUS(natsConnection_JetStream(&js, nc, &o), NATS_INVALID_ARG);
    CHECK_STATUS(js_GetAccountInfo(&ai, NULL, NULL, &jerr), NATS_INVALID_ARG);

    /* A context with a wait of 2 s; account info of a fresh account. */
    CHECK_OK(jsOptions_Init(&o));
    o.Wait = 2000;
    CHECK_OK(natsConnection_JetStream(&js, nc, &o));
    CHECK_OK(js_GetAccountInfo(&ai, js, NULL, &jerr));
    CHECK(jerr == 0, "the error code is cleared on success");
    CHECK(ai != NULL, "account info returned");
    CHECK(ai->Streams == 0 && ai->Consumers == 0, "a fresh account has no streams");
    CHECK(ai->Limits.MaxStreams == -1, "no stream limit");
    jsAccountInfo_Destroy(ai);
    ai = NULL;
    jsAccountInfo_Destroy(NULL);
    CHECK_STATUS(js_GetAccountInfo(NULL, js, NULL, NULL), NATS_INVALID_ARG);

    /* A per-call domain that nobody serves: no responders, JSNotEnabledErr. */
    CHECK_OK(jsOptions_Init(&o));
    o.Domain = "nowhere";
    CHECK_STATUS(js_GetAccountInfo(&ai, js, &o, &jerr), NATS_NO_RESPONDERS);
    CHECK(jerr == JSNotEnabledErr, "no responders reports JSNotEnabledErr");
    CHECK(ai == NULL, "nothing returned on failure");

    /* Destroying the connection closes it; the context is still safe to
     * use and to free, and its calls say the connection is closed. */
    natsConnection_Destroy(nc);
    CHECK_STATUS(js_GetAccountInfo(&ai, js, NULL, NULL), NATS_CONNECTION_CLOSED);

    jsCtx_Destroy(js);
    jsCtx_Destroy(NULL);
    nats_Close();
    return 0;
}
