// server-config: jetstream: enabled
// modes: c cxx valgrind natsc
/*
 * kv_store: the key-value bucket and key operations through the C API.
 * A bucket with a history of 5 keeps the last 5 of 7 puts; entries read
 * back field by field; create fails on a key with a value and succeeds
 * over delete and purge markers; update is compare-and-set on the
 * revision; bad keys and bucket names are NATS_INVALID_ARG; "not found"
 * comes without a last error; the status reports the stream; buckets are
 * opened and deleted. kvConfig grew after nats.c 3.4.1, so the program
 * does not run against Debian's header with our library; in the natsc mode
 * it runs on real nats.c 3.4.1 (without the 3.14 parts: per-key TTLs,
 * LimitMarkerTTL, mirrors, kvStatus_Bytes), which shows that these
 * expectations are nats.c's.
 */
#include <nats.h>
#include "check.h"

#define SEC ((int64_t) 1000000000)
#define HAS_3_14 (NATS_VERSION_NUMBER >= 0x030E00)

/* NATS_NOT_FOUND records no error: the last error is then none (nats.c
 * clears it for a missing key) or, for a deleted key, the one before. */
#define CHECK_QUIET_NOT_FOUND(expr)                                           \
    do {                                                                      \
        char        before_[512];                                             \
        const char *after_;                                                   \
        const char *b_ = nats_GetLastError(NULL);                             \
        snprintf(before_, sizeof(before_), "%s", b_ != NULL ? b_ : "");       \
        CHECK_STATUS((expr), NATS_NOT_FOUND);                                 \
        after_ = nats_GetLastError(NULL);                                     \
        CHECK(after_ == NULL || strcmp(after_, before_) == 0,                 \
              "not found records no error");                                  \
    } while (0)

static void
check_value(kvStore *kv, const char *key, const char *want)
{
    kvEntry *e = NULL;
    CHECK_OK(kvStore_Get(&e, kv, key));
    CHECK(strcmp(kvEntry_ValueString(e), want) == 0, want);
    kvEntry_Destroy(e);
}

/* A marker's revision reads as no value. */
static void
check_marker(kvStore *kv, const char *key, uint64_t rev)
{
    kvEntry *e = NULL;
    CHECK_QUIET_NOT_FOUND(kvStore_GetRevision(&e, kv, key, rev));
    CHECK(e == NULL, "a marker is not a value");
}

static void
history_and_entries(kvStore *kv)
{
    uint64_t rev = 0, revs[7];
    kvEntry *e = NULL;
    char     val[32];
    int      i;

    for (i = 0; i < 7; i++) {
        snprintf(val, sizeof(val), "v%d", i + 1);
        if (i % 2 == 0)
            CHECK_OK(kvStore_PutString(&revs[i], kv, "k", val));
        else
            CHECK_OK(kvStore_Put(&revs[i], kv, "k", val, (int) strlen(val)));
        CHECK(revs[i] == (uint64_t) i + 1, "revisions are stream sequences");
    }
    /* History 5: the first two revisions are gone. */
    CHECK_QUIET_NOT_FOUND(kvStore_GetRevision(&e, kv, "k", revs[0]));
    CHECK(e == NULL, "no entry");
    CHECK_QUIET_NOT_FOUND(kvStore_GetRevision(&e, kv, "k", revs[1]));
    for (i = 2; i < 7; i++) {
        snprintf(val, sizeof(val), "v%d", i + 1);
        CHECK_OK(kvStore_GetRevision(&e, kv, "k", revs[i]));
        CHECK(strcmp(kvEntry_ValueString(e), val) == 0, "kept revision");
        CHECK(kvEntry_Revision(e) == revs[i], "its revision");
        kvEntry_Destroy(e);
    }
    CHECK_STATUS(kvStore_GetRevision(&e, kv, "k", 0), NATS_INVALID_ARG);

    CHECK_OK(kvStore_Get(&e, kv, "k"));
    CHECK(strcmp(kvEntry_Bucket(e), "hist") == 0, "bucket");
    CHECK(strcmp(kvEntry_Key(e), "k") == 0, "key");
    CHECK(kvEntry_ValueLen(e) == 2, "value length");
    CHECK(memcmp(kvEntry_Value(e), "v7", 2) == 0, "value");
    CHECK(strcmp(kvEntry_ValueString(e), "v7") == 0, "value string");
    CHECK(kvEntry_Revision(e) == 7, "revision");
    CHECK(kvEntry_Created(e) > 0, "created");
    CHECK(kvEntry_Delta(e) == 0, "delta of a get");
    CHECK(kvEntry_Operation(e) == kvOp_Put, "operation");
    kvEntry_Destroy(e);

    /* A revision of another key is not this key's. */
    CHECK_OK(kvStore_PutString(&rev, kv, "other.key", ""));
    CHECK_QUIET_NOT_FOUND(kvStore_GetRevision(&e, kv, "k", rev));
    CHECK_OK(kvStore_GetRevision(&e, kv, "other.key", rev));
    CHECK(kvEntry_ValueLen(e) == 0 && kvEntry_ValueString(e)[0] == '\0', "empty value");
    CHECK(strcmp(kvEntry_Key(e), "other.key") == 0, "dotted key");
    kvEntry_Destroy(e);
    CHECK_QUIET_NOT_FOUND(kvStore_Get(&e, kv, "missing"));

    /* NULL entries. */
    CHECK(kvEntry_Bucket(NULL) == NULL && kvEntry_Key(NULL) == NULL, "NULL entry");
    CHECK(kvEntry_Value(NULL) == NULL && kvEntry_ValueString(NULL) == NULL, "NULL entry");
    CHECK(kvEntry_ValueLen(NULL) == -1, "NULL entry length");
    CHECK(kvEntry_Revision(NULL) == 0 && kvEntry_Created(NULL) == 0, "NULL entry");
    CHECK(kvEntry_Delta(NULL) == 0 && kvEntry_Operation(NULL) == kvOp_Unknown, "NULL entry");
    kvEntry_Destroy(NULL);
}

