// fixture: jwt
/*
 * auth_jwt: an operator-mode server (memory resolver) with one account.
 * - natsOptions_SetUserCredentialsFromFiles with one .creds file, and with
 *   a JWT file plus a seed file: connects; natsConnection_Sign signs.
 * - natsOptions_SetUserCredentialsFromMemory: connects (nats.c >= 3.6).
 * - natsOptions_SetUserCredentialsCallbacks: connects, callbacks ran.
 * - A user of another operator: NATS_CONNECTION_AUTH_FAILED, quickly.
 * - A missing .creds file: the connect fails.
 */
#include <nats.h>
#include "check.h"

static volatile int jwtCalls, sigCalls;

/* natsUserJWTHandler: a malloc'ed copy of the JWT in closure. */
static natsStatus
userJWT(char **jwt, char **customErrTxt, void *closure)
{
    (void) customErrTxt;
    __atomic_add_fetch(&jwtCalls, 1, __ATOMIC_SEQ_CST);
    *jwt = strdup((const char *) closure);
    return NATS_OK;
}

/* natsSignatureHandler: signs with the seed in closure. */
static natsStatus
sign(char **customErrTxt, unsigned char **signature, int *signatureLength,
     const char *nonce, void *closure)
{
    (void) customErrTxt;
    __atomic_add_fetch(&sigCalls, 1, __ATOMIC_SEQ_CST);
    return nats_Sign((const char *) closure, nonce, signature, signatureLength);
}

static natsOptions *
newOptions(const char *url)
{
    natsOptions *opts = NULL;
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetMaxReconnect(opts, 0));
    return opts;
}

/* Connects with opts (destroyed here), checks messages flow, and checks
 * natsConnection_Sign when asked. */
static natsStatus
connectWith(natsOptions *opts, int trySign)
{
    natsConnection *nc = NULL;
    natsStatus      s = natsConnection_Connect(&nc, opts);
    if (s == NATS_OK) {
        CHECK_OK(natsConnection_PublishString(nc, "jwt", "hello"));
        CHECK_OK(natsConnection_FlushTimeout(nc, 5000));
        if (trySign) {
            unsigned char sig[64];
            memset(sig, 0, sizeof(sig));
            CHECK_OK(natsConnection_Sign(nc, (const unsigned char *) "abc", 3, sig));
            CHECK(sig[0] != 0 || sig[1] != 0 || sig[63] != 0, "signature written");
        }
    }
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    return s;
}

int
main(int argc, char **argv)
{
    const char  *url = test_url(argc, argv);
    const char  *creds = test_env("NATS_RS_CREDS");
    natsOptions *opts;
    int64_t      start;

    opts = newOptions(url);
    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, creds, NULL));
    CHECK_OK(connectWith(opts, 1));

    opts = newOptions(url);
    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, test_env("NATS_RS_USER_JWT_FILE"),
                                                     test_env("NATS_RS_USER_SEED_FILE")));
    CHECK_OK(connectWith(opts, 1));

#if NATS_VERSION_NUMBER >= 0x030600
    {
        char *text = test_read_file(creds);
        opts = newOptions(url);
        CHECK_OK(natsOptions_SetUserCredentialsFromMemory(opts, text));
        free(text);
        CHECK_OK(connectWith(opts, 1));
    }
#endif

    {
        char *jwt = test_read_file(test_env("NATS_RS_USER_JWT_FILE"));
        char *seed = test_read_file(test_env("NATS_RS_USER_SEED_FILE"));
        opts = newOptions(url);
        CHECK_OK(natsOptions_SetUserCredentialsCallbacks(opts, userJWT, jwt, sign, seed));
        CHECK_OK(connectWith(opts, 0));
        CHECK(jwtCalls == 1 && sigCalls == 1, "both callbacks ran once");
        free(jwt);
        free(seed);
    }

    /* Refused: a user this server's operator never signed. */
    opts = newOptions(url);
    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, test_env("NATS_RS_BAD_CREDS"), NULL));
    start = nats_Now();
    CHECK_STATUS(connectWith(opts, 0), NATS_CONNECTION_AUTH_FAILED);
    CHECK(nats_Now() - start < 5000, "refused without hanging");

    /* The file is read at connect time. */
    opts = newOptions(url);
    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, "/nonexistent/user.creds", NULL));
    CHECK(connectWith(opts, 0) != NATS_OK, "missing creds file");

    /* Misuse: a seed file without a user file; one callback without the other. */
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_STATUS(natsOptions_SetUserCredentialsFromFiles(opts, NULL, creds), NATS_INVALID_ARG);
    CHECK_STATUS(natsOptions_SetUserCredentialsCallbacks(opts, userJWT, NULL, NULL, NULL),
                 NATS_INVALID_ARG);
    natsOptions_Destroy(opts);

    nats_Close();
    TEST_PASS("auth_jwt");
    return 0;
}
