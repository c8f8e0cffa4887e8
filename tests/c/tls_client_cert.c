// fixture: tls-verify
/*
 * tls_client_cert: a server that verifies clients (`verify: true`).
 * - Without a client certificate the connect fails.
 * - With the test client certificate from files, or as PEM text: connects.
 */
#include <nats.h>
#include "check.h"

static natsStatus
tryConnect(const char *url, const char *certFile, const char *keyFile, int inMemory)
{
    natsConnection *nc = NULL;
    natsOptions    *opts = NULL;
    natsStatus      s;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, test_env("NATS_RS_CA_FILE")));
    if (certFile != NULL && !inMemory)
        CHECK_OK(natsOptions_LoadCertificatesChain(opts, certFile, keyFile));
    if (certFile != NULL && inMemory) {
        char *cert = test_read_file(certFile), *key = test_read_file(keyFile);
        CHECK_OK(natsOptions_SetCertificatesChain(opts, cert, key));
        free(cert);
        free(key);
    }
    s = natsConnection_Connect(&nc, opts);
    if (s == NATS_OK) {
        CHECK_OK(natsConnection_PublishString(nc, "cert", "hello"));
        CHECK_OK(natsConnection_FlushTimeout(nc, 5000));
    }
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    return s;
}

int
main(int argc, char **argv)
{
    const char *url = test_url(argc, argv);
    const char *cert = test_env("NATS_RS_CLIENT_CERT");
    const char *key = test_env("NATS_RS_CLIENT_KEY");

    CHECK(tryConnect(url, NULL, NULL, 0) != NATS_OK, "refused without a client certificate");
    CHECK_OK(tryConnect(url, cert, key, 0));
    CHECK_OK(tryConnect(url, cert, key, 1));

    nats_Close();
    TEST_PASS("tls_client_cert");
    return 0;
}
