// server-config: jetstream: enabled
// modes: c cxx valgrind natsc
/*
 * kv_keys: what is read through a watcher and let go. kvStore_Keys on an
 * empty bucket is NATS_OK with no keys, kvStore_History of a missing key
 * NATS_NOT_FOUND (nats.c's answers); Keys lists the keys with a value
 * (not the deleted or purged ones); History gives the revisions kept,
 * oldest first, delete markers included unless IgnoreDeletes;
 * PurgeDeletes keeps recent markers by default and removes every one
 * with a negative DeleteMarkersOlderThan. With nats.c 3.14's API also
 * KeysWithFilters. The 3.4.1 part runs on Debian's nats.c too.
 */
#include <nats.h>
#include "check.h"

static int
str_is(const char *got, const char *want)
{
    return got != NULL && strcmp(got, want) == 0;
}

static int
has_key(kvKeysList *l, const char *key)
{
    int i;
    for (i = 0; i < l->Count; i++)
        if (str_is(l->Keys[i], key))
            return 1;
    return 0;
}

static int
history_len(kvStore *kv, const char *key, kvOperation *last)
{
    kvEntryList l;
    natsStatus  s = kvStore_History(&l, kv, key, NULL);
    int         n;

    if (s == NATS_NOT_FOUND) {
        CHECK(l.Count == 0 && l.Entries == NULL, "an empty list");
        return 0;
    }
    CHECK_OK(s);
    n = l.Count;
    if (last != NULL)
        *last = kvEntry_Operation(l.Entries[n - 1]);
    kvEntryList_Destroy(&l);
    return n;
}

