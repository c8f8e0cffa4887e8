// server-config: jetstream: enabled
// modes: c cxx valgrind
/*
 * js_consumers: consumer management through the C API. A durable pull
 * consumer with most config fields set reads back field by field; it is
 * updated, inspected, listed, paused and resumed, reset, unpinned and
 * deleted; missing streams and consumers give nats.c's statuses and error
 * codes; bad arguments are refused. Every returned tree is destroyed (the
 * valgrind mode checks for leaks).
 */
#include <nats.h>
#include "check.h"

#define SEC ((int64_t) 1000000000)

/* Creates a memory stream. One helper, so that it can become js_AddStream. */
static void
create_stream(natsConnection *nc, const char *name, const char *subjects)
{
    char subj[128];
    char body[256];
    natsMsg *reply = NULL;

    snprintf(subj, sizeof(subj), "$JS.API.STREAM.CREATE.%s", name);
    snprintf(body, sizeof(body),
             "{\"name\":\"%s\",\"subjects\":[\"%s\"],\"storage\":\"memory\"}",
             name, subjects);
    CHECK_OK(natsConnection_Request(&reply, nc, subj, body, (int) strlen(body), 5000));
    CHECK(strstr(natsMsg_GetData(reply), "\"error\"") == NULL, natsMsg_GetData(reply));
    natsMsg_Destroy(reply);
}

/* Waits until the stream holds want messages (it stores what is published
 * asynchronously). Raw API request too, to become js_GetStreamInfo. */
static void
wait_stream_msgs(natsConnection *nc, const char *name, uint64_t want)
{
    char subj[128];
    int64_t deadline = test_now_ms() + 10000;
    uint64_t got = 0;

    snprintf(subj, sizeof(subj), "$JS.API.STREAM.INFO.%s", name);
    for (;;) {
        natsMsg *reply = NULL;
        const char *n;
        CHECK_OK(natsConnection_Request(&reply, nc, subj, NULL, 0, 5000));
        n = strstr(natsMsg_GetData(reply), "\"messages\":");
        CHECK(n != NULL, natsMsg_GetData(reply));
        got = strtoull(n + strlen("\"messages\":"), NULL, 10);
        natsMsg_Destroy(reply);
        if (got == want)
            return;
        CHECK(test_now_ms() < deadline, "the stream did not store the messages");
        nats_Sleep(10);
    }
}

static int
str_is(const char *got, const char *want)
{
    return got != NULL && strcmp(got, want) == 0;
}

/* The value of key in a metadata list, or NULL. */
static const char *
md_get(const natsMetadata *md, const char *key)
{
    int i;
    for (i = 0; i < md->Count; i++)
        if (str_is(md->List[2 * i], key))
            return md->List[2 * i + 1];
    return NULL;
}

static int
last_error_is(const char *want)
{
    natsStatus s = NATS_OK;
    const char *txt = nats_GetLastError(&s);
    return txt != NULL && strstr(txt, want) != NULL;
}

/* Waits until the consumer reports want pending messages (the stream
 * stores published messages asynchronously); returns the last count. */
static uint64_t
wait_pending(jsCtx *js, const char *stream, const char *name, uint64_t want)
{
    int64_t deadline = test_now_ms() + 10000;
    uint64_t got = 0;
    for (;;) {
        jsConsumerInfo *ci = NULL;
        CHECK_OK(js_GetConsumerInfo(&ci, js, stream, name, NULL, NULL));
        got = ci->NumPending;
        jsConsumerInfo_Destroy(ci);
        if (got == want || test_now_ms() > deadline)
            return got;
        nats_Sleep(10);
    }
}

