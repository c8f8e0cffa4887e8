// fixture: tls
/*
 * tls_connect: TLS through the nats.c options against a server that
 * requires it, with certificates made for this run.
 * - Trusting the test CA: connects (a nats:// URL is upgraded because the
 *   server requires TLS), messages flow, and a restart of the server is
 *   followed by a reconnect over TLS.
 * - Trusting another CA, or expecting another host name: NATS_SSL_ERROR.
 * - SkipServerVerification: connects whatever the CA.
 * - An unknown cipher name is refused when set; a TLS 1.3 suite list works.
 */
#include <nats.h>
#include "check.h"

#define WAIT 10000

static natsOptions *
tlsOptions(const char *url, const char *caFile)
{
    natsOptions *opts = NULL;
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetTimeout(opts, 3000));
    if (caFile != NULL)
        CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, caFile));
    return opts;
}

/* Sends a message to ourselves and checks it arrives. */
static void
roundTrip(natsConnection *nc, const char *text)
{
    natsSubscription *sub = NULL;
    natsMsg          *m = NULL;

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "tls.echo"));
    CHECK_OK(natsConnection_PublishString(nc, "tls.echo", text));
    CHECK_OK(natsSubscription_NextMsg(&m, sub, WAIT));
    CHECK(strcmp(natsMsg_GetData(m), text) == 0, "message arrives intact");
    natsMsg_Destroy(m);
    natsSubscription_Destroy(sub);
}

static natsStatus
tryConnect(natsOptions *opts)
{
    natsConnection *nc = NULL;
    natsStatus      s = natsConnection_Connect(&nc, opts);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    return s;
}

int
main(int argc, char **argv)
{
    const char      *url = test_url(argc, argv);
    const char      *ca = test_env("NATS_RS_CA_FILE");
    natsConnection  *nc = NULL;
    natsOptions     *opts = NULL;
    static int       reconnected;

    /* Trusted CA; reconnects repeat the handshake. */
    opts = tlsOptions(url, ca);
    CHECK_OK(natsOptions_SetReconnectWait(opts, 50));
    CHECK_OK(natsOptions_SetReconnectedCB(opts, test_count_event, (void *) &reconnected));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    roundTrip(nc, "over TLS");
    test_server_restart();
    CHECK(test_wait_count(&reconnected, 1, WAIT) == 1, "reconnected over TLS");
    roundTrip(nc, "after the reconnect");
    natsConnection_Destroy(nc);
    nc = NULL;

    /* The CA in memory, and SetSecure. */
    {
        char *pem = test_read_file(ca);
        opts = tlsOptions(url, NULL);
        CHECK_OK(natsOptions_SetCATrustedCertificates(opts, pem));
        CHECK_OK(natsOptions_SetSecure(opts, true));
        free(pem);
        CHECK_OK(tryConnect(opts));
    }

    /* Not trusted: another CA. */
    CHECK_STATUS(tryConnect(tlsOptions(url, test_env("NATS_RS_OTHER_CA_FILE"))), NATS_SSL_ERROR);

    /* The certificate is for localhost / 127.0.0.1, not this name. */
    opts = tlsOptions(url, ca);
    CHECK_OK(natsOptions_SetExpectedHostname(opts, "other.example"));
    CHECK_STATUS(tryConnect(opts), NATS_SSL_ERROR);

    /* Verification off: any certificate goes. */
    opts = tlsOptions(url, test_env("NATS_RS_OTHER_CA_FILE"));
    CHECK_OK(natsOptions_SkipServerVerification(opts, true));
    CHECK_OK(tryConnect(opts));

    /* Ciphers. */
    opts = tlsOptions(url, ca);
    CHECK_STATUS(natsOptions_SetCiphers(opts, "NO-SUCH-CIPHER"), NATS_SSL_ERROR);
    CHECK_OK(natsOptions_SetCipherSuites(opts, "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"));
    CHECK_OK(tryConnect(opts));

    /* Misuse: no file name. */
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_STATUS(natsOptions_LoadCATrustedCertificates(opts, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(natsOptions_LoadCATrustedCertificates(opts, "/nonexistent/ca.pem"), NATS_SSL_ERROR);
    natsOptions_Destroy(opts);

    nats_Close();
    TEST_PASS("tls_connect");
    return 0;
}