int
main(int argc, char **argv)
{
    natsConnection *nc = NULL;
    jsCtx          *js = NULL;
    kvStore        *kv = NULL;
    kvConfig        cfg;
    kvKeysList      keys;
    kvEntryList     hist;
    kvWatchOptions  o;
    kvPurgeOptions  po;
    kvOperation     op = kvOp_Unknown;
    char            val[8];
    uint64_t        revs[6];
    int             i;

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    kvConfig_Init(&cfg);
    cfg.Bucket = "K";
    cfg.History = 5;
    cfg.StorageType = js_MemoryStorage;
    CHECK_OK(js_CreateKeyValue(&kv, js, &cfg));

    /* An empty bucket. */
    CHECK_OK(kvStore_Keys(&keys, kv, NULL));
    CHECK(keys.Count == 0 && keys.Keys == NULL, "no keys");
    kvKeysList_Destroy(&keys);
    CHECK_STATUS(kvStore_History(&hist, kv, "k", NULL), NATS_NOT_FOUND);
    CHECK(hist.Count == 0 && hist.Entries == NULL, "no entries");

    /* Keys: those with a value. */
    CHECK_OK(kvStore_PutString(NULL, kv, "a", "1"));
    CHECK_OK(kvStore_PutString(NULL, kv, "b.x", "2"));
    CHECK_OK(kvStore_PutString(NULL, kv, "b.y", "3"));
    CHECK_OK(kvStore_PutString(NULL, kv, "a", "4"));
    CHECK_OK(kvStore_PutString(NULL, kv, "c", "5"));
    CHECK_OK(kvStore_Delete(kv, "c"));
    CHECK_OK(kvStore_PutString(NULL, kv, "d", "6"));
    CHECK_OK(kvStore_Purge(kv, "d", NULL));
    kvWatchOptions_Init(&o);
    o.Timeout = 5000;
    CHECK_OK(kvStore_Keys(&keys, kv, &o));
    CHECK(keys.Count == 3, "three keys");
    CHECK(has_key(&keys, "a") && has_key(&keys, "b.x") && has_key(&keys, "b.y"), "which");
    kvKeysList_Destroy(&keys);
    CHECK(keys.Count == 0 && keys.Keys == NULL, "destroy empties the list");
    kvKeysList_Destroy(&keys);
    kvKeysList_Destroy(NULL);
    CHECK_STATUS(kvStore_Keys(NULL, kv, NULL), NATS_INVALID_ARG);

#if NATS_VERSION_NUMBER >= 0x030E00
    {
        const char *f[] = {"b.*", "c", "zz"};
        CHECK_OK(kvStore_KeysWithFilters(&keys, kv, f, 3, NULL));
        CHECK(keys.Count == 2 && has_key(&keys, "b.x") && has_key(&keys, "b.y"), "filtered");
        kvKeysList_Destroy(&keys);
        CHECK_STATUS(kvStore_KeysWithFilters(&keys, kv, NULL, 1, NULL), NATS_INVALID_ARG);
        CHECK_STATUS(kvStore_KeysWithFilters(&keys, kv, f, 0, NULL), NATS_INVALID_ARG);
    }
#endif

    /* History: the last five of six, oldest first, then the delete. */
    for (i = 0; i < 6; i++) {
        snprintf(val, sizeof(val), "%d", i);
        CHECK_OK(kvStore_PutString(&revs[i], kv, "h", val));
    }
    CHECK_OK(kvStore_History(&hist, kv, "h", NULL));
    CHECK(hist.Count == 5, "five kept");
    for (i = 0; i < 5; i++) {
        snprintf(val, sizeof(val), "%d", i + 1);
        CHECK(str_is(kvEntry_Key(hist.Entries[i]), "h"), "key");
        CHECK(str_is(kvEntry_ValueString(hist.Entries[i]), val), "oldest first");
        CHECK(kvEntry_Revision(hist.Entries[i]) == revs[i + 1], "revision");
    }
    kvEntryList_Destroy(&hist);
    CHECK(hist.Count == 0 && hist.Entries == NULL, "destroy empties the list");
    CHECK_OK(kvStore_Delete(kv, "h"));
    CHECK(history_len(kv, "h", &op) == 5 && op == kvOp_Delete, "the delete last");
    kvWatchOptions_Init(&o);
    o.IgnoreDeletes = true;
    CHECK_OK(kvStore_History(&hist, kv, "h", &o));
    CHECK(hist.Count == 4, "without the delete");
    kvEntryList_Destroy(&hist);
    CHECK_STATUS(kvStore_History(&hist, kv, "missing", NULL), NATS_NOT_FOUND);
    CHECK_STATUS(kvStore_History(NULL, kv, "h", NULL), NATS_INVALID_ARG);
    CHECK_STATUS(kvStore_History(&hist, kv, "", NULL), NATS_INVALID_ARG);

    /* PurgeDeletes: recent markers stay (without what came before them)... */
    CHECK_OK(kvStore_PurgeDeletes(kv, NULL));
    CHECK(history_len(kv, "h", &op) == 1 && op == kvOp_Delete, "h: the marker only");
    CHECK(history_len(kv, "c", &op) == 1 && op == kvOp_Delete, "c: the marker only");
    CHECK(history_len(kv, "d", &op) == 1 && op == kvOp_Purge, "d: the marker only");
    CHECK(history_len(kv, "a", NULL) == 2, "a untouched");
    /* ...and a negative age removes them all. */
    kvPurgeOptions_Init(&po);
    po.DeleteMarkersOlderThan = -1;
    CHECK_OK(kvStore_PurgeDeletes(kv, &po));
    CHECK(history_len(kv, "h", NULL) == 0, "h gone");
    CHECK(history_len(kv, "c", NULL) == 0, "c gone");
    CHECK(history_len(kv, "d", NULL) == 0, "d gone");
    CHECK(history_len(kv, "a", NULL) == 2, "a still untouched");
    CHECK_STATUS(kvStore_PurgeDeletes(NULL, NULL), NATS_INVALID_ARG);

    kvStore_Destroy(kv);
    CHECK_OK(js_DeleteKeyValue(js, "K"));
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    printf("OK\n");
    return 0;
}