static void
bad_arguments(jsCtx *js)
{
    jsConsumerConfig cc;
    jsConsumerInfo *ci = NULL;
    jsConsumerInfoList *list = NULL;
    jsConsumerNamesList *names = NULL;
    jsConsumerPauseResponse *cpr = NULL;
    jsErrCode jerr = (jsErrCode) 12345;
    const char *one[] = {"k"};

    CHECK_STATUS(jsConsumerConfig_Init(NULL), NATS_INVALID_ARG);
    CHECK_OK(jsConsumerConfig_Init(&cc));
    CHECK((int) cc.DeliverPolicy == -1 && (int) cc.AckPolicy == -1 &&
              (int) cc.ReplayPolicy == -1,
          "Init leaves the policies unset (-1)");
    CHECK(cc.Name == NULL && cc.MaxDeliver == 0 && cc.FilterSubjectsLen == 0 &&
              cc.Metadata.Count == 0 && cc.PauseUntil == 0,
          "Init zeroes the rest");
    cc.Durable = "D";

    CHECK_STATUS(js_AddConsumer(&ci, NULL, "S", &cc, NULL, &jerr), NATS_INVALID_ARG);
    CHECK(jerr == 0, "the error code is cleared");
    CHECK_STATUS(js_AddConsumer(&ci, js, "S", NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK(last_error_is("consumer configuration required"), "no config");
    CHECK_STATUS(js_AddConsumer(&ci, js, NULL, &cc, NULL, NULL), NATS_INVALID_ARG);
    CHECK(last_error_is("stream name is required"), "no stream name");
    CHECK_STATUS(js_AddConsumer(&ci, js, "a.b", &cc, NULL, NULL), NATS_INVALID_ARG);
    CHECK(last_error_is("invalid stream name 'a.b' (cannot contain '.')"), "stream name");

    cc.Durable = "a.b";
    CHECK_STATUS(js_AddConsumer(&ci, js, "S", &cc, NULL, NULL), NATS_INVALID_ARG);
    CHECK(last_error_is("invalid durable name 'a.b' (cannot contain '.')"), "durable");
    cc.Durable = NULL;
    cc.Name = "x*";
    CHECK_STATUS(js_AddConsumer(&ci, js, "S", &cc, NULL, NULL), NATS_INVALID_ARG);
    CHECK(last_error_is("invalid consumer name 'x*' (cannot contain '*')"), "name");
    cc.Name = "D";

    /* An enum value C can store but nats.c does not list. */
    cc.AckPolicy = (jsAckPolicy) 7;
    CHECK_STATUS(js_AddConsumer(&ci, js, "S", &cc, NULL, NULL), NATS_INVALID_ARG);
    CHECK(last_error_is("invalid ack policy 7"), "ack policy");
    cc.AckPolicy = js_AckExplicit;
    cc.DeliverPolicy = (jsDeliverPolicy) 99;
    CHECK_STATUS(js_AddConsumer(&ci, js, "S", &cc, NULL, NULL), NATS_INVALID_ARG);
    CHECK(last_error_is("invalid deliver policy 99"), "deliver policy");
    cc.DeliverPolicy = js_DeliverAll;
    cc.ReplayPolicy = (jsReplayPolicy) 2;
    CHECK_STATUS(js_AddConsumer(&ci, js, "S", &cc, NULL, NULL), NATS_INVALID_ARG);
    CHECK(last_error_is("invalid replay policy 2"), "replay policy");
    cc.ReplayPolicy = js_ReplayInstant;

    /* Counts: negative, or positive with no array. */
    cc.BackOffLen = -1;
    CHECK_STATUS(js_AddConsumer(&ci, js, "S", &cc, NULL, NULL), NATS_INVALID_ARG);
    cc.BackOffLen = 0;
    cc.FilterSubjectsLen = 2;
    CHECK_STATUS(js_AddConsumer(&ci, js, "S", &cc, NULL, NULL), NATS_INVALID_ARG);
    cc.FilterSubjectsLen = 0;
    cc.Metadata.List = one; /* one string, but a count of one pair */
    cc.Metadata.Count = -3;
    CHECK_STATUS(js_AddConsumer(&ci, js, "S", &cc, NULL, NULL), NATS_INVALID_ARG);
    cc.Metadata.List = NULL;
    cc.Metadata.Count = 0;
    cc.PriorityGroupsLen = -1;
    CHECK_STATUS(js_AddConsumer(&ci, js, "S", &cc, NULL, NULL), NATS_INVALID_ARG);
    cc.PriorityGroupsLen = 0;
    CHECK(ci == NULL, "nothing returned on failure");

    /* Update needs a durable name. */
    cc.Durable = NULL;
    CHECK_STATUS(js_UpdateConsumer(&ci, js, "S", &cc, NULL, NULL), NATS_INVALID_ARG);
    CHECK(last_error_is("durable name is required"), "update without durable");

    /* Out-parameters the calls require, names they check. */
    CHECK_STATUS(js_GetConsumerInfo(NULL, js, "S", "C", NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_GetConsumerInfo(&ci, NULL, "S", "C", NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_GetConsumerInfo(&ci, js, "S", NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK(last_error_is("consumer name is required"), "no consumer name");
    CHECK_STATUS(js_GetConsumerInfo(&ci, js, "S", "a b", NULL, NULL), NATS_INVALID_ARG);
    CHECK(last_error_is("invalid consumer name 'a b' (cannot contain ' ')"), "space");
    CHECK_STATUS(js_DeleteConsumer(NULL, "S", "C", NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_DeleteConsumer(js, "", "C", NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_Consumers(NULL, js, "S", NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_Consumers(&list, NULL, "S", NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_Consumers(&list, js, NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_ConsumerNames(NULL, js, "S", NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_ConsumerNames(&names, js, "a.b", NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_PauseConsumer(NULL, js, "S", "C", 0, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_PauseConsumer(&cpr, NULL, "S", "C", 0, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_PauseConsumer(&cpr, js, "S", "C", UINT64_MAX, NULL, NULL),
                 NATS_INVALID_ARG);
    CHECK_STATUS(js_ResetConsumer(NULL, NULL, "S", "C", 0, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_ResetConsumer(NULL, js, "S", "", 0, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_UnpinConsumer(NULL, "S", "C", "g", NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_UnpinConsumer(js, "S", "C", NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK(last_error_is("group must not be empty"), "no group");
    CHECK_STATUS(js_UnpinConsumer(js, "S", "C", "not a group", NULL, NULL), NATS_INVALID_ARG);
    CHECK(last_error_is("group must contain only [A-Za-z0-9-_/=]"), "group chars");
    CHECK_STATUS(js_UnpinConsumer(js, "S", "C", "abcdefghijklmnopq", NULL, NULL),
                 NATS_INVALID_ARG);
    CHECK(last_error_is("group must not be longer than 16 characters"), "group length");
    CHECK(ci == NULL && list == NULL && names == NULL && cpr == NULL,
          "nothing returned on failure");

    /* Destroying NULL does nothing. */
    jsConsumerInfo_Destroy(NULL);
    jsConsumerInfoList_Destroy(NULL);
    jsConsumerNamesList_Destroy(NULL);
    jsConsumerPauseResponse_Destroy(NULL);
    jsConsumerResetResponse_Destroy(NULL);
}

static void
check_pull_config(const jsConsumerConfig *c)
{
    CHECK(str_is(c->Name, "PULL") && str_is(c->Durable, "PULL"), "names");
    CHECK(str_is(c->Description, "a pull consumer"), "Description");
    CHECK(c->DeliverPolicy == js_DeliverByStartSequence, "DeliverPolicy");
    CHECK(c->OptStartSeq == 2, "OptStartSeq");
    CHECK(c->AckPolicy == js_AckExplicit, "AckPolicy");
    CHECK(c->AckWait == 1 * SEC, "AckWait");
    CHECK(c->MaxDeliver == 5, "MaxDeliver");
    CHECK(c->BackOffLen == 3 && c->BackOff != NULL, "BackOff length");
    CHECK(c->BackOff[0] == 1 * SEC && c->BackOff[1] == 2 * SEC && c->BackOff[2] == 4 * SEC,
          "BackOff values");
    CHECK(c->FilterSubject == NULL, "no single filter");
    CHECK(c->FilterSubjectsLen == 2 && str_is(c->FilterSubjects[0], "s.a") &&
              str_is(c->FilterSubjects[1], "s.b"),
          "FilterSubjects");
    CHECK(c->ReplayPolicy == js_ReplayInstant, "ReplayPolicy");
    CHECK(c->MaxWaiting == 64, "MaxWaiting");
    CHECK(c->MaxAckPending == 100, "MaxAckPending");
    CHECK(c->HeadersOnly, "HeadersOnly");
    CHECK(!c->FlowControl && c->Heartbeat == 0 && c->DeliverSubject == NULL,
          "no push fields");
    CHECK(c->MaxRequestBatch == 50, "MaxRequestBatch");
    CHECK(c->MaxRequestExpires == 30 * SEC, "MaxRequestExpires");
    CHECK(c->MaxRequestMaxBytes == 65536, "MaxRequestMaxBytes");
    CHECK(c->InactiveThreshold == 3600 * SEC, "InactiveThreshold");
    CHECK(c->Replicas == 1, "Replicas");
    CHECK(c->MemoryStorage, "MemoryStorage");
    /* The server may add metadata of its own (_nats.* keys). */
    CHECK(c->Metadata.Count >= 2, "Metadata count");
    CHECK(str_is(md_get(&c->Metadata, "team"), "core"), "Metadata team");
    CHECK(str_is(md_get(&c->Metadata, "env"), "test"), "Metadata env");
    CHECK(c->PauseUntil == 0, "not paused");
    CHECK(str_is(c->PriorityPolicy, "pinned_client"), "PriorityPolicy");
    CHECK(c->PinnedTTL == 90 * SEC, "PinnedTTL");
    CHECK(c->PriorityGroupsLen == 1 && str_is(c->PriorityGroups[0], "g1"),
          "PriorityGroups");
}

int
main(int argc, char **argv)
{
    const char *url = test_url(argc, argv);
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    jsConsumerConfig cc;
    jsConsumerInfo *ci = NULL;
    jsConsumerInfo *taken = NULL;
    jsConsumerInfoList *list = NULL;
    jsConsumerNamesList *names = NULL;
    jsConsumerPauseResponse *cpr = NULL;
    jsConsumerResetResponse *crr = NULL;
    jsErrCode jerr = (jsErrCode) 12345;
    int64_t backoff[] = {1 * SEC, 2 * SEC, 4 * SEC};
    const char *filters[] = {"s.a", "s.b"};
    const char *md[] = {"team", "core", "env", "test"};
    const char *groups[] = {"g1"};
    const char *subjects[] = {"s.a", "s.b", "s.a", "s.c"};
    uint64_t until;
    int i, seen_pull = 0, seen_other = 0;

    CHECK_OK(natsConnection_ConnectTo(&nc, url));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    create_stream(nc, "S", "s.>");

    bad_arguments(js);

    /* s.a(1) s.b(2) s.a(3) s.c(4) */
    for (i = 0; i < 4; i++)
        CHECK_OK(natsConnection_PublishString(nc, subjects[i], "x"));
    CHECK_OK(natsConnection_Flush(nc));
    wait_stream_msgs(nc, "S", 4);

    /* A durable pull consumer with most fields set. */
    CHECK_OK(jsConsumerConfig_Init(&cc));
    cc.Name = "PULL";
    cc.Durable = "PULL";
    cc.Description = "a pull consumer";
    cc.DeliverPolicy = js_DeliverByStartSequence;
    cc.OptStartSeq = 2;
    cc.AckPolicy = js_AckExplicit;
    cc.AckWait = 1 * SEC; /* the server makes it the first backoff step */
    cc.MaxDeliver = 5;
    cc.BackOff = backoff;
    cc.BackOffLen = 3;
    cc.FilterSubjects = filters;
    cc.FilterSubjectsLen = 2;
    cc.MaxWaiting = 64;
    cc.MaxAckPending = 100;
    cc.HeadersOnly = true;
    cc.MaxRequestBatch = 50;
    cc.MaxRequestExpires = 30 * SEC;
    cc.MaxRequestMaxBytes = 65536;
    cc.InactiveThreshold = 3600 * SEC;
    cc.Replicas = 1;
    cc.MemoryStorage = true;
    cc.Metadata.List = md;
    cc.Metadata.Count = 2;
    cc.PriorityPolicy = "pinned_client";
    cc.PinnedTTL = 90 * SEC;
    cc.PriorityGroups = groups;
    cc.PriorityGroupsLen = 1;
    CHECK_OK(js_AddConsumer(&ci, js, "S", &cc, NULL, &jerr));
    CHECK(jerr == 0, "no error code on success");
    CHECK(ci != NULL && ci->Config != NULL, "info returned");
    CHECK(str_is(ci->Stream, "S") && str_is(ci->Name, "PULL"), "stream and name");
    CHECK(ci->Created > 0, "Created");
    /* s.a and s.b from sequence 2 on: s.b(2), s.a(3). */
    CHECK(ci->NumPending == 2, "NumPending");
    CHECK(ci->Cluster == NULL, "no cluster");
    check_pull_config(ci->Config);
    jsConsumerInfo_Destroy(ci);
    ci = NULL;

    /* Adding it again with the same config is fine, and ci may be NULL. */
    CHECK_OK(js_AddConsumer(NULL, js, "S", &cc, NULL, NULL));

    /* Published after: s.b(5) counts, s.c(6) does not. */
    CHECK_OK(natsConnection_PublishString(nc, "s.b", "y"));
    CHECK_OK(natsConnection_PublishString(nc, "s.c", "y"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK(wait_pending(js, "S", "PULL", 3) == 3, "NumPending after publishing");

    CHECK_OK(js_GetConsumerInfo(&ci, js, "S", "PULL", NULL, &jerr));
    CHECK(jerr == 0, "no error code");
    check_pull_config(ci->Config);
    /* Nothing delivered: the stream position is the one before the start. */
    CHECK(ci->Delivered.Consumer == 0 && ci->Delivered.Stream == 1, "Delivered");
    CHECK(ci->AckFloor.Consumer == 0 && ci->AckFloor.Stream == 1, "AckFloor");
    CHECK(!ci->Paused && !ci->PushBound, "not paused or bound");
    jsConsumerInfo_Destroy(ci);
    ci = NULL;

    /* Update what may change. */
    cc.Description = "changed";
    cc.MaxAckPending = 20;
    CHECK_OK(js_UpdateConsumer(&ci, js, "S", &cc, NULL, &jerr));
    CHECK(str_is(ci->Config->Description, "changed"), "updated Description");
    CHECK(ci->Config->MaxAckPending == 20, "updated MaxAckPending");
    jsConsumerInfo_Destroy(ci);
    ci = NULL;
    /* What may not change is the server's error. */
    cc.AckPolicy = js_AckAll;
    CHECK_STATUS(js_UpdateConsumer(&ci, js, "S", &cc, NULL, &jerr), NATS_ERR);
    CHECK(jerr != 0, "the server's code");
    CHECK(ci == NULL, "no info on failure");
    cc.AckPolicy = js_AckExplicit;

    /* A second consumer, then the listings. */
    CHECK_OK(jsConsumerConfig_Init(&cc));
    cc.Name = "OTHER";
    cc.FilterSubject = "s.c";
    cc.MemoryStorage = true;
    CHECK_OK(js_AddConsumer(&ci, js, "S", &cc, NULL, NULL));
    CHECK(str_is(ci->Config->FilterSubject, "s.c") && ci->Config->FilterSubjects == NULL,
          "one filter");
    CHECK(ci->Config->DeliverPolicy == js_DeliverAll && ci->Config->AckPolicy == js_AckExplicit &&
              ci->Config->ReplayPolicy == js_ReplayInstant,
          "unset policies are the defaults");
    CHECK(ci->Config->Durable == NULL, "not durable");
    CHECK(cc.DeliverPolicy == js_DeliverAll && cc.AckPolicy == js_AckExplicit &&
              cc.ReplayPolicy == js_ReplayInstant,
          "the policies chosen are stored in the caller's config, as nats.c does");
    jsConsumerInfo_Destroy(ci);
    ci = NULL;

    CHECK_OK(js_Consumers(&list, js, "S", NULL, &jerr));
    CHECK(list != NULL && list->Count == 2, "two infos");
    for (i = 0; i < list->Count; i++) {
        CHECK(str_is(list->List[i]->Stream, "S"), "listed stream");
        seen_pull += str_is(list->List[i]->Name, "PULL");
        seen_other += str_is(list->List[i]->Name, "OTHER");
    }
    CHECK(seen_pull == 1 && seen_other == 1, "both listed once");
    /* An info taken out of the list stays the caller's. */
    taken = list->List[0];
    list->List[0] = NULL;
    jsConsumerInfoList_Destroy(list);
    list = NULL;
    CHECK(taken->Config != NULL && taken->Name != NULL, "taken info intact");
    jsConsumerInfo_Destroy(taken);

    CHECK_OK(js_ConsumerNames(&names, js, "S", NULL, &jerr));
    CHECK(names != NULL && names->Count == 2, "two names");
    CHECK((str_is(names->List[0], "PULL") && str_is(names->List[1], "OTHER")) ||
              (str_is(names->List[0], "OTHER") && str_is(names->List[1], "PULL")),
          "the names");
    jsConsumerNamesList_Destroy(names);
    names = NULL;

    /* Pause for an hour, then resume. */
    until = (uint64_t) (nats_Now() + 3600 * 1000) * 1000000;
    CHECK_OK(js_PauseConsumer(&cpr, js, "S", "PULL", until, NULL, &jerr));
    CHECK(cpr->Paused, "paused");
    CHECK(cpr->PauseUntil == (int64_t) until, "PauseUntil");
    CHECK(cpr->PauseRemaining > 0 && cpr->PauseRemaining <= 3600 * SEC, "PauseRemaining");
    jsConsumerPauseResponse_Destroy(cpr);
    cpr = NULL;
    CHECK_OK(js_GetConsumerInfo(&ci, js, "S", "PULL", NULL, NULL));
    CHECK(ci->Paused && ci->PauseRemaining > 0, "info says paused");
    CHECK(ci->Config->PauseUntil == (int64_t) until, "config PauseUntil");
    jsConsumerInfo_Destroy(ci);
    ci = NULL;
    CHECK_OK(js_PauseConsumer(&cpr, js, "S", "PULL", 0, NULL, &jerr));
    CHECK(!cpr->Paused, "resumed");
    jsConsumerPauseResponse_Destroy(cpr);
    cpr = NULL;
    CHECK_OK(js_GetConsumerInfo(&ci, js, "S", "PULL", NULL, NULL));
    CHECK(!ci->Paused, "info says resumed");
    jsConsumerInfo_Destroy(ci);
    ci = NULL;

    /* Reset to stream sequence 3: s.a(3) and s.b(5) pending, s.b(2) not. */
    CHECK_OK(js_ResetConsumer(&crr, js, "S", "PULL", 3, NULL, &jerr));
    CHECK(crr != NULL && crr->ResetSeq == 3, "ResetSeq");
    CHECK(crr->Consumer != NULL && str_is(crr->Consumer->Name, "PULL"), "reset consumer");
    CHECK(crr->Consumer->NumPending == 2, "pending after the reset");
    jsConsumerResetResponse_Destroy(crr);
    crr = NULL;
    CHECK_OK(js_ResetConsumer(NULL, js, "S", "PULL", 0, NULL, NULL));

    /* Unpin: a group nobody is pinned to is fine, an unknown one is not. */
    CHECK_OK(js_UnpinConsumer(js, "S", "PULL", "g1", NULL, &jerr));
    CHECK(jerr == 0, "no code");
    CHECK_STATUS(js_UnpinConsumer(js, "S", "PULL", "other", NULL, &jerr), NATS_ERR);
    CHECK(jerr != 0, "unknown group: the server's code");

    /* A missing consumer: NATS_NOT_FOUND, JSConsumerNotFoundErr. */
    CHECK_STATUS(js_GetConsumerInfo(&ci, js, "S", "NOPE", NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == JSConsumerNotFoundErr, "info: consumer not found code");
    CHECK(ci == NULL, "no info");
    {
        /* An answer, not a failure: nats.c leaves no last error. */
        natsStatus le = NATS_ERR;
        nats_GetLastError(&le);
        CHECK(le == NATS_OK, "no last error for a missing consumer");
    }
    CHECK_STATUS(js_DeleteConsumer(js, "S", "NOPE", NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == JSConsumerNotFoundErr, "delete: consumer not found code");
    CHECK_STATUS(js_PauseConsumer(&cpr, js, "S", "NOPE", 0, NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == JSConsumerNotFoundErr, "pause: consumer not found code");
    /* (No reset: nats-server 2.15 does not answer CONSUMER.RESET for a
     * consumer it does not have, so the call would just time out.) */
    CHECK_STATUS(js_UnpinConsumer(js, "S", "NOPE", "g1", NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == JSConsumerNotFoundErr, "unpin: consumer not found code");
    CHECK(cpr == NULL && crr == NULL, "nothing returned");

    /* A missing stream: JSStreamNotFoundErr; NATS_NOT_FOUND where nats.c
     * says so (listings, delete), NATS_ERR with the text elsewhere. */
    CHECK_STATUS(js_Consumers(&list, js, "NOSTREAM", NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == JSStreamNotFoundErr, "list: stream not found code");
    CHECK_STATUS(js_ConsumerNames(&names, js, "NOSTREAM", NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == JSStreamNotFoundErr, "names: stream not found code");
    CHECK_STATUS(js_DeleteConsumer(js, "NOSTREAM", "PULL", NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == JSStreamNotFoundErr, "delete: stream not found code");
    CHECK_STATUS(js_GetConsumerInfo(&ci, js, "NOSTREAM", "PULL", NULL, &jerr), NATS_ERR);
    CHECK(jerr == JSStreamNotFoundErr, "info: stream not found code");
    CHECK(last_error_is("stream not found"), "the server's text");
    CHECK_OK(jsConsumerConfig_Init(&cc));
    cc.Durable = "D";
    CHECK_STATUS(js_AddConsumer(&ci, js, "NOSTREAM", &cc, NULL, &jerr), NATS_ERR);
    CHECK(jerr == JSStreamNotFoundErr, "add: stream not found code");
    CHECK(list == NULL && names == NULL && ci == NULL, "nothing returned");

    /* Delete both; the stream then has no consumers: NATS_NOT_FOUND, code 0. */
    CHECK_OK(js_DeleteConsumer(js, "S", "PULL", NULL, &jerr));
    CHECK(jerr == 0, "no code");
    CHECK_OK(js_DeleteConsumer(js, "S", "OTHER", NULL, NULL));
    CHECK_STATUS(js_GetConsumerInfo(&ci, js, "S", "PULL", NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == JSConsumerNotFoundErr, "deleted");
    CHECK_STATUS(js_ConsumerNames(&names, js, "S", NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == 0 && names == NULL, "no names");
    CHECK_STATUS(js_Consumers(&list, js, "S", NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == 0 && list == NULL, "no infos");

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    TEST_PASS("js_consumers");
    return 0;
}
