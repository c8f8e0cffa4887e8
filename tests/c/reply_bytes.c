/*
 * reply_bytes: subjects and reply subjects are bytes. A request whose reply
 * subject holds bytes that are not UTF-8 (0xff 0xfe) is answered, through
 * natsMsg_GetReply, with natsConnection_PublishString, natsConnection_Publish
 * and natsConnection_PublishMsg; every answer must arrive on exactly that
 * subject (nats-server passes the bytes through, and so does nats.c).
 */
#include <nats.h>
#include "check.h"

/* "_R." 0xff 0xfe ".x", spelled so that no hex escape runs on. */
static const char REPLY[] = "_R." "\xff\xfe" ".x";
static const char SUBJ[]  = "svc." "\xff" ".in";

static void
expect_answer(natsSubscription *sub, const char *want)
{
    natsMsg *m = NULL;
    CHECK_OK(natsSubscription_NextMsg(&m, sub, 10000));
    CHECK(strcmp(natsMsg_GetSubject(m), REPLY) == 0,
          "the answer arrives on the exact reply bytes");
    CHECK(natsMsg_GetDataLength(m) == (int) strlen(want), "answer length");
    CHECK(strcmp(natsMsg_GetData(m), want) == 0, "answer payload");
    natsMsg_Destroy(m);
}

int
main(int argc, char **argv)
{
    const char       *url = test_url(argc, argv);
    natsConnection   *srv = NULL, *cli = NULL;
    natsSubscription *in = NULL, *answers = NULL;
    natsMsg          *req = NULL, *out = NULL;
    const char       *reply;

    CHECK_OK(natsConnection_ConnectTo(&srv, url));
    CHECK_OK(natsConnection_SubscribeSync(&in, srv, "svc.>"));
    CHECK_OK(natsConnection_Flush(srv));

    CHECK_OK(natsConnection_ConnectTo(&cli, url));
    CHECK_OK(natsConnection_SubscribeSync(&answers, cli, "_R.>"));
    CHECK_OK(natsConnection_Flush(cli));
    CHECK_OK(natsConnection_PublishRequestString(cli, SUBJ, REPLY, "q"));
    CHECK_OK(natsConnection_Flush(cli));

    CHECK_OK(natsSubscription_NextMsg(&req, in, 10000));
    CHECK(strcmp(natsMsg_GetSubject(req), SUBJ) == 0, "the subject's exact bytes");
    reply = natsMsg_GetReply(req);
    CHECK(reply != NULL && strcmp(reply, REPLY) == 0, "the reply's exact bytes");

    CHECK_OK(natsConnection_PublishString(srv, reply, "a1"));
    CHECK_OK(natsConnection_Publish(srv, reply, "a2", 2));
    CHECK_OK(natsMsg_Create(&out, reply, NULL, "a3", 2));
    CHECK_OK(natsConnection_PublishMsg(srv, out));
    natsMsg_Destroy(out);
    CHECK_OK(natsConnection_Flush(srv));

    expect_answer(answers, "a1");
    expect_answer(answers, "a2");
    expect_answer(answers, "a3");

    natsMsg_Destroy(req);
    natsSubscription_Destroy(answers);
    natsSubscription_Destroy(in);
    natsConnection_Destroy(cli);
    natsConnection_Destroy(srv);
    nats_Close();
    TEST_PASS("reply_bytes");
    return 0;
}