static void
create_update_delete_purge(kvStore *kv)
{
    uint64_t       r1 = 0, r2 = 0, rev = 0;
    kvEntry       *e = NULL;
    kvPurgeOptions po;
    const char    *txt;

    CHECK_OK(kvStore_Create(&r1, kv, "c", "first", 5));
    CHECK(r1 > 0, "created revision");
    CHECK_STATUS(kvStore_CreateString(&rev, kv, "c", "second"), NATS_ERR);
    CHECK(rev == 0, "no revision on failure");
    txt = nats_GetLastError(NULL);
    CHECK(txt != NULL && strstr(txt, "wrong last sequence") != NULL, "the server's text");
    check_value(kv, "c", "first");

    /* Create over a delete marker. */
    CHECK_OK(kvStore_Delete(kv, "c"));
    CHECK_QUIET_NOT_FOUND(kvStore_Get(&e, kv, "c"));
    CHECK(e == NULL, "no entry for a deleted key");
    CHECK_OK(kvStore_GetRevision(&e, kv, "c", r1));
    CHECK(strcmp(kvEntry_ValueString(e), "first") == 0, "a delete keeps history");
    kvEntry_Destroy(e);
    CHECK_OK(kvStore_CreateString(&r2, kv, "c", "again"));
    CHECK(r2 == r1 + 2, "over the marker");
    check_marker(kv, "c", r1 + 1);
    check_value(kv, "c", "again");

    /* Update is compare-and-set. */
    CHECK_STATUS(kvStore_UpdateString(NULL, kv, "c", "stale", r1), NATS_ERR);
    txt = nats_GetLastError(NULL);
    CHECK(txt != NULL && strstr(txt, "wrong last sequence") != NULL, "the server's text");
    CHECK_STATUS(kvStore_Update(NULL, kv, "c", "x", 1, 0), NATS_ERR);
    CHECK_OK(kvStore_Update(&rev, kv, "c", "upd", 3, r2));
    CHECK(rev == r2 + 1, "updated revision");
    CHECK_OK(kvStore_UpdateString(&rev, kv, "c", "upd2", rev));
    check_value(kv, "c", "upd2");
    CHECK_OK(kvStore_UpdateString(&rev, kv, "fresh", "new", 0));
    check_value(kv, "fresh", "new");

    /* Purge removes the history; create works over its marker too. */
    CHECK_OK(kvPurgeOptions_Init(&po));
    po.Timeout = 5000;
    CHECK_OK(kvStore_Purge(kv, "c", &po));
    CHECK_QUIET_NOT_FOUND(kvStore_Get(&e, kv, "c"));
    CHECK_QUIET_NOT_FOUND(kvStore_GetRevision(&e, kv, "c", r2));
    CHECK_OK(kvStore_Purge(kv, "fresh", NULL));
    CHECK_QUIET_NOT_FOUND(kvStore_Get(&e, kv, "fresh"));
    CHECK_OK(kvStore_Create(NULL, kv, "c", "third", 5));
    check_value(kv, "c", "third");
}

