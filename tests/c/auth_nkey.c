// fixture: nkey
/*
 * auth_nkey: a server with one nkey user.
 * - natsOptions_SetNKeyFromSeed (public key + seed file): connects.
 * - natsOptions_SetNKey with a signing callback built on nats_Sign: connects,
 *   and the callback ran.
 * - A callback that fails: the connect fails with its status.
 * - nats_Sign: a 64-byte signature; a malformed seed is an error.
 */
#include <nats.h>
#include "check.h"

static volatile int signatures;

/* natsSignatureHandler signing the nonce with the seed in closure. */
static natsStatus
signNonce(char **customErrTxt, unsigned char **signature, int *signatureLength,
          const char *nonce, void *closure)
{
    (void) customErrTxt;
    __atomic_add_fetch(&signatures, 1, __ATOMIC_SEQ_CST);
    return nats_Sign((const char *) closure, nonce, signature, signatureLength);
}

/* A natsSignatureHandler that cannot sign. */
static natsStatus
refuseToSign(char **customErrTxt, unsigned char **signature, int *signatureLength,
             const char *nonce, void *closure)
{
    (void) signature; (void) signatureLength; (void) nonce; (void) closure;
    *customErrTxt = strdup("no key today");
    return NATS_NOT_PERMITTED;
}

static natsStatus
connectWith(natsOptions *opts)
{
    natsConnection *nc = NULL;
    natsStatus      s = natsConnection_Connect(&nc, opts);
    if (s == NATS_OK)
        CHECK_OK(natsConnection_FlushTimeout(nc, 5000));
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    return s;
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

int
main(int argc, char **argv)
{
    const char    *url = test_url(argc, argv);
    const char    *pub = test_env("NATS_RS_NKEY_PUB");
    const char    *seed = test_env("NATS_RS_NKEY_SEED");
    natsOptions   *opts;
    unsigned char *sig = NULL;
    int            sigLen = 0;

    opts = newOptions(url);
    CHECK_OK(natsOptions_SetNKeyFromSeed(opts, pub, test_env("NATS_RS_NKEY_SEED_FILE")));
    CHECK_OK(connectWith(opts));

    opts = newOptions(url);
    CHECK_OK(natsOptions_SetNKey(opts, pub, signNonce, (void *) seed));
    CHECK_OK(connectWith(opts));
    CHECK(signatures == 1, "the signature callback ran once");

    opts = newOptions(url);
    CHECK_OK(natsOptions_SetNKey(opts, pub, refuseToSign, NULL));
    CHECK_STATUS(connectWith(opts), NATS_NOT_PERMITTED);

    /* A key without a way to sign is a misuse. */
    opts = newOptions(url);
    CHECK_STATUS(natsOptions_SetNKey(opts, pub, NULL, NULL), NATS_INVALID_ARG);
    natsOptions_Destroy(opts);

    CHECK_OK(nats_Sign(seed, "some text", &sig, &sigLen));
    CHECK(sig != NULL && sigLen == 64, "64-byte signature");
    free(sig);
    sig = NULL;
    CHECK(nats_Sign("SUNOTASEED", "some text", &sig, &sigLen) != NATS_OK, "bad seed refused");
    CHECK(sig == NULL, "no signature for a bad seed");
    CHECK_STATUS(nats_Sign(seed, "", &sig, &sigLen), NATS_INVALID_ARG);
    CHECK_STATUS(nats_Sign("", "some text", &sig, &sigLen), NATS_INVALID_ARG);

    nats_Close();
    TEST_PASS("auth_nkey");
    return 0;
}
