// server-config: jetstream: enabled
// server-config: server_tags: ["zone:a", "ssd"]
// modes: c cxx valgrind
/*
 * js_streams: stream management through the C API. A config with many
 * fields set is created and read back field by field; update, purge (by
 * subject, keep, sequence, the context's defaults), info with deleted
 * details and a subjects filter, listings with a filter, delete; a missing
 * stream is NATS_NOT_FOUND with JSStreamNotFoundErr; bad arguments are
 * NATS_INVALID_ARG. Every tree handed out is destroyed (valgrind checks).
 */
#include <nats.h>
#include "check.h"

#define SEC ((int64_t) 1000000000)

static int
streq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

/* Publishes to a stream's subject and waits for the stream's ack. */
static void
store(natsConnection *nc, const char *subj, const char *data)
{
    natsMsg *ack = NULL;

    CHECK_OK(natsConnection_RequestString(&ack, nc, subj, data, 5000));
    CHECK(strstr(natsMsg_GetData(ack), "\"error\"") == NULL, natsMsg_GetData(ack));
    natsMsg_Destroy(ack);
}

/* The value of `key` in metadata, or NULL. */
static const char *
meta(const natsMetadata *m, const char *key)
{
    int i;

    for (i = 0; i < m->Count; i++)
        if (streq(m->List[2 * i], key))
            return m->List[2 * i + 1];
    return NULL;
}

static jsStreamInfo *
info(jsCtx *js, const char *name, jsOptions *o)
{
    jsStreamInfo *si = NULL;
    jsErrCode     jerr = (jsErrCode) 1;

    CHECK_OK(js_GetStreamInfo(&si, js, name, o, &jerr));
    CHECK(jerr == 0, "no error code on success");
    CHECK(si != NULL && si->Config != NULL, "an info with its config");
    return si;
}