static void
invalid_keys(kvStore *kv)
{
    const char *bad[] = {"a..b", ".a", "a.", "*", "a.>", "", "a b", NULL};
    kvEntry    *e = NULL;
    uint64_t    rev = 1;
    int         i;

    for (i = 0; i < 8; i++) {
        const char *k = bad[i];
        CHECK_STATUS(kvStore_Put(&rev, kv, k, "v", 1), NATS_INVALID_ARG);
        CHECK(rev == 0, "rev cleared");
        CHECK_STATUS(kvStore_PutString(NULL, kv, k, "v"), NATS_INVALID_ARG);
        CHECK_STATUS(kvStore_Create(NULL, kv, k, "v", 1), NATS_INVALID_ARG);
        CHECK_STATUS(kvStore_CreateString(NULL, kv, k, "v"), NATS_INVALID_ARG);
        CHECK_STATUS(kvStore_Update(NULL, kv, k, "v", 1, 1), NATS_INVALID_ARG);
        CHECK_STATUS(kvStore_UpdateString(NULL, kv, k, "v", 1), NATS_INVALID_ARG);
        CHECK_STATUS(kvStore_Get(&e, kv, k), NATS_INVALID_ARG);
        CHECK_STATUS(kvStore_GetRevision(&e, kv, k, 1), NATS_INVALID_ARG);
        CHECK_STATUS(kvStore_Delete(kv, k), NATS_INVALID_ARG);
        CHECK_STATUS(kvStore_Purge(kv, k, NULL), NATS_INVALID_ARG);
    }
    CHECK_OK(kvStore_PutString(NULL, kv, "A-b_c/d\\e=f.9", "ok"));
    check_value(kv, "A-b_c/d\\e=f.9", "ok");

    CHECK_STATUS(kvStore_Put(NULL, NULL, "k", "v", 1), NATS_INVALID_ARG);
    CHECK_STATUS(kvStore_Get(NULL, kv, "k"), NATS_INVALID_ARG);
    CHECK_STATUS(kvStore_Get(&e, NULL, "k"), NATS_INVALID_ARG);
    CHECK_STATUS(kvStore_Delete(NULL, "k"), NATS_INVALID_ARG);
    CHECK(kvStore_Bucket(NULL) == NULL, "NULL store");
}

static void
status(kvStore *kv)
{
    kvStatus *st = NULL;

    CHECK_STATUS(kvStore_Status(NULL, kv), NATS_INVALID_ARG);
    CHECK_STATUS(kvStore_Status(&st, NULL), NATS_INVALID_ARG);
    CHECK_OK(kvStore_Status(&st, kv));
    CHECK(strcmp(kvStatus_Bucket(st), "hist") == 0, "status bucket");
    CHECK(kvStatus_History(st) == 5, "status history");
    CHECK(kvStatus_TTL(st) == 3600 * SEC, "status TTL");
    CHECK(kvStatus_Replicas(st) == 1, "status replicas");
    CHECK(kvStatus_Values(st) > 5, "status values");
#if HAS_3_14
    CHECK(kvStatus_Bytes(st) > 0, "status bytes");
    CHECK(kvStatus_Bytes(NULL) == 0, "NULL status");
#endif
    kvStatus_Destroy(st);
    CHECK(kvStatus_Bucket(NULL) == NULL && kvStatus_Values(NULL) == 0, "NULL status");
    CHECK(kvStatus_History(NULL) == 0 && kvStatus_TTL(NULL) == 0, "NULL status");
    CHECK(kvStatus_Replicas(NULL) == 0, "NULL status");
    kvStatus_Destroy(NULL);
}

