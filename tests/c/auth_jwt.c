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
    /* Generous: under valgrind on a busy machine the signed handshake can
     * take longer than the 2 s default. */
    CHECK_OK(natsOptions_SetTimeout(opts, 20000));
    return opts;
}

/* Connects with opts (destroyed here), checks messages flow, and, given
 * the user's seed, that natsConnection_Sign signs with it. */
static natsStatus
connectWith(natsOptions *opts, const char *seed)
{
    natsConnection *nc = NULL;
    natsStatus      s = natsConnection_Connect(&nc, opts);
    if (s == NATS_OK) {
        CHECK_OK(natsConnection_PublishString(nc, "jwt", "hello"));
        CHECK_OK(natsConnection_FlushTimeout(nc, 5000));
        if (seed != NULL) {
            unsigned char  sig[64];
            unsigned char *expected = NULL;
            int            expectedLen = 0;
            CHECK_OK(natsConnection_Sign(nc, (const unsigned char *) "abc", 3, sig));
            /* Ed25519 signatures are deterministic. */
            CHECK_OK(nats_Sign(seed, "abc", &expected, &expectedLen));
            CHECK(expectedLen == 64 && memcmp(sig, expected, 64) == 0,
                  "signed with the user's seed");
            free(expected);
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
    char        *seed = test_read_file(test_env("NATS_RS_USER_SEED_FILE"));

    seed[strcspn(seed, "\r\n")] = '\0';

    opts = newOptions(url);
    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, creds, NULL));
    CHECK_OK(connectWith(opts, seed));

    opts = newOptions(url);
    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, test_env("NATS_RS_USER_JWT_FILE"),
                                                     test_env("NATS_RS_USER_SEED_FILE")));
    CHECK_OK(connectWith(opts, seed));

#if NATS_VERSION_NUMBER >= 0x030600
    {
        char *text = test_read_file(creds);
        opts = newOptions(url);
        CHECK_OK(natsOptions_SetUserCredentialsFromMemory(opts, text));
        free(text);
        CHECK_OK(connectWith(opts, seed));
    }
#endif

    {
        char *jwt = test_read_file(test_env("NATS_RS_USER_JWT_FILE"));
        opts = newOptions(url);
        CHECK_OK(natsOptions_SetUserCredentialsCallbacks(opts, userJWT, jwt, sign, seed));
        CHECK_OK(connectWith(opts, NULL));
        CHECK(jwtCalls == 1 && sigCalls == 1, "both callbacks ran once");
        free(jwt);
    }

    /* Refused: a user this server's operator never signed. */
    opts = newOptions(url);
    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, test_env("NATS_RS_BAD_CREDS"), NULL));
    start = nats_Now();
    CHECK_STATUS(connectWith(opts, NULL), NATS_CONNECTION_AUTH_FAILED);
    CHECK(nats_Now() - start < 5000, "refused without hanging");

    /* The file is read at connect time. */
    opts = newOptions(url);
    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, "/nonexistent/user.creds", NULL));
    CHECK(connectWith(opts, NULL) != NATS_OK, "missing creds file");

    /* Misuse: a seed file without a user file; one callback without the other. */
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_STATUS(natsOptions_SetUserCredentialsFromFiles(opts, NULL, creds), NATS_INVALID_ARG);
    CHECK_STATUS(natsOptions_SetUserCredentialsCallbacks(opts, userJWT, NULL, NULL, NULL),
                 NATS_INVALID_ARG);
    natsOptions_Destroy(opts);

    free(seed);
    nats_Close();
    TEST_PASS("auth_jwt");
    return 0;
}
