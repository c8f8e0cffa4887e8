/*
 * Statuses a program sees when a server misbehaves, run by
 * tests/connect_statuses.rs against a scripted fake server, once on
 * nats_rs and once on Debian's nats.c, so the expectations are nats.c's.
 *
 * Usage: statuses URL MODE, MODE one of
 *   connect   connect once (timeout 500 ms, no reconnect) and print
 *             "connect=<status> last=<status> text=<0|1>";
 *   creds-missing, jwt-callback-fails
 *             the same, with user credentials from a file that does not
 *             exist, or from a JWT callback that fails;
 *   publish   connect, then publish 1 byte and 0 bytes: prints
 *             "connect=... pub1=<status> pub0=<status> max=<max payload>";
 *   autherr   connect, wait for the error handler, flush, then wait for the
 *             closed callback if the connection closes: prints
 *             "errors=<n> err=<status> flush=<status> closed=<0|1>
 *              status=<conn status> last=<status> text=<0|1>".
 * Every line ends with a newline; the exit status is 0 unless a call the
 * mode relies on failed.
 */
#include <nats.h>
#include "check.h"

static volatile int errors = 0;
static volatile int closed = 0;
static volatile int err_status = 0;

static void
on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    __atomic_store_n(&err_status, (int) err, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&errors, 1, __ATOMIC_SEQ_CST);
}

static natsStatus
failing_jwt(char **jwt, char **err, void *closure)
{
    (void) jwt;
    (void) closure;
    *err = strdup("no JWT today");
    return NATS_NOT_FOUND;
}

static natsStatus
never_sign(char **err, unsigned char **sig, int *len, const char *nonce, void *closure)
{
    (void) err;
    (void) sig;
    (void) len;
    (void) nonce;
    (void) closure;
    return NATS_ERR;
}

static void
on_closed(natsConnection *nc, void *closure)
{
    (void) nc;
    (void) closure;
    __atomic_store_n(&closed, 1, __ATOMIC_SEQ_CST);
}

int
main(int argc, char **argv)
{
    const char  *mode   = (argc > 2 ? argv[2] : "connect");
    natsOptions *opts   = NULL;
    natsConnection *nc  = NULL;
    natsStatus  s, last = NATS_OK;
    const char  *text   = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, test_url(argc, argv)));
    CHECK_OK(natsOptions_SetTimeout(opts, 500));
    CHECK_OK(natsOptions_SetAllowReconnect(opts, false));
    CHECK_OK(natsOptions_SetErrorHandler(opts, on_error, NULL));
    CHECK_OK(natsOptions_SetClosedCB(opts, on_closed, NULL));

    if (strcmp(mode, "creds-missing") == 0)
        CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, "/nonexistent/u.creds", NULL));
    if (strcmp(mode, "jwt-callback-fails") == 0)
        CHECK_OK(natsOptions_SetUserCredentialsCallbacks(opts, failing_jwt, NULL, never_sign, NULL));

    s = natsConnection_Connect(&nc, opts);
    text = nats_GetLastError(&last);
    if (strcmp(mode, "connect") == 0 || strcmp(mode, "creds-missing") == 0
        || strcmp(mode, "jwt-callback-fails") == 0)
    {
        printf("connect=%d last=%d text=%d\n", (int) s, (int) last, text != NULL);
    }
    else if (strcmp(mode, "publish") == 0)
    {
        CHECK_OK(s);
        natsStatus p1 = natsConnection_Publish(nc, "foo", "x", 1);
        natsStatus p0 = natsConnection_Publish(nc, "foo", NULL, 0);
        printf("connect=%d pub1=%d pub0=%d max=%lld\n", (int) s, (int) p1,
               (int) p0, (long long) natsConnection_GetMaxPayload(nc));
    }
    else if (strcmp(mode, "autherr") == 0)
    {
        CHECK_OK(s);
        int n = test_wait_count(&errors, 1, 10000);
        /* A connection the refusal left up still answers a flush. */
        natsStatus f = natsConnection_FlushTimeout(nc, 2000);
        if (f != NATS_OK)
            test_wait_count(&closed, 1, 10000);
        n = __atomic_load_n(&errors, __ATOMIC_SEQ_CST);
        last = natsConnection_GetLastError(nc, &text);
        printf("errors=%d err=%d flush=%d closed=%d status=%d last=%d text=%d\n",
               n, __atomic_load_n(&err_status, __ATOMIC_SEQ_CST), (int) f,
               __atomic_load_n(&closed, __ATOMIC_SEQ_CST),
               (int) natsConnection_Status(nc), (int) last,
               text != NULL && text[0] != '\0');
    }
    fflush(stdout);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    return 0;
}
