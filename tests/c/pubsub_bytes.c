// server-config: max_payload: 4MB
/*
 * pubsub_bytes: the exact bytes published are the bytes delivered.
 * Binary data with zero bytes, an empty payload and large payloads (1 MiB and
 * 3 MiB, which needs the raised max_payload above); subject, reply and data
 * length; natsMsg_GetData is NUL-terminated; a payload over the server's
 * limit is refused with NATS_MAX_PAYLOAD.
 */
#include <nats.h>
#include "check.h"

static void
expect_msg(natsSubscription *sub, const char *subj, const char *reply,
           const char *data, int len)
{
    natsMsg *m = NULL;
    const char *got;

    CHECK_OK(natsSubscription_NextMsg(&m, sub, 10000));
    CHECK(m != NULL, "NextMsg returned OK but no message");
    CHECK(strcmp(natsMsg_GetSubject(m), subj) == 0, "subject differs");
    if (reply == NULL)
        CHECK(natsMsg_GetReply(m) == NULL, "reply should be NULL");
    else
        CHECK(natsMsg_GetReply(m) != NULL
              && strcmp(natsMsg_GetReply(m), reply) == 0, "reply differs");
    CHECK(natsMsg_GetDataLength(m) == len, "data length differs");
    got = natsMsg_GetData(m);
    CHECK(got != NULL, "natsMsg_GetData is NULL");
    CHECK(len == 0 || memcmp(got, data, (size_t) len) == 0, "payload bytes differ");
    CHECK(got[len] == '\0', "payload is not NUL-terminated");
    natsMsg_Destroy(m);
}

static char *
make_payload(int len, unsigned seed)
{
    char *p = (char *) malloc((size_t) len + 1);
    int i;
    CHECK(p != NULL, "malloc");
    for (i = 0; i < len; i++)
        p[i] = (char) ((i * 31 + (int) seed) & 0xFF);
    p[len] = 'X'; /* not a terminator: the library must add its own */
    return p;
}

int
main(int argc, char **argv)
{
    natsConnection   *nc  = NULL;
    natsSubscription *sub = NULL;
    natsMsg          *out = NULL;
    const char        bin[] = { 'a', '\0', 'b', '\0', '\0', '\r', '\n', (char) 0xFF, 'z' };
    const int         big1 = 1024 * 1024;
    const int         big3 = 3 * 1024 * 1024;
    char             *p1, *p3, *tooBig;
    int64_t           maxPayload;

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));
    maxPayload = natsConnection_GetMaxPayload(nc);
    CHECK(maxPayload == 4 * 1024 * 1024, "server-config max_payload: 4MB not applied");

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "bytes.>"));
    CHECK_OK(natsConnection_Flush(nc));

    /* binary with embedded zeros */
    CHECK_OK(natsConnection_Publish(nc, "bytes.bin", bin, (int) sizeof(bin)));
    expect_msg(sub, "bytes.bin", NULL, bin, (int) sizeof(bin));

    /* empty payloads, with NULL and non-NULL data pointers */
    CHECK_OK(natsConnection_Publish(nc, "bytes.empty", NULL, 0));
    expect_msg(sub, "bytes.empty", NULL, "", 0);
    CHECK_OK(natsConnection_Publish(nc, "bytes.empty2", "ignored", 0));
    expect_msg(sub, "bytes.empty2", NULL, "", 0);
    CHECK_OK(natsConnection_PublishString(nc, "bytes.str", ""));
    expect_msg(sub, "bytes.str", NULL, "", 0);

    /* a reply subject is carried along */
    CHECK_OK(natsConnection_PublishRequest(nc, "bytes.req", "bytes.answer.here", bin, (int) sizeof(bin)));
    expect_msg(sub, "bytes.req", "bytes.answer.here", bin, (int) sizeof(bin));
    CHECK_OK(natsConnection_PublishRequestString(nc, "bytes.req2", "r2", "hello"));
    expect_msg(sub, "bytes.req2", "r2", "hello", 5);

    /* a natsMsg built by the user */
    CHECK_OK(natsMsg_Create(&out, "bytes.msg", "bytes.rep", bin, (int) sizeof(bin)));
    CHECK(strcmp(natsMsg_GetSubject(out), "bytes.msg") == 0, "created msg subject");
    CHECK(strcmp(natsMsg_GetReply(out), "bytes.rep") == 0, "created msg reply");
    CHECK(natsMsg_GetDataLength(out) == (int) sizeof(bin), "created msg length");
    CHECK_OK(natsConnection_PublishMsg(nc, out));
    natsMsg_Destroy(out);
    expect_msg(sub, "bytes.msg", "bytes.rep", bin, (int) sizeof(bin));

    /* large payloads */
    p1 = make_payload(big1, 7);
    CHECK_OK(natsConnection_Publish(nc, "bytes.big1", p1, big1));
    expect_msg(sub, "bytes.big1", NULL, p1, big1);
    p3 = make_payload(big3, 11);
    CHECK_OK(natsConnection_Publish(nc, "bytes.big3", p3, big3));
    expect_msg(sub, "bytes.big3", NULL, p3, big3);

    /* over the limit: refused by the client, nothing is sent */
    tooBig = make_payload((int) maxPayload + 1, 3);
    CHECK_STATUS(natsConnection_Publish(nc, "bytes.toobig", tooBig, (int) maxPayload + 1),
                 NATS_MAX_PAYLOAD);
    CHECK_OK(natsConnection_Flush(nc));
    {
        natsMsg *m = NULL;
        CHECK_STATUS(natsSubscription_NextMsg(&m, sub, 200), NATS_TIMEOUT);
        CHECK(m == NULL, "no message expected");
    }

    free(p1);
    free(p3);
    free(tooBig);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    nats_Close();
    TEST_PASS("pubsub_bytes");
    return 0;
}