static void
lists(kvStore *kv)
{
    kvEntryList el;
    kvKeysList  kl;

    /* Lists as the library hands them out: malloc'ed arrays. */
    el.Count = 2;
    el.Entries = (kvEntry **) calloc(2, sizeof(kvEntry *));
    CHECK_OK(kvStore_Get(&el.Entries[0], kv, "k"));
    CHECK_OK(kvStore_Get(&el.Entries[1], kv, "c"));
    kvEntryList_Destroy(&el);
    CHECK(el.Entries == NULL && el.Count == 0, "entry list emptied");
    kvEntryList_Destroy(&el);
    kvEntryList_Destroy(NULL);

    kl.Count = 2;
    kl.Keys = (char **) calloc(2, sizeof(char *));
    kl.Keys[0] = strdup("k");
    kl.Keys[1] = strdup("c");
    kvKeysList_Destroy(&kl);
    CHECK(kl.Keys == NULL && kl.Count == 0, "keys list emptied");
    kvKeysList_Destroy(&kl);
    kvKeysList_Destroy(NULL);
}

#if HAS_3_14
/* Polls until the key has no value (the server removes it by its TTL). */
static void
wait_gone(kvStore *kv, const char *key)
{
    int64_t  deadline = test_now_ms() + 20000;
    kvEntry *e = NULL;
    natsStatus s;
    while ((s = kvStore_Get(&e, kv, key)) == NATS_OK && test_now_ms() < deadline) {
        kvEntry_Destroy(e);
        e = NULL;
        nats_Sleep(50);
    }
    CHECK_STATUS(s, NATS_NOT_FOUND);
}

static void
ttls(jsCtx *js)
{
    kvStore       *kv = NULL;
    kvStore       *mirror = NULL;
    kvConfig       cfg;
    kvPurgeOptions po;
    jsStreamSource src;
    jsStreamInfo  *si = NULL;
    uint64_t       rev = 0;
    kvEntry       *e = NULL;

    CHECK_OK(kvConfig_Init(&cfg));
    cfg.Bucket = "ttl";
    cfg.History = 1;
    cfg.StorageType = js_MemoryStorage;
    cfg.LimitMarkerTTL = 2 * SEC;
    CHECK_OK(js_CreateKeyValue(&kv, js, &cfg));
    CHECK_OK(js_GetStreamInfo(&si, js, "KV_ttl", NULL, NULL));
    CHECK(si->Config->AllowMsgTTL, "per-message TTLs allowed");
    CHECK(si->Config->SubjectDeleteMarkerTTL == 2 * SEC, "marker TTL");
    jsStreamInfo_Destroy(si);

    CHECK_OK(kvStore_CreateWithTTL(&rev, kv, "a", "1", 1, 1000));
    CHECK(rev > 0, "created with a TTL");
    CHECK_OK(kvStore_CreateStringWithTTL(NULL, kv, "b", "2", 1000));
    CHECK_OK(kvStore_PutString(&rev, kv, "c", "3"));
    CHECK_OK(kvStore_UpdateWithTTL(NULL, kv, "c", "4", 1, rev, 1000));
    CHECK_OK(kvStore_UpdateStringWithTTL(NULL, kv, "d", "5", 0, 1000));
    CHECK_OK(kvStore_UpdateStringWithTTL(NULL, kv, "keep", "6", 0, 0));
    CHECK_STATUS(kvStore_CreateStringWithTTL(NULL, kv, "a", "x", 1000), NATS_ERR);
    wait_gone(kv, "a");
    wait_gone(kv, "b");
    wait_gone(kv, "c");
    wait_gone(kv, "d");
    check_value(kv, "keep", "6");
    /* The server's marker hides the key; create goes over it. */
    CHECK_OK(kvStore_CreateString(NULL, kv, "a", "back"));
    check_value(kv, "a", "back");

    /* A purge marker with its own TTL. */
    CHECK_OK(kvPurgeOptions_Init(&po));
    po.TTL = 1000;
    CHECK_OK(kvStore_Purge(kv, "keep", &po));
    CHECK_QUIET_NOT_FOUND(kvStore_Get(&e, kv, "keep"));
    kvStore_Destroy(kv);

    /* A mirror bucket: its stream mirrors KV_<origin>, puts go there. */
    CHECK_OK(kvConfig_Init(&cfg));
    CHECK_OK(jsStreamSource_Init(&src));
    src.Name = "ttl";
    cfg.Bucket = "mirror";
    cfg.StorageType = js_MemoryStorage;
    cfg.Mirror = &src;
    CHECK_OK(js_CreateKeyValue(&mirror, js, &cfg));
    CHECK(strcmp(src.Name, "ttl") == 0, "the config is left as it was");
    CHECK_OK(js_GetStreamInfo(&si, js, "KV_mirror", NULL, NULL));
    CHECK(strcmp(si->Config->Mirror->Name, "KV_ttl") == 0, "mirrored stream");
    CHECK(si->Config->MirrorDirect, "mirror direct");
    jsStreamInfo_Destroy(si);
    CHECK_OK(kvStore_PutString(NULL, mirror, "m", "via mirror"));
    CHECK_OK(js_KeyValue(&kv, js, "ttl"));
    check_value(kv, "m", "via mirror");
    kvStore_Destroy(kv);
    kvStore_Destroy(mirror);
}
#endif

