// server-config: authorization { token: "s3cret" }
/*
 * auth_token: a server that wants a token.
 * - natsOptions_SetTokenHandler: its token is used, at every connect
 *   (the handler runs again after the server restarts).
 * - A token and a token handler exclude each other: NATS_ILLEGAL_STATE.
 * - A wrong token: NATS_CONNECTION_AUTH_FAILED.
 */
#include <nats.h>
#include "check.h"

#define WAIT 10000

static volatile int tokenCalls;

/* natsTokenHandler: returns the token in closure (not freed by the library). */
static const char *
token(void *closure)
{
    __atomic_add_fetch(&tokenCalls, 1, __ATOMIC_SEQ_CST);
    return (const char *) closure;
}

int
main(int argc, char **argv)
{
    const char     *url = test_url(argc, argv);
    natsConnection *nc = NULL;
    natsOptions    *opts = NULL;
    static int      reconnected;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetReconnectWait(opts, 50));
    CHECK_OK(natsOptions_SetReconnectedCB(opts, test_count_event, (void *) &reconnected));
    CHECK_OK(natsOptions_SetTokenHandler(opts, token, (void *) "s3cret"));
    CHECK_STATUS(natsOptions_SetToken(opts, "other"), NATS_ILLEGAL_STATE);
    CHECK_OK(natsConnection_Connect(&nc, opts));
    /* Atomic reads: the handler runs on the library's threads. */
    CHECK(__atomic_load_n(&tokenCalls, __ATOMIC_SEQ_CST) == 1, "token handler ran at connect");
    test_server_restart();
    CHECK(test_wait_count(&reconnected, 1, WAIT) == 1, "reconnected");
    CHECK(__atomic_load_n(&tokenCalls, __ATOMIC_SEQ_CST) >= 2,
          "token handler ran again at the reconnect");
    natsConnection_Destroy(nc);
    nc = NULL;

    /* Wrong token from the handler. */
    CHECK_OK(natsOptions_SetTokenHandler(opts, token, (void *) "wrong"));
    CHECK_OK(natsOptions_SetMaxReconnect(opts, 0));
    CHECK_STATUS(natsConnection_Connect(&nc, opts), NATS_CONNECTION_AUTH_FAILED);
    CHECK(nc == NULL, "no connection");

    /* Clearing the handler allows a token again. */
    CHECK_OK(natsOptions_SetTokenHandler(opts, NULL, NULL));
    CHECK_OK(natsOptions_SetToken(opts, "s3cret"));
    CHECK_STATUS(natsOptions_SetTokenHandler(opts, token, NULL), NATS_ILLEGAL_STATE);
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);

    nats_Close();
    TEST_PASS("auth_token");
    return 0;
}
