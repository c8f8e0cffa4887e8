/*
 * Every failing TLS and authentication option call leaves its status and
 * a text in nats_GetLastError. Run by tests/connect_statuses.rs on nats_rs
 * and on Debian's nats.c.
 *
 * Usage: last_errors CERT KEY OTHER_KEY (a client certificate, its key and
 * an unrelated key). Prints one line per failing call:
 * "<name> status=<returned> last=<nats_GetLastError's status> text=<0|1>".
 * Calls nats.c 3.4.1 lacks are left out when built against its header.
 */
#include <nats.h>
#include "check.h"

static void
report(const char *name, natsStatus s)
{
    natsStatus  last = NATS_OK;
    const char  *text = nats_GetLastError(&last);

    printf("%s status=%d last=%d text=%d\n", name, (int) s, (int) last,
           text != NULL && text[0] != '\0');
}

static const char *
token(void *closure)
{
    (void) closure;
    return "t";
}

static natsStatus
user_jwt(char **jwt, char **err, void *closure)
{
    (void) jwt;
    (void) err;
    (void) closure;
    return NATS_ERR;
}

static natsStatus
sign(char **err, unsigned char **sig, int *len, const char *nonce, void *closure)
{
    (void) err;
    (void) sig;
    (void) len;
    (void) nonce;
    (void) closure;
    return NATS_ERR;
}

/* A failing call after a successful one, so a stale error from the call
 * before cannot pass for this one's. */
#define FAILS(name, call)                                                   \
    do {                                                                    \
        CHECK_OK(natsOptions_SetTimeout(opts, 1000));                       \
        report((name), (call));                                             \
    } while (0)

int
main(int argc, char **argv)
{
    natsOptions     *opts = NULL;
    unsigned char   *sig  = NULL;
    int             len   = 0;
    unsigned char   buf[64];

    CHECK(argc == 4, "usage: last_errors CERT KEY OTHER_KEY");
    CHECK_OK(natsOptions_Create(&opts));

    FAILS("SetSecure-null-opts", natsOptions_SetSecure(NULL, true));
    FAILS("LoadCATrustedCertificates-missing",
          natsOptions_LoadCATrustedCertificates(opts, "/nonexistent/ca.pem"));
    FAILS("LoadCATrustedCertificates-null",
          natsOptions_LoadCATrustedCertificates(opts, NULL));
    FAILS("SetCATrustedCertificates-garbage",
          natsOptions_SetCATrustedCertificates(opts, "garbage"));
    FAILS("LoadCertificatesChain-missing",
          natsOptions_LoadCertificatesChain(opts, "/nonexistent/c.pem", argv[2]));
    FAILS("LoadCertificatesChain-mismatch",
          natsOptions_LoadCertificatesChain(opts, argv[1], argv[3]));
    FAILS("LoadCertificatesChain-null",
          natsOptions_LoadCertificatesChain(opts, NULL, argv[2]));
    FAILS("SetCertificatesChain-garbage",
          natsOptions_SetCertificatesChain(opts, "garbage", "garbage"));
    FAILS("SetCiphers-unknown", natsOptions_SetCiphers(opts, "NOPE"));
    FAILS("SetCipherSuites-unknown", natsOptions_SetCipherSuites(opts, "NOPE"));
    FAILS("SetExpectedHostname-null-opts", natsOptions_SetExpectedHostname(NULL, "h"));
    FAILS("SkipServerVerification-null-opts",
          natsOptions_SkipServerVerification(NULL, true));
#if NATS_VERSION_MINOR >= 10
    FAILS("LoadCATrustedCertificatesPath-missing",
          natsOptions_LoadCATrustedCertificatesPath(opts, "/nonexistent"));
    FAILS("LoadCertificatesChainDynamic-null",
          natsOptions_LoadCertificatesChainDynamic(opts, NULL, argv[2]));
    FAILS("TLSHandshakeFirst-null-opts", natsOptions_TLSHandshakeFirst(NULL));
#endif

    CHECK_OK(natsOptions_SetToken(opts, "t"));
    FAILS("SetTokenHandler-with-token", natsOptions_SetTokenHandler(opts, token, NULL));
    CHECK_OK(natsOptions_SetToken(opts, NULL));
    FAILS("SetUserCredentialsCallbacks-one",
          natsOptions_SetUserCredentialsCallbacks(opts, user_jwt, NULL, NULL, NULL));
    FAILS("SetUserCredentialsCallbacks-other",
          natsOptions_SetUserCredentialsCallbacks(opts, NULL, NULL, sign, NULL));
    FAILS("SetUserCredentialsFromFiles-null-opts",
          natsOptions_SetUserCredentialsFromFiles(NULL, "u.creds", NULL));
    FAILS("SetNKey-no-callback", natsOptions_SetNKey(opts, "UABC", NULL, NULL));
    FAILS("SetNKeyFromSeed-no-file", natsOptions_SetNKeyFromSeed(opts, "UABC", NULL));
    FAILS("Sign-null-connection", natsConnection_Sign(NULL, buf, 1, buf));
    FAILS("nats_Sign-null-seed", nats_Sign(NULL, "x", &sig, &len));
    FAILS("nats_Sign-bad-seed", nats_Sign("SUBAD", "x", &sig, &len));

    natsOptions_Destroy(opts);
    return 0;
}