static void
inits(void)
{
    jsStreamConfig   cfg;
    jsPlacement      pl;
    jsStreamSource   src;
    jsExternalStream ext;
    jsRePublish      rp;

    CHECK_STATUS(jsStreamConfig_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(jsPlacement_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(jsStreamSource_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(jsExternalStream_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(jsRePublish_Init(NULL), NATS_INVALID_ARG);

    memset(&cfg, 0x5a, sizeof(cfg));
    CHECK_OK(jsStreamConfig_Init(&cfg));
    CHECK(cfg.Name == NULL && cfg.Subjects == NULL && cfg.SubjectsLen == 0, "zeroed");
    CHECK(cfg.Retention == js_LimitsPolicy, "limits retention");
    CHECK(cfg.MaxConsumers == -1 && cfg.MaxMsgs == -1 && cfg.MaxBytes == -1, "no limits");
    CHECK(cfg.MaxMsgSize == -1, "no message size limit");
    CHECK(cfg.MaxAge == 0 && cfg.MaxMsgsPerSubject == 0, "zero age and per-subject");
    CHECK(cfg.Storage == js_FileStorage && cfg.Discard == js_DiscardOld, "file, discard old");
    CHECK(cfg.Replicas == 1, "one replica");
    CHECK(cfg.Compression == js_StorageCompressionNone, "no compression");
    CHECK(cfg.Placement == NULL && cfg.Mirror == NULL && cfg.RePublish == NULL, "no parts");
    CHECK(cfg.Metadata.List == NULL && cfg.Metadata.Count == 0, "no metadata");
    CHECK(!cfg.AllowDirect && !cfg.AllowBatched && cfg.FirstSeq == 0, "flags clear");

    memset(&pl, 0x5a, sizeof(pl));
    CHECK_OK(jsPlacement_Init(&pl));
    CHECK(pl.Cluster == NULL && pl.Tags == NULL && pl.TagsLen == 0, "placement zeroed");
    memset(&src, 0x5a, sizeof(src));
    CHECK_OK(jsStreamSource_Init(&src));
    CHECK(src.Name == NULL && src.OptStartSeq == 0 && src.OptStartTime == 0
          && src.FilterSubject == NULL && src.External == NULL && src.Domain == NULL,
          "source zeroed");
    memset(&ext, 0x5a, sizeof(ext));
    CHECK_OK(jsExternalStream_Init(&ext));
    CHECK(ext.APIPrefix == NULL && ext.DeliverPrefix == NULL, "external zeroed");
    memset(&rp, 0x5a, sizeof(rp));
    CHECK_OK(jsRePublish_Init(&rp));
    CHECK(rp.Source == NULL && rp.Destination == NULL && !rp.HeadersOnly, "republish zeroed");
}

/* A stream with many fields set, read back field by field. */
static void
full_config(jsCtx *js)
{
    jsStreamConfig    cfg;
    jsPlacement       pl;
    jsStreamSource    src;
    jsStreamSource   *srcs[1];
    jsExternalStream  ext;
    jsRePublish       rp;
    jsStreamInfo     *si = NULL;
    jsStreamConfig   *got;
    const char       *subjects[] = {"full.>", "other.*"};
    const char       *tags[] = {"zone:a", "ssd"};
    const char       *md[] = {"owner", "tests", "a", "1"};
    jsErrCode         jerr = (jsErrCode) 1;

    CHECK_OK(jsStreamConfig_Init(&cfg));
    cfg.Name = "FULL";
    cfg.Description = "every field";
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 2;
    cfg.MaxConsumers = 10;
    cfg.MaxMsgs = 1000;
    cfg.MaxBytes = 1 << 20;
    cfg.MaxAge = 3600 * SEC;
    cfg.MaxMsgsPerSubject = 5;
    cfg.MaxMsgSize = 4096;
    cfg.NoAck = true;
    cfg.Duplicates = 30 * SEC;
    CHECK_OK(jsPlacement_Init(&pl));
    pl.Tags = tags;
    pl.TagsLen = 2;
    cfg.Placement = &pl;
    CHECK_OK(jsStreamSource_Init(&src));
    CHECK_OK(jsExternalStream_Init(&ext));
    src.Name = "ORIGIN";
    src.OptStartSeq = 2;
    src.FilterSubject = "origin.a";
    /* Another domain: only the config is under test here. */
    ext.APIPrefix = "$JS.elsewhere.API";
    ext.DeliverPrefix = "dlv.full";
    src.External = &ext;
    srcs[0] = &src;
    cfg.Sources = srcs;
    cfg.SourcesLen = 1;
    cfg.DenyDelete = true;
    cfg.AllowRollup = true;
    CHECK_OK(jsRePublish_Init(&rp));
    rp.Source = "full.>";
    rp.Destination = "repub.>";
    rp.HeadersOnly = true;
    cfg.RePublish = &rp;
    cfg.AllowDirect = true;
    cfg.Metadata.List = md;
    cfg.Metadata.Count = 2;
    cfg.Compression = js_StorageCompressionS2;
    cfg.FirstSeq = 100;
    cfg.SubjectTransform.Source = "other.*";
    cfg.SubjectTransform.Destination = "full.from.{{wildcard(1)}}";
    cfg.ConsumerLimits.InactiveThreshold = 60 * SEC;
    cfg.ConsumerLimits.MaxAckPending = 500;
    cfg.AllowMsgTTL = true;
    cfg.SubjectDeleteMarkerTTL = 5 * SEC;
    cfg.AllowAtomic = true;
    cfg.AllowBatched = true;

    CHECK_OK(js_AddStream(&si, js, &cfg, NULL, &jerr));
    CHECK(jerr == 0, "no error code");
    CHECK(si != NULL && streq(si->Config->Name, "FULL"), "the new stream's info");
    jsStreamInfo_Destroy(si);

    si = info(js, "FULL", NULL);
    got = si->Config;
    CHECK(streq(got->Name, "FULL"), "Name");
    CHECK(streq(got->Description, "every field"), "Description");
    CHECK(got->SubjectsLen == 2 && streq(got->Subjects[0], "full.>")
          && streq(got->Subjects[1], "other.*"), "Subjects");
    CHECK(got->Retention == js_LimitsPolicy, "Retention");
    CHECK(got->MaxConsumers == 10, "MaxConsumers");
    CHECK(got->MaxMsgs == 1000, "MaxMsgs");
    CHECK(got->MaxBytes == 1 << 20, "MaxBytes");
    CHECK(got->MaxAge == 3600 * SEC, "MaxAge");
    CHECK(got->MaxMsgsPerSubject == 5, "MaxMsgsPerSubject");
    CHECK(got->MaxMsgSize == 4096, "MaxMsgSize");
    CHECK(got->Discard == js_DiscardOld, "Discard");
    CHECK(got->Storage == js_FileStorage, "Storage");
    CHECK(got->Replicas == 1, "Replicas");
    CHECK(got->NoAck, "NoAck");
    CHECK(got->Template == NULL, "Template");
    CHECK(got->Duplicates == 30 * SEC, "Duplicates");
    CHECK(got->Placement != NULL && got->Placement->TagsLen == 2
          && streq(got->Placement->Tags[0], "zone:a")
          && streq(got->Placement->Tags[1], "ssd"), "Placement.Tags");
    CHECK(got->Mirror == NULL, "no Mirror");
    CHECK(got->SourcesLen == 1 && got->Sources != NULL, "Sources");
    CHECK(streq(got->Sources[0]->Name, "ORIGIN"), "Sources[0].Name");
    CHECK(got->Sources[0]->OptStartSeq == 2, "Sources[0].OptStartSeq");
    CHECK(got->Sources[0]->OptStartTime == 0, "Sources[0].OptStartTime");
    CHECK(streq(got->Sources[0]->FilterSubject, "origin.a"), "Sources[0].FilterSubject");
    CHECK(got->Sources[0]->External != NULL
          && streq(got->Sources[0]->External->APIPrefix, "$JS.elsewhere.API")
          && streq(got->Sources[0]->External->DeliverPrefix, "dlv.full"),
          "Sources[0].External");
    CHECK(!got->Sealed && got->DenyDelete && !got->DenyPurge && got->AllowRollup,
          "Sealed, DenyDelete, DenyPurge, AllowRollup");
    CHECK(got->RePublish != NULL && streq(got->RePublish->Source, "full.>")
          && streq(got->RePublish->Destination, "repub.>") && got->RePublish->HeadersOnly,
          "RePublish");
    CHECK(got->AllowDirect && !got->MirrorDirect && !got->DiscardNewPerSubject,
          "AllowDirect, MirrorDirect, DiscardNewPerSubject");
    CHECK(streq(meta(&got->Metadata, "owner"), "tests") && streq(meta(&got->Metadata, "a"), "1"),
          "Metadata");
    CHECK(got->Compression == js_StorageCompressionS2, "Compression");
    CHECK(got->FirstSeq == 100, "FirstSeq");
    CHECK(streq(got->SubjectTransform.Source, "other.*")
          && streq(got->SubjectTransform.Destination, "full.from.{{wildcard(1)}}"),
          "SubjectTransform");
    CHECK(got->ConsumerLimits.InactiveThreshold == 60 * SEC
          && got->ConsumerLimits.MaxAckPending == 500, "ConsumerLimits");
    CHECK(got->AllowMsgTTL && got->SubjectDeleteMarkerTTL == 5 * SEC, "TTLs");
    CHECK(got->PersistMode == js_PersistDefault, "PersistMode");
    CHECK(got->AllowAtomic && got->AllowBatched, "AllowAtomic, AllowBatched");
    CHECK(!got->AllowMsgCounter && !got->AllowMsgSchedules, "no counters, no schedules");
    CHECK(si->Created > 0, "Created");
    CHECK(si->State.FirstSeq == 100 && si->State.Msgs == 0, "State starts at FirstSeq");
    CHECK(si->SourcesLen == 1 && streq(si->Sources[0]->Name, "ORIGIN"), "source info");
    /* A lone server reports itself as the leader, without replicas. */
    CHECK(si->Cluster != NULL && si->Cluster->Leader != NULL, "Cluster.Leader");
    CHECK(si->Cluster->ReplicasLen == 0 && si->Cluster->Replicas == NULL, "no replicas");
    jsStreamInfo_Destroy(si);
}

/* A mirror (async persistence, memory, interest) and the origin's alternates. */
static void
mirror(jsCtx *js)
{
    jsStreamConfig  cfg;
    jsStreamSource  src;
    jsStreamInfo   *si = NULL;
    int64_t         start = (int64_t) 1600000000 * SEC + 123456789;

    CHECK_OK(jsStreamConfig_Init(&cfg));
    CHECK_OK(jsStreamSource_Init(&src));
    cfg.Name = "MIRROR";
    cfg.Retention = js_InterestPolicy;
    cfg.Storage = js_MemoryStorage;
    cfg.AllowDirect = true;
    cfg.MirrorDirect = true;
    src.Name = "ORIGIN";
    src.OptStartTime = start;
    cfg.Mirror = &src;
    /* No info asked for: nats.c allows a NULL out-parameter. */
    CHECK_OK(js_AddStream(NULL, js, &cfg, NULL, NULL));

    si = info(js, "MIRROR", NULL);
    CHECK(si->Config->Retention == js_InterestPolicy, "Retention");
    CHECK(si->Config->Storage == js_MemoryStorage, "Storage");
    CHECK(si->Config->MirrorDirect && si->Config->AllowDirect, "direct flags");
    CHECK(si->Config->Mirror != NULL && streq(si->Config->Mirror->Name, "ORIGIN")
          && si->Config->Mirror->OptStartTime == start && si->Config->Mirror->External == NULL,
          "Mirror config with its start time to the nanosecond");
    CHECK(si->Mirror != NULL && streq(si->Mirror->Name, "ORIGIN"), "mirror info");
    CHECK(si->SourcesLen == 0 && si->Sources == NULL, "no sources");
    jsStreamInfo_Destroy(si);

    /* A lone server lists no alternates (a cluster lists the mirror);
     * whatever is listed is complete. */
    si = info(js, "ORIGIN", NULL);
    {
        int i;
        CHECK(si->AlternatesLen == 0 || si->Alternates != NULL, "alternates array");
        for (i = 0; i < si->AlternatesLen; i++)
            CHECK(si->Alternates[i]->Name != NULL, "an alternate's name");
    }
    jsStreamInfo_Destroy(si);

    /* Counters with async persistence. */
    CHECK_OK(jsStreamConfig_Init(&cfg));
    cfg.Name = "COUNTER";
    {
        const char *subj[] = {"count.>"};
        cfg.Subjects = subj;
        cfg.SubjectsLen = 1;
        cfg.AllowMsgCounter = true;
        cfg.PersistMode = js_PersistAsync;
        CHECK_OK(js_AddStream(&si, js, &cfg, NULL, NULL));
    }
    CHECK(si->Config->AllowMsgCounter && si->Config->PersistMode == js_PersistAsync,
          "counter and async persistence");
    jsStreamInfo_Destroy(si);
}

static void
update(jsCtx *js)
{
    jsStreamConfig  cfg;
    jsStreamInfo   *si = NULL;
    const char     *one[] = {"upd.a"};
    const char     *two[] = {"upd.a", "upd.b"};
    jsErrCode       jerr = (jsErrCode) 0;

    CHECK_OK(jsStreamConfig_Init(&cfg));
    cfg.Name = "UPD";
    cfg.Subjects = one;
    cfg.SubjectsLen = 1;
    CHECK_OK(js_AddStream(NULL, js, &cfg, NULL, NULL));

    cfg.Subjects = two;
    cfg.SubjectsLen = 2;
    cfg.Description = "changed";
    cfg.MaxMsgs = 77;
    CHECK_OK(js_UpdateStream(&si, js, &cfg, NULL, &jerr));
    CHECK(jerr == 0, "no error code");
    CHECK(si->Config->SubjectsLen == 2 && streq(si->Config->Subjects[1], "upd.b"), "subjects");
    CHECK(streq(si->Config->Description, "changed") && si->Config->MaxMsgs == 77, "changed");
    jsStreamInfo_Destroy(si);
    si = NULL;

    /* A change the server refuses: NATS_ERR with its error code. */
    cfg.Storage = js_MemoryStorage;
    CHECK_STATUS(js_UpdateStream(&si, js, &cfg, NULL, &jerr), NATS_ERR);
    CHECK(jerr != 0, "the server's code");
    CHECK(si == NULL, "no info on failure");

    /* Creating it again with the same config is fine, with another one
     * the server's error. */
    cfg.Storage = js_FileStorage;
    CHECK_OK(js_AddStream(NULL, js, &cfg, NULL, NULL));
    cfg.Description = "other";
    CHECK_STATUS(js_AddStream(&si, js, &cfg, NULL, &jerr), NATS_ERR);
    CHECK(jerr == JSStreamNameExistErr, "JSStreamNameExistErr");
    CHECK(si == NULL, "no info on failure");
    {
        const char *text = nats_GetLastError(NULL);
        CHECK(text != NULL && strstr(text, "already in use") != NULL, text);
    }
    cfg.Description = "changed";

    /* Sealing: only an update can. */
    cfg.Storage = js_FileStorage;
    cfg.Sealed = true;
    CHECK_OK(js_UpdateStream(NULL, js, &cfg, NULL, NULL));
    si = info(js, "UPD", NULL);
    CHECK(si->Config->Sealed, "sealed");
    jsStreamInfo_Destroy(si);
}

static uint64_t
msgs_of(jsCtx *js, const char *name, uint64_t *first)
{
    jsStreamInfo *si = info(js, name, NULL);
    uint64_t      n = si->State.Msgs;

    if (first != NULL)
        *first = si->State.FirstSeq;
    jsStreamInfo_Destroy(si);
    return n;
}

static void
purge(natsConnection *nc, jsCtx *js)
{
    jsStreamConfig  cfg;
    jsOptions       o;
    jsCtx          *js2 = NULL;
    const char     *subj[] = {"p.*"};
    uint64_t        first = 0;
    jsErrCode       jerr = (jsErrCode) 0;

    CHECK_OK(jsStreamConfig_Init(&cfg));
    cfg.Name = "P";
    cfg.Subjects = subj;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_MemoryStorage;
    CHECK_OK(js_AddStream(NULL, js, &cfg, NULL, NULL));
    store(nc, "p.a", "1");
    store(nc, "p.a", "2");
    store(nc, "p.a", "3");
    store(nc, "p.b", "4");
    store(nc, "p.b", "5");
    store(nc, "p.b", "6");

    /* Filter and keep: of p.a only the newest (3) stays. */
    CHECK_OK(jsOptions_Init(&o));
    o.Stream.Purge.Subject = "p.a";
    o.Stream.Purge.Keep = 1;
    CHECK_OK(js_PurgeStream(js, "P", &o, &jerr));
    CHECK(jerr == 0, "no error code");
    CHECK(msgs_of(js, "P", &first) == 4 && first == 3, "3..6 left");

    /* Sequence: everything below 5 goes. */
    CHECK_OK(jsOptions_Init(&o));
    o.Stream.Purge.Sequence = 5;
    CHECK_OK(js_PurgeStream(js, "P", &o, NULL));
    CHECK(msgs_of(js, "P", &first) == 2 && first == 5, "5..6 left");

    /* Keep alone. */
    CHECK_OK(jsOptions_Init(&o));
    o.Stream.Purge.Keep = 1;
    CHECK_OK(js_PurgeStream(js, "P", &o, NULL));
    CHECK(msgs_of(js, "P", &first) == 1 && first == 6, "6 left");

    /* Both: refused before anything is sent. */
    CHECK_OK(jsOptions_Init(&o));
    o.Stream.Purge.Keep = 1;
    o.Stream.Purge.Sequence = 2;
    CHECK_STATUS(js_PurgeStream(js, "P", &o, &jerr), NATS_INVALID_ARG);
    CHECK(msgs_of(js, "P", NULL) == 1, "nothing purged");

    /* The context's purge options apply when the call gives none. */
    CHECK_OK(jsOptions_Init(&o));
    o.Stream.Purge.Subject = "p.b";
    CHECK_OK(natsConnection_JetStream(&js2, nc, &o));
    store(nc, "p.a", "7");
    CHECK_OK(js_PurgeStream(js2, "P", NULL, NULL));
    CHECK(msgs_of(js, "P", &first) == 1 && first == 7, "only p.b purged");
    jsCtx_Destroy(js2);

    /* No options: everything. */
    CHECK_OK(js_PurgeStream(js, "P", NULL, NULL));
    CHECK(msgs_of(js, "P", NULL) == 0, "empty");
}

static void
details(natsConnection *nc, jsCtx *js)
{
    jsStreamConfig  cfg;
    jsOptions       o;
    jsStreamInfo   *si = NULL;
    jsCtx          *js2 = NULL;
    const char     *subj[] = {"d.*"};

    CHECK_OK(jsStreamConfig_Init(&cfg));
    cfg.Name = "D";
    cfg.Subjects = subj;
    cfg.SubjectsLen = 1;
    CHECK_OK(js_AddStream(NULL, js, &cfg, NULL, NULL));
    store(nc, "d.a", "1");
    store(nc, "d.b", "2");
    store(nc, "d.a", "3");
    store(nc, "d.c", "4");
    CHECK_OK(js_DeleteMsg(js, "D", 2, NULL, NULL));

    si = info(js, "D", NULL);
    CHECK(si->State.Msgs == 3 && si->State.NumDeleted == 1, "counts");
    CHECK(si->State.Deleted == NULL && si->State.DeletedLen == 0, "no details unasked");
    CHECK(si->State.Subjects == NULL && si->State.NumSubjects == 2, "no subjects unasked");
    CHECK(si->State.FirstSeq == 1 && si->State.LastSeq == 4, "sequences");
    CHECK(si->State.FirstTime > 0 && si->State.LastTime >= si->State.FirstTime, "times");
    CHECK(si->State.Lost == NULL, "nothing lost");
    jsStreamInfo_Destroy(si);

    CHECK_OK(jsOptions_Init(&o));
    o.Stream.Info.DeletedDetails = true;
    si = info(js, "D", &o);
    CHECK(si->State.DeletedLen == 1 && si->State.Deleted[0] == 2, "deleted sequences");
    jsStreamInfo_Destroy(si);

    CHECK_OK(jsOptions_Init(&o));
    o.Stream.Info.SubjectsFilter = "d.a";
    si = info(js, "D", &o);
    CHECK(si->State.Subjects != NULL && si->State.Subjects->Count == 1, "one subject");
    CHECK(streq(si->State.Subjects->List[0].Subject, "d.a")
          && si->State.Subjects->List[0].Msgs == 2, "d.a holds two");
    CHECK(si->State.Deleted == NULL, "no deleted details");
    jsStreamInfo_Destroy(si);

    /* The context's info options, when the call passes none. */
    CHECK_OK(jsOptions_Init(&o));
    o.Stream.Info.SubjectsFilter = ">";
    CHECK_OK(natsConnection_JetStream(&js2, nc, &o));
    si = info(js2, "D", NULL);
    CHECK(si->State.Subjects != NULL && si->State.Subjects->Count == 2, "d.a and d.c");
    jsStreamInfo_Destroy(si);
    /* nats.c: a call's jsOptions replaces the context's info options
     * whole, even with those fields unset. */
    CHECK_OK(jsOptions_Init(&o));
    o.Wait = 3000;
    si = info(js2, "D", &o);
    CHECK(si->State.Subjects == NULL, "the call's options say no subjects");
    jsStreamInfo_Destroy(si);
    jsCtx_Destroy(js2);
}

static void
listings(jsCtx *js)
{
    jsStreamInfoList  *list = NULL;
    jsStreamNamesList *names = NULL;
    jsStreamInfo      *taken;
    jsOptions          o;
    jsErrCode          jerr = (jsErrCode) 1;
    int                i, seen = 0;

    CHECK_OK(js_Streams(&list, js, NULL, &jerr));
    CHECK(jerr == 0, "no error code");
    CHECK(list->Count == 7, "ORIGIN FULL MIRROR COUNTER UPD P D");
    for (i = 0; i < list->Count; i++)
        seen += streq(list->List[i]->Config->Name, "FULL");
    CHECK(seen == 1, "FULL listed once");
    /* An entry taken out stays the caller's. */
    taken = list->List[0];
    list->List[0] = NULL;
    jsStreamInfoList_Destroy(list);
    CHECK(taken->Config->Name != NULL, "the taken info is intact");
    jsStreamInfo_Destroy(taken);
    list = NULL;

    CHECK_OK(js_StreamNames(&names, js, NULL, NULL));
    CHECK(names->Count == 7, "seven names");
    jsStreamNamesList_Destroy(names);
    names = NULL;

    CHECK_OK(jsOptions_Init(&o));
    o.Stream.Info.SubjectsFilter = "p.x";
    CHECK_OK(js_Streams(&list, js, &o, NULL));
    CHECK(list->Count == 1 && streq(list->List[0]->Config->Name, "P"), "the filter picks P");
    jsStreamInfoList_Destroy(list);
    list = NULL;
    o.Stream.Info.SubjectsFilter = "d.*";
    CHECK_OK(js_StreamNames(&names, js, &o, NULL));
    CHECK(names->Count == 1 && streq(names->List[0], "D"), "the filter picks D");
    jsStreamNamesList_Destroy(names);
    names = NULL;

    o.Stream.Info.SubjectsFilter = "nobody.>";
    CHECK_STATUS(js_Streams(&list, js, &o, NULL), NATS_NOT_FOUND);
    CHECK(list == NULL, "no list");
    CHECK_STATUS(js_StreamNames(&names, js, &o, NULL), NATS_NOT_FOUND);
    CHECK(names == NULL, "no names");
}

static void
missing(jsCtx *js)
{
    jsStreamConfig  cfg;
    jsStreamInfo   *si = NULL;
    jsErrCode       jerr = (jsErrCode) 0;
    natsStatus      last = NATS_ERR;

    CHECK_OK(js_DeleteStream(js, "D", NULL, &jerr));
    CHECK(jerr == 0, "deleted");

    CHECK_STATUS(js_GetStreamInfo(&si, js, "D", NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == JSStreamNotFoundErr, "JSStreamNotFoundErr");
    CHECK(si == NULL, "no info");
    /* As nats.c: the status and the code say it all; no last error. */
    nats_GetLastError(&last);
    CHECK(last == NATS_OK, "no last error for a missing stream");

    jerr = (jsErrCode) 0;
    CHECK_STATUS(js_DeleteStream(js, "D", NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == JSStreamNotFoundErr, "delete: JSStreamNotFoundErr");
    jerr = (jsErrCode) 0;
    CHECK_STATUS(js_PurgeStream(js, "D", NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == JSStreamNotFoundErr, "purge: JSStreamNotFoundErr");
    jerr = (jsErrCode) 0;
    CHECK_OK(jsStreamConfig_Init(&cfg));
    cfg.Name = "D";
    CHECK_STATUS(js_UpdateStream(&si, js, &cfg, NULL, &jerr), NATS_NOT_FOUND);
    CHECK(jerr == JSStreamNotFoundErr, "update: JSStreamNotFoundErr");
    CHECK(si == NULL, "no info");
}

static void
bad_args(jsCtx *js)
{
    jsStreamConfig     cfg;
    jsStreamInfo      *si = NULL;
    jsStreamInfoList  *list = NULL;
    jsStreamNamesList *names = NULL;
    const char        *subj[] = {"bad.>"};
    const char        *text;
    jsErrCode          jerr = (jsErrCode) 5;

    CHECK_OK(jsStreamConfig_Init(&cfg));
    cfg.Name = "BAD";
    cfg.Subjects = subj;
    cfg.SubjectsLen = 1;

    CHECK_STATUS(js_AddStream(&si, NULL, &cfg, NULL, &jerr), NATS_INVALID_ARG);
    CHECK(jerr == 0, "the code is cleared");
    CHECK_STATUS(js_AddStream(&si, js, NULL, NULL, NULL), NATS_INVALID_ARG);
    text = nats_GetLastError(NULL);
    CHECK(text != NULL && strstr(text, "stream configuration required") != NULL, text);

    cfg.Name = NULL;
    CHECK_STATUS(js_AddStream(&si, js, &cfg, NULL, NULL), NATS_INVALID_ARG);
    text = nats_GetLastError(NULL);
    CHECK(strstr(text, "stream name is required") != NULL, text);
    cfg.Name = "a.b";
    CHECK_STATUS(js_AddStream(&si, js, &cfg, NULL, NULL), NATS_INVALID_ARG);
    text = nats_GetLastError(NULL);
    CHECK(strstr(text, "invalid stream name 'a.b' (cannot contain '.')") != NULL, text);
    cfg.Name = "BAD";

    /* An enum holding no valid value, and negative counts. */
    cfg.Storage = (jsStorageType) 7;
    CHECK_STATUS(js_AddStream(&si, js, &cfg, NULL, NULL), NATS_INVALID_ARG);
    cfg.Storage = js_FileStorage;
    cfg.Retention = (jsRetentionPolicy) -1;
    CHECK_STATUS(js_AddStream(&si, js, &cfg, NULL, NULL), NATS_INVALID_ARG);
    cfg.Retention = js_LimitsPolicy;
    cfg.SubjectsLen = -1;
    CHECK_STATUS(js_AddStream(&si, js, &cfg, NULL, NULL), NATS_INVALID_ARG);
    cfg.SubjectsLen = 1;
    cfg.Metadata.Count = -2;
    CHECK_STATUS(js_AddStream(&si, js, &cfg, NULL, NULL), NATS_INVALID_ARG);
    cfg.Metadata.Count = 0;
    cfg.SourcesLen = 1; /* with Sources NULL */
    CHECK_STATUS(js_AddStream(&si, js, &cfg, NULL, NULL), NATS_INVALID_ARG);
    cfg.SourcesLen = 0;
    CHECK(si == NULL, "nothing returned");
    CHECK_STATUS(js_GetStreamInfo(&si, js, "BAD", NULL, NULL), NATS_NOT_FOUND);

    CHECK_STATUS(js_GetStreamInfo(NULL, js, "FULL", NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_GetStreamInfo(&si, NULL, "FULL", NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_GetStreamInfo(&si, js, NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_GetStreamInfo(&si, js, "x.y", NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_DeleteStream(js, "", NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_DeleteStream(NULL, "FULL", NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_PurgeStream(js, NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_Streams(NULL, js, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_Streams(&list, NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_StreamNames(NULL, js, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_StreamNames(&names, NULL, NULL, NULL), NATS_INVALID_ARG);

    jsStreamInfo_Destroy(NULL);
    jsStreamInfoList_Destroy(NULL);
    jsStreamNamesList_Destroy(NULL);
}

int
main(int argc, char **argv)
{
    const char     *url = test_url(argc, argv);
    natsConnection *nc = NULL;
    jsCtx          *js = NULL;
    jsStreamConfig  cfg;
    const char     *origin[] = {"origin.>"};

    CHECK_OK(natsConnection_ConnectTo(&nc, url));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));

    inits();

    CHECK_OK(jsStreamConfig_Init(&cfg));
    cfg.Name = "ORIGIN";
    cfg.Subjects = origin;
    cfg.SubjectsLen = 1;
    cfg.AllowDirect = true;
    CHECK_OK(js_AddStream(NULL, js, &cfg, NULL, NULL));
    store(nc, "origin.a", "1");
    store(nc, "origin.b", "2");

    full_config(js);
    mirror(js);
    update(js);
    purge(nc, js);
    details(nc, js);
    listings(js);
    missing(js);
    bad_args(js);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return 0;
}
