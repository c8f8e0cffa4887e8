/*
 * Calls the @nats-io/services service of tests/js/micro_interop.mjs
 * (scenario c of tests/micro_interop.rs) through microClient_DoRequest.
 *
 *   client URL
 *
 * - "js.echo" replies "js:" + the request bytes: the reply must be exactly
 *   that (the request holds a zero byte and bytes above 0x7f);
 * - "js.fail" answers respondError(503, "js is unavailable: " + request):
 *   DoRequest must return a microError with that code and text, no reply,
 *   and status NATS_OK (a service error is not a library error).
 *
 * Prints "OK" and exits 0 when every check holds.
 * Builds against our header and nats.c 3.14's (C and C++).
 */
#include <nats.h>

#include "check.h"

int
main(int argc, char **argv)
{
    natsConnection *nc = NULL;
    microClient    *client = NULL;
    natsMsg        *reply = NULL;
    microError     *err = NULL;
    const char      req[] = {'a', 'b', '\0', 'c', (char) 0xfe, (char) 0xff};
    char            want[3 + sizeof(req)];
    char            buf[512];
    int             i;

    memcpy(want, "js:", 3);
    memcpy(want + 3, req, sizeof(req));

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));
    err = micro_NewClient(&client, nc, NULL);
    CHECK(err == NULL, "micro_NewClient");

    /* Several calls, so that a reply mixed up with another would show. */
    for (i = 0; i < 3; i++) {
        err = microClient_DoRequest(&reply, client, "js.echo", req,
                                    (int) sizeof(req));
        if (err != NULL) {
            fprintf(stderr, "FAIL: js.echo: %s\n",
                    microError_String(err, buf, sizeof(buf)));
            exit(1);
        }
        CHECK(reply != NULL, "js.echo gives a reply");
        CHECK(natsMsg_GetDataLength(reply) == (int) sizeof(want),
              "js.echo reply length is 3 + the request's");
        CHECK(memcmp(natsMsg_GetData(reply), want, sizeof(want)) == 0,
              "js.echo reply bytes are \"js:\" + the request's");
        natsMsg_Destroy(reply);
        reply = NULL;
    }

    err = microClient_DoRequest(&reply, client, "js.fail", "xyz", 3);
    CHECK(err != NULL, "js.fail gives a microError");
    CHECK(reply == NULL, "js.fail gives no reply message");
    microError_String(err, buf, sizeof(buf));
    fprintf(stderr, "js.fail: microError_String: %s\n", buf);
    CHECK(strstr(buf, "js is unavailable: xyz") != NULL,
          "microError_String has the service's error text");
    CHECK(microError_Status(err) == NATS_OK,
          "a service error has no library status");
#ifdef NATS_RS_H
    /* nats.c 3.14 declares microError_Code but its library does not export
     * it (see issue 18); ours does. */
    CHECK(microError_Code(err) == 503, "microError_Code is the service's code");
#else
    CHECK(strstr(buf, "503") != NULL, "microError_String shows the code");
#endif
    microError_Destroy(err);

    microClient_Destroy(client);
    natsConnection_Destroy(nc);
    nats_Close();
    printf("OK\n");
    return 0;
}
