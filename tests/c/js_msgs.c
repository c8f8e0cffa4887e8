// server-config: jetstream: enabled
// modes: c cxx valgrind
/*
 * js_msgs: stored messages read back through the C API: by sequence, last
 * by subject, and with direct get (by sequence, last by subject, next by
 * subject), headers and binary payloads byte for byte, with the stream
 * sequence and time natsMsg_GetSequence/natsMsg_GetTime report; then
 * deleted and erased. Every message handed out is destroyed.
 */
#include <nats.h>
#include "check.h"

#define SEC ((int64_t) 1000000000)

/* Publishes to a stream's subject and waits for the stream's ack. */
static void
store(natsConnection *nc, natsMsg *m)
{
    natsMsg *ack = NULL;

    CHECK_OK(natsConnection_RequestMsg(&ack, nc, m, 5000));
    CHECK(strstr(natsMsg_GetData(ack), "\"error\"") == NULL, natsMsg_GetData(ack));
    natsMsg_Destroy(ack);
    natsMsg_Destroy(m);
}

static natsMsg *
msg(const char *subj, const char *data, int len)
{
    natsMsg *m = NULL;

    CHECK_OK(natsMsg_Create(&m, subj, NULL, data, len));
    return m;
}

static int
data_is(natsMsg *m, const char *data, int len)
{
    return natsMsg_GetDataLength(m) == len && memcmp(natsMsg_GetData(m), data, (size_t) len) == 0;
}

static const char *
header(natsMsg *m, const char *key)
{
    const char *v = NULL;

    if (natsMsgHeader_Get(m, key, &v) != NATS_OK)
        return NULL;
    return v;
}