int
main(int argc, char **argv)
{
    natsConnection *nc = NULL;
    jsCtx          *js = NULL;
    kvStore        *kv = NULL;
    kvStore        *kv2 = NULL;
    kvStore        *gone = NULL;
    kvConfig        cfg;

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));

    CHECK_STATUS(kvConfig_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(kvPurgeOptions_Init(NULL), NATS_INVALID_ARG);
    CHECK_OK(kvConfig_Init(&cfg));
    CHECK(cfg.Bucket == NULL && cfg.History == 0 && cfg.Replicas == 0, "zeroed");
    CHECK_STATUS(js_CreateKeyValue(NULL, js, &cfg), NATS_INVALID_ARG);
    CHECK_STATUS(js_CreateKeyValue(&kv, NULL, &cfg), NATS_INVALID_ARG);
    CHECK_STATUS(js_CreateKeyValue(&kv, js, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_CreateKeyValue(&kv, js, &cfg), NATS_INVALID_ARG);
    cfg.Bucket = "a.b";
    CHECK_STATUS(js_CreateKeyValue(&kv, js, &cfg), NATS_INVALID_ARG);
    cfg.Bucket = "hist";
    cfg.History = 65;
    CHECK_STATUS(js_CreateKeyValue(&kv, js, &cfg), NATS_INVALID_ARG);
    CHECK(strstr(nats_GetLastError(NULL), "64") != NULL, "history limit named");
    CHECK(kv == NULL, "no store on failure");

    cfg.History = 5;
    cfg.TTL = 3600 * SEC;
    cfg.StorageType = js_MemoryStorage;
    CHECK_OK(js_CreateKeyValue(&kv, js, &cfg));
    CHECK(strcmp(kvStore_Bucket(kv), "hist") == 0, "store bucket");

    history_and_entries(kv);
    create_update_delete_purge(kv);
    invalid_keys(kv);
    status(kv);
    lists(kv);

    /* Binding to buckets. */
    CHECK_STATUS(js_KeyValue(NULL, js, "hist"), NATS_INVALID_ARG);
    CHECK_STATUS(js_KeyValue(&kv2, js, "bad.name"), NATS_INVALID_ARG);
    CHECK_QUIET_NOT_FOUND(js_KeyValue(&kv2, js, "nosuch"));
    CHECK(kv2 == NULL, "no store");
    CHECK_OK(js_KeyValue(&kv2, js, "hist"));
    CHECK(strcmp(kvStore_Bucket(kv2), "hist") == 0, "bound bucket");
    check_value(kv2, "c", "third");

#if HAS_3_14
    ttls(js);
#endif

    /* Deleting the bucket; the handles stay to be destroyed. */
    CHECK_STATUS(js_DeleteKeyValue(NULL, "hist"), NATS_INVALID_ARG);
    CHECK_STATUS(js_DeleteKeyValue(js, "bad.name"), NATS_INVALID_ARG);
    CHECK_OK(js_DeleteKeyValue(js, "hist"));
    CHECK_QUIET_NOT_FOUND(js_KeyValue(&gone, js, "hist"));
    CHECK(gone == NULL, "no store for a deleted bucket");
    CHECK_STATUS(js_DeleteKeyValue(js, "hist"), NATS_NOT_FOUND);
    kvStore_Destroy(kv2);
    kvStore_Destroy(kv);
    kvStore_Destroy(NULL);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    TEST_PASS("kv_store");
    return 0;
}
