// server-config: jetstream: enabled
/*
 * js_compat: the part of JetStream whose structs are the same in nats.c
 * 3.4.1 and 3.14 (a context with default options, js_Publish without
 * options, reading and deleting stored messages, deleting streams), so it
 * runs in every mode of the matrix: its expectations are nats.c's own.
 * The stream is created with a plain API request: jsStreamConfig grew
 * since 3.4.1.
 */
#include <nats.h>
#include "check.h"

static void
create_stream(natsConnection *nc)
{
    const char *cfg = "{\"name\":\"COMPAT\",\"subjects\":[\"compat.>\"]}";
    natsMsg    *reply = NULL;

    CHECK_OK(natsConnection_Request(&reply, nc, "$JS.API.STREAM.CREATE.COMPAT", cfg,
                                    (int) strlen(cfg), 5000));
    CHECK(strstr(natsMsg_GetData(reply), "\"error\"") == NULL, "stream created");
    natsMsg_Destroy(reply);
}

int
main(int argc, char **argv)
{
    natsConnection *nc = NULL;
    jsCtx          *js = NULL;
    jsPubAck       *pa = NULL;
    natsMsg        *m = NULL;
    jsErrCode       jerr = (jsErrCode) 0;

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    create_stream(nc);

    /* Publishing: the ack names the stream and the sequence. */
    CHECK_OK(js_Publish(&pa, js, "compat.a", "one", 3, NULL, &jerr));
    CHECK(jerr == 0, "no error code");
    CHECK(strcmp(pa->Stream, "COMPAT") == 0, "ack names the stream");
    CHECK(pa->Sequence == 1 && !pa->Duplicate, "first message, sequence 1");
    jsPubAck_Destroy(pa);
    pa = NULL;
    CHECK_OK(js_Publish(&pa, js, "compat.b", "two", 3, NULL, &jerr));
    CHECK(pa->Sequence == 2, "second message, sequence 2");
    jsPubAck_Destroy(pa);
    pa = NULL;
    /* No ack wanted. */
    CHECK_OK(js_Publish(NULL, js, "compat.b", "three", 5, NULL, NULL));

    /* Reading back by sequence and by subject. */
    CHECK_OK(js_GetMsg(&m, js, "COMPAT", 1, NULL, &jerr));
    CHECK(strcmp(natsMsg_GetSubject(m), "compat.a") == 0, "subject kept");
    CHECK(natsMsg_GetDataLength(m) == 3 && memcmp(natsMsg_GetData(m), "one", 3) == 0, "data kept");
    CHECK(natsMsg_GetSequence(m) == 1, "stream sequence of a stored message");
    CHECK(natsMsg_GetTime(m) > 0, "store time of a stored message");
    natsMsg_Destroy(m);
    m = NULL;
    CHECK_OK(js_GetLastMsg(&m, js, "COMPAT", "compat.b", NULL, &jerr));
    CHECK(natsMsg_GetSequence(m) == 3, "last message of the subject");
    CHECK(memcmp(natsMsg_GetData(m), "three", 5) == 0, "its data");
    natsMsg_Destroy(m);
    m = NULL;

    /* A sequence that was never stored. */
    CHECK_STATUS(js_GetMsg(&m, js, "COMPAT", 99, NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == JSNoMessageFoundErr, "no message found code");
    CHECK(m == NULL, "no message returned");

    /* Deleting a message, then reading it. */
    CHECK_OK(js_DeleteMsg(js, "COMPAT", 1, NULL, &jerr));
    CHECK_STATUS(js_GetMsg(&m, js, "COMPAT", 1, NULL, &jerr), NATS_NOT_FOUND);
    CHECK_OK(js_EraseMsg(js, "COMPAT", 2, NULL, &jerr));

    /* Streams that do not exist. */
    CHECK_STATUS(js_DeleteStream(js, "MISSING", NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == JSStreamNotFoundErr, "stream not found code");
    CHECK_STATUS(js_GetMsg(&m, js, "MISSING", 1, NULL, &jerr), NATS_ERR);
    CHECK(jerr == JSStreamNotFoundErr, "stream not found code for a get");

    /* Bad arguments. */
    CHECK_STATUS(js_Publish(&pa, NULL, "compat.a", "x", 1, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_STATUS(js_GetMsg(NULL, js, "COMPAT", 1, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_STATUS(js_DeleteStream(js, NULL, NULL, &jerr), NATS_INVALID_ARG);

    CHECK_OK(js_DeleteStream(js, "COMPAT", NULL, &jerr));
    /* Nothing captures the subject any more: no responders. */
    CHECK_STATUS(js_Publish(&pa, js, "compat.a", "x", 1, NULL, &jerr), NATS_NO_RESPONDERS);
    CHECK(pa == NULL, "no ack");

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return 0;
}
