/*
 * secure: connects with TLS and a user .creds file, then publishes a
 * message to itself and prints it.
 *
 *   secure <url> <ca-file> <creds-file> [client-cert key]
 *   secure tls://localhost:4222 ca.pem user.creds
 *
 * - <url>: a tls:// URL asks for TLS. (A nats:// URL also gets TLS when
 *   the server requires it.)
 * - <ca-file>: PEM file of the CA that signed the server's certificate.
 *   Without natsOptions_LoadCATrustedCertificates the system's roots are used.
 * - <creds-file>: the user JWT and its nkey seed, as written by `nsc`. The
 *   file is read at every connect and reconnect; the seed signs the server's
 *   nonce and is wiped from memory right after.
 * - [client-cert key]: for servers that verify clients (`verify: true`).
 * Build: cc secure.c -I../include -L../target/release -lnats_rs -o secure
 */
#include <stdio.h>
#include <string.h>
#include <nats.h>

int
main(int argc, char **argv)
{
    natsConnection   *nc   = NULL;
    natsOptions      *opts = NULL;
    natsSubscription *sub  = NULL;
    natsMsg          *msg  = NULL;
    natsStatus        s;

    if (argc != 4 && argc != 6) {
        fprintf(stderr, "usage: secure <url> <ca-file> <creds-file> [client-cert key]\n");
        return 2;
    }

    s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, argv[1]);
    /* Turn TLS on for every server, whatever the URL says. */
    if (s == NATS_OK)
        s = natsOptions_SetSecure(opts, true);
    /* Trust this CA (instead of the system roots). */
    if (s == NATS_OK)
        s = natsOptions_LoadCATrustedCertificates(opts, argv[2]);
    /* Our certificate and key, when the server checks clients. */
    if ((s == NATS_OK) && (argc == 6))
        s = natsOptions_LoadCertificatesChain(opts, argv[4], argv[5]);
    /* Who we are: a user JWT and the seed that proves it (NULL: both are
     * in the one .creds file). */
    if (s == NATS_OK)
        s = natsOptions_SetUserCredentialsFromFiles(opts, argv[3], NULL);
    if (s == NATS_OK)
        s = natsConnection_Connect(&nc, opts);

    if (s == NATS_OK)
        s = natsConnection_SubscribeSync(&sub, nc, "secure.hello");
    if (s == NATS_OK)
        s = natsConnection_PublishString(nc, "secure.hello", "hello over TLS");
    if (s == NATS_OK)
        s = natsSubscription_NextMsg(&msg, sub, 2000);
    if (s == NATS_OK) {
        char url[256];
        natsConnection_GetConnectedUrl(nc, url, sizeof(url));
        printf("Connected to %s; received: %.*s\n", url,
               natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
    } else {
        /* The last error says why, e.g. which certificate check failed. */
        fprintf(stderr, "secure: %s: %s\n", natsStatus_GetText(s), nats_GetLastError(NULL));
    }

    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}