int
main(int argc, char **argv)
{
    const char            *url = test_url(argc, argv);
    natsConnection        *nc = NULL;
    jsCtx                 *js = NULL;
    jsStreamConfig         cfg;
    jsDirectGetMsgOptions  dg;
    natsMsg               *m = NULL;
    natsMsg               *got = NULL;
    const char            *subj[] = {"m.>"};
    const char            *val = NULL;
    jsErrCode              jerr = (jsErrCode) 1;
    int64_t                before = nats_Now() * 1000000 - 60 * SEC;
    int64_t                after;

    CHECK_OK(natsConnection_ConnectTo(&nc, url));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));

    CHECK_OK(jsStreamConfig_Init(&cfg));
    cfg.Name = "M";
    cfg.Subjects = subj;
    cfg.SubjectsLen = 1;
    cfg.AllowDirect = true;
    CHECK_OK(js_AddStream(NULL, js, &cfg, NULL, NULL));

    store(nc, msg("m.a", "one", 3));                    /* 1 */
    m = msg("m.b", "two", 3);                           /* 2, with headers */
    CHECK_OK(natsMsgHeader_Set(m, "X-Key", "v1"));
    CHECK_OK(natsMsgHeader_Add(m, "X-Multi", "a"));
    CHECK_OK(natsMsgHeader_Add(m, "X-Multi", "b"));
    store(nc, m);
    store(nc, msg("m.a", "three", 5));                  /* 3 */
    store(nc, msg("m.c", "a\0b\xff", 4));               /* 4, binary */
    store(nc, msg("m.b", "five", 4));                   /* 5 */
    after = nats_Now() * 1000000 + 60 * SEC;

    /* By sequence, with its headers. */
    CHECK_OK(js_GetMsg(&got, js, "M", 2, NULL, &jerr));
    CHECK(jerr == 0, "no error code");
    CHECK(strcmp(natsMsg_GetSubject(got), "m.b") == 0, "the stored subject");
    CHECK(data_is(got, "two", 3), "the stored payload");
    CHECK(natsMsg_GetReply(got) == NULL, "no reply");
    val = header(got, "X-Key");
    CHECK(val != NULL && strcmp(val, "v1") == 0, "the stored header");
    {
        const char **vals = NULL;
        int          n = 0;
        CHECK_OK(natsMsgHeader_Values(got, "X-Multi", &vals, &n));
        CHECK(n == 2 && strcmp(vals[0], "a") == 0 && strcmp(vals[1], "b") == 0, "both values");
        free((void *) vals);
    }
    CHECK(natsMsg_GetSequence(got) == 2, "its sequence");
    CHECK(natsMsg_GetTime(got) > before && natsMsg_GetTime(got) < after, "its time");
    natsMsg_Destroy(got);
    got = NULL;

    CHECK_OK(js_GetMsg(&got, js, "M", 4, NULL, NULL));
    CHECK(data_is(got, "a\0b\xff", 4), "binary payload byte for byte");
    CHECK(natsMsgHeader_Get(got, "X-Key", &val) == NATS_NOT_FOUND, "no headers");
    natsMsg_Destroy(got);
    got = NULL;

    /* Last by subject. */
    CHECK_OK(js_GetLastMsg(&got, js, "M", "m.a", NULL, &jerr));
    CHECK(natsMsg_GetSequence(got) == 3 && data_is(got, "three", 5), "the last m.a");
    natsMsg_Destroy(got);
    got = NULL;

    /* Direct get: by sequence, last by subject, next by subject. */
    CHECK_STATUS(jsDirectGetMsgOptions_Init(NULL), NATS_INVALID_ARG);
    memset(&dg, 0x5a, sizeof(dg));
    CHECK_OK(jsDirectGetMsgOptions_Init(&dg));
    CHECK(dg.Sequence == 0 && dg.NextBySubject == NULL && dg.LastBySubject == NULL, "zeroed");
    dg.Sequence = 2;
    CHECK_OK(js_DirectGetMsg(&got, js, "M", NULL, &dg));
    CHECK(strcmp(natsMsg_GetSubject(got), "m.b") == 0 && data_is(got, "two", 3), "direct by seq");
    val = header(got, "X-Key");
    CHECK(val != NULL && strcmp(val, "v1") == 0, "the stored header");
    val = header(got, "Nats-Stream");
    CHECK(val != NULL && strcmp(val, "M") == 0, "the server's header");
    CHECK(natsMsg_GetSequence(got) == 2, "direct: its sequence");
    CHECK(natsMsg_GetTime(got) > before && natsMsg_GetTime(got) < after, "direct: its time");
    natsMsg_Destroy(got);
    got = NULL;

    CHECK_OK(jsDirectGetMsgOptions_Init(&dg));
    dg.LastBySubject = "m.a";
    CHECK_OK(js_DirectGetMsg(&got, js, "M", NULL, &dg));
    CHECK(natsMsg_GetSequence(got) == 3 && data_is(got, "three", 5), "direct last m.a");
    natsMsg_Destroy(got);
    got = NULL;

    CHECK_OK(jsDirectGetMsgOptions_Init(&dg));
    dg.Sequence = 3;
    dg.NextBySubject = "m.b";
    CHECK_OK(js_DirectGetMsg(&got, js, "M", NULL, &dg));
    CHECK(natsMsg_GetSequence(got) == 5 && data_is(got, "five", 4), "direct next m.b from 3");
    natsMsg_Destroy(got);
    got = NULL;

    CHECK_OK(jsDirectGetMsgOptions_Init(&dg));
    dg.Sequence = 99;
    CHECK_STATUS(js_DirectGetMsg(&got, js, "M", NULL, &dg), NATS_NOT_FOUND);
    CHECK(got == NULL, "nothing returned");

    /* Not there. */
    CHECK_STATUS(js_GetMsg(&got, js, "M", 99, NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == JSNoMessageFoundErr, "JSNoMessageFoundErr");
    CHECK(got == NULL, "nothing returned");
    CHECK_STATUS(js_GetMsg(&got, js, "NOPE", 1, NULL, &jerr), NATS_ERR);
    CHECK(jerr == JSStreamNotFoundErr, "a missing stream's code");

    /* Delete and erase. */
    CHECK_OK(js_DeleteMsg(js, "M", 1, NULL, &jerr));
    CHECK(jerr == 0, "no error code");
    CHECK_STATUS(js_GetMsg(&got, js, "M", 1, NULL, NULL), NATS_NOT_FOUND);
    CHECK_STATUS(js_DeleteMsg(js, "M", 1, NULL, &jerr), NATS_ERR);
    CHECK(jerr != 0, "the server's code for a message already gone");
    CHECK_OK(js_EraseMsg(js, "M", 3, NULL, &jerr));
    CHECK_STATUS(js_GetLastMsg(&got, js, "M", "m.a", NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == JSNoMessageFoundErr, "no m.a left");
    CHECK_STATUS(js_DeleteMsg(js, "NOPE", 1, NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == JSStreamNotFoundErr, "delete: a missing stream");
    CHECK_STATUS(js_EraseMsg(js, "NOPE", 1, NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == JSStreamNotFoundErr, "erase: a missing stream");

    /* Bad arguments. */
    CHECK_STATUS(js_GetMsg(&got, js, "M", 0, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_GetMsg(NULL, js, "M", 2, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_GetMsg(&got, NULL, "M", 2, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_GetMsg(&got, js, NULL, 2, NULL, NULL), NATS_INVALID_ARG);
    CHECK(strstr(nats_GetLastError(NULL), "stream name is required") != NULL, "nats.c's text");
    CHECK_STATUS(js_GetLastMsg(&got, js, "M", "", NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_GetLastMsg(&got, js, "M", NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_DirectGetMsg(&got, js, "M", NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_DirectGetMsg(NULL, js, "M", NULL, &dg), NATS_INVALID_ARG);
    CHECK_STATUS(js_DirectGetMsg(&got, js, "", NULL, &dg), NATS_INVALID_ARG);
    CHECK_STATUS(js_DeleteMsg(NULL, "M", 2, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_EraseMsg(js, NULL, 2, NULL, NULL), NATS_INVALID_ARG);
    CHECK(got == NULL, "nothing returned");

    /* Messages that did not come from a stream have neither. */
    CHECK(natsMsg_GetSequence(NULL) == 0 && natsMsg_GetTime(NULL) == 0, "NULL");
    m = msg("m.z", "x", 1);
    CHECK(natsMsg_GetSequence(m) == 0 && natsMsg_GetTime(m) == 0, "a created message");
    natsMsg_Destroy(m);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return 0;
}
