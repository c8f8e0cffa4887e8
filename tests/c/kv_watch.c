// server-config: jetstream: enabled
// modes: c cxx valgrind natsc
/*
 * kv_watch: watchers on a bucket. An empty bucket gives the NULL marker
 * first; a filled one its last value of each key (with the deltas), the
 * marker, then each put and delete as it happens; IncludeHistory,
 * IgnoreDeletes and MetaOnly change what comes; a stopped watcher answers
 * NATS_ILLEGAL_STATE; 1,000 puts from another thread arrive all and in
 * order. With nats.c 3.14's API also: WatchMulti on two patterns,
 * UpdatesOnly, ResumeFromRevision and a callback watcher. The 3.4.1 part
 * runs on Debian's nats.c too (natsc mode).
 */
#include <nats.h>
#include <pthread.h>
#include "check.h"

#define LONG 10000
#define SHORT 300

static int
str_is(const char *got, const char *want)
{
    return got != NULL && strcmp(got, want) == 0;
}

/* The next entry: key, value (NULL: do not check) and operation. */
static uint64_t
expect_entry(kvWatcher *w, const char *key, const char *value, kvOperation op)
{
    kvEntry *e = NULL;
    uint64_t rev;

    CHECK_OK(kvWatcher_Next(&e, w, LONG));
    CHECK(e != NULL, "an entry, not the marker");
    CHECK(str_is(kvEntry_Key(e), key), key);
    if (value != NULL)
        CHECK(str_is(kvEntry_ValueString(e), value), value);
    CHECK(kvEntry_Operation(e) == op, "operation");
    CHECK(str_is(kvEntry_Bucket(e), "W") || str_is(kvEntry_Bucket(e), "M"), "bucket");
    CHECK(kvEntry_Created(e) > 0, "created");
    rev = kvEntry_Revision(e);
    kvEntry_Destroy(e);
    return rev;
}

static void
expect_marker(kvWatcher *w)
{
    kvEntry *e = (kvEntry *) 1;
    CHECK_OK(kvWatcher_Next(&e, w, LONG));
    CHECK(e == NULL, "the marker");
}

static void
expect_nothing(kvWatcher *w)
{
    kvEntry *e = NULL;
    CHECK_STATUS(kvWatcher_Next(&e, w, SHORT), NATS_TIMEOUT);
    CHECK(e == NULL, "no entry");
}

struct putter {
    kvStore  *kv;
    uint64_t revs[1000];
};

static void *
put_thread(void *arg)
{
    struct putter *p = (struct putter *) arg;
    char key[16], val[16];
    int i;

    for (i = 0; i < 1000; i++) {
        snprintf(key, sizeof(key), "n.%d", i % 7);
        snprintf(val, sizeof(val), "%d", i);
        if (kvStore_PutString(&p->revs[i], p->kv, key, val) != NATS_OK)
            p->revs[i] = 0;
    }
    return NULL;
}

#if NATS_VERSION_NUMBER >= 0x030E00
struct seen {
    pthread_mutex_t mu;
    int        entries;
    int        markers;
    int        marker_at; /* entries seen when the marker came */
    int        bad;
};

static void
on_entry(kvWatcher *w, kvEntry *e, natsStatus s, void *closure)
{
    struct seen *seen = (struct seen *) closure;
    (void) w;
    pthread_mutex_lock(&seen->mu);
    if (s != NATS_OK)
        seen->bad++;
    if (e == NULL) {
        seen->markers++;
        seen->marker_at = seen->entries;
    } else {
        seen->entries++;
    }
    pthread_mutex_unlock(&seen->mu);
    kvEntry_Destroy(e);
}

static int
seen_count(struct seen *seen)
{
    int n;
    pthread_mutex_lock(&seen->mu);
    n = seen->entries + seen->markers;
    pthread_mutex_unlock(&seen->mu);
    return n;
}

static void
wait_seen(struct seen *seen, int want)
{
    int64_t deadline = test_now_ms() + LONG;
    while (seen_count(seen) < want && test_now_ms() < deadline)
        nats_Sleep(5);
    CHECK(seen_count(seen) == want, "the callback got everything");
}

static void
newer_api(jsCtx *js, kvStore *kv)
{
    kvStore        *m = NULL;
    kvConfig        cfg;
    kvWatcher      *w = NULL;
    kvWatchOptions  o;
    const char     *pats[] = {"x.*", "y.>"};
    struct seen     seen;
    uint64_t        r1 = 0, r2 = 0, r3 = 0;
    kvEntry        *e = NULL;

    /* WatchMulti: two patterns, nothing else. */
    kvConfig_Init(&cfg);
    cfg.Bucket = "M";
    cfg.StorageType = js_MemoryStorage;
    CHECK_OK(js_CreateKeyValue(&m, js, &cfg));
    CHECK_OK(kvStore_PutString(NULL, m, "x.1", "a"));
    CHECK_OK(kvStore_PutString(NULL, m, "z.1", "no"));
    CHECK_OK(kvStore_PutString(NULL, m, "y.q.2", "b"));
    CHECK_OK(kvStore_WatchMulti(&w, m, pats, 2, NULL));
    expect_entry(w, "x.1", "a", kvOp_Put);
    expect_entry(w, "y.q.2", "b", kvOp_Put);
    expect_marker(w);
    CHECK_OK(kvStore_PutString(NULL, m, "z.2", "no"));
    CHECK_OK(kvStore_Delete(m, "x.1"));
    expect_entry(w, "x.1", NULL, kvOp_Delete);
    expect_nothing(w);
    kvWatcher_Destroy(w);
    w = NULL;
    CHECK_STATUS(kvStore_WatchMulti(&w, m, pats, 0, NULL), NATS_INVALID_ARG);
    pats[1] = "";
    CHECK_STATUS(kvStore_WatchMulti(&w, m, pats, 2, NULL), NATS_INVALID_ARG);

    /* UpdatesOnly: no initial values and no marker. */
    kvWatchOptions_Init(&o);
    o.UpdatesOnly = true;
    CHECK_OK(kvStore_WatchAll(&w, m, &o));
    expect_nothing(w);
    CHECK_OK(kvStore_PutString(NULL, m, "x.3", "new"));
    expect_entry(w, "x.3", "new", kvOp_Put);
    kvWatcher_Destroy(w);
    w = NULL;

    /* ResumeFromRevision beats UpdatesOnly. */
    CHECK_OK(kvStore_PutString(&r1, m, "r", "1"));
    CHECK_OK(kvStore_PutString(&r2, m, "r", "2"));
    kvWatchOptions_Init(&o);
    o.UpdatesOnly = true;
    o.IncludeHistory = true;
    o.ResumeFromRevision = r1;
    CHECK_OK(kvStore_Watch(&w, m, "r", &o));
    CHECK(expect_entry(w, "r", "2", kvOp_Put) == r2, "from the revision on");
    expect_marker(w);
    kvWatcher_Destroy(w);
    w = NULL;

    /* A callback: the entries, then the marker, then the updates. */
    memset(&seen, 0, sizeof(seen));
    CHECK(pthread_mutex_init(&seen.mu, NULL) == 0, "mutex");
    kvWatchOptions_Init(&o);
    o.Callback = on_entry;
    o.Closure = &seen;
    o.Heartbeat = 1000 * 1000000LL;
    CHECK_OK(kvStore_Watch(&w, kv, "a", &o));
    wait_seen(&seen, 2);
    CHECK_OK(kvStore_PutString(&r3, kv, "a", "cb"));
    wait_seen(&seen, 3);
    CHECK(seen.marker_at == 1 && seen.markers == 1 && seen.bad == 0, "marker after the value");
    CHECK_STATUS(kvWatcher_Next(&e, w, SHORT), NATS_ILLEGAL_STATE);
    CHECK_OK(kvWatcher_Stop(w));
    CHECK_OK(kvStore_PutString(NULL, kv, "a", "not seen"));
    nats_Sleep(SHORT);
    CHECK(seen_count(&seen) == 3, "nothing after Stop");
    kvWatcher_Destroy(w);
    pthread_mutex_destroy(&seen.mu);

    kvStore_Destroy(m);
}
#endif

int
main(int argc, char **argv)
{
    natsConnection *nc = NULL;
    jsCtx          *js = NULL;
    kvStore        *kv = NULL;
    kvConfig        cfg;
    kvWatcher      *w = NULL;
    kvWatchOptions  o;
    kvEntry        *e = NULL;
    uint64_t        ra = 0, rb = 0, ra2 = 0, rc = 0;
    struct putter  *p;
    pthread_t       t;
    int             i;

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    kvConfig_Init(&cfg);
    cfg.Bucket = "W";
    cfg.History = 5;
    cfg.StorageType = js_MemoryStorage;
    CHECK_OK(js_CreateKeyValue(&kv, js, &cfg));

    /* An empty bucket: the marker first. */
    CHECK_OK(kvStore_WatchAll(&w, kv, NULL));
    expect_marker(w);
    expect_nothing(w);
    CHECK_OK(kvStore_PutString(&ra, kv, "a", "1"));
    CHECK(expect_entry(w, "a", "1", kvOp_Put) == ra, "revision");
    kvWatcher_Destroy(w);
    w = NULL;

    /* The last value of each key, the deltas, the marker, the updates. */
    CHECK_OK(kvStore_PutString(&rb, kv, "b", "2"));
    CHECK_OK(kvStore_PutString(&ra2, kv, "a", "3"));
    CHECK_OK(kvStore_Delete(kv, "c"));
    CHECK_OK(kvStore_WatchAll(&w, kv, NULL));
    CHECK_OK(kvWatcher_Next(&e, w, LONG));
    CHECK(e != NULL && str_is(kvEntry_Key(e), "b") && kvEntry_Delta(e) == 2, "b first");
    CHECK(kvEntry_Revision(e) == rb, "b's revision");
    kvEntry_Destroy(e);
    CHECK_OK(kvWatcher_Next(&e, w, LONG));
    CHECK(e != NULL && str_is(kvEntry_ValueString(e), "3") && kvEntry_Delta(e) == 1, "a");
    CHECK(kvEntry_Revision(e) == ra2, "a's revision");
    kvEntry_Destroy(e);
    CHECK_OK(kvWatcher_Next(&e, w, LONG));
    CHECK(e != NULL && kvEntry_Operation(e) == kvOp_Delete && kvEntry_Delta(e) == 0, "c");
    CHECK(kvEntry_ValueLen(e) == 0, "a marker has no value");
    kvEntry_Destroy(e);
    expect_marker(w);
    expect_nothing(w);
    CHECK_OK(kvStore_PutString(&rc, kv, "c", "4"));
    CHECK(expect_entry(w, "c", "4", kvOp_Put) == rc, "c's revision");
    CHECK_OK(kvStore_Purge(kv, "b", NULL));
    expect_entry(w, "b", NULL, kvOp_Purge);

    /* Stopped: Next fails, a second Stop is fine. */
    CHECK_OK(kvWatcher_Stop(w));
    CHECK_OK(kvWatcher_Stop(w));
    CHECK_STATUS(kvWatcher_Next(&e, w, SHORT), NATS_ILLEGAL_STATE);
    kvWatcher_Destroy(w);
    w = NULL;
    kvWatcher_Destroy(NULL);

    /* IncludeHistory: every revision of a. */
    kvWatchOptions_Init(&o);
    o.IncludeHistory = true;
    CHECK_OK(kvStore_Watch(&w, kv, "a", &o));
    expect_entry(w, "a", "1", kvOp_Put);
    expect_entry(w, "a", "3", kvOp_Put);
    expect_marker(w);
    kvWatcher_Destroy(w);
    w = NULL;

    /* IgnoreDeletes: b's purge marker is not seen, the marker still is. */
    kvWatchOptions_Init(&o);
    o.IgnoreDeletes = true;
    CHECK_OK(kvStore_WatchAll(&w, kv, &o));
    expect_entry(w, "a", "3", kvOp_Put);
    expect_entry(w, "c", "4", kvOp_Put);
    expect_marker(w);
    kvWatcher_Destroy(w);
    w = NULL;

    /* MetaOnly: no values. */
    kvWatchOptions_Init(&o);
    o.MetaOnly = true;
    CHECK_OK(kvStore_Watch(&w, kv, "c", &o));
    CHECK_OK(kvWatcher_Next(&e, w, LONG));
    CHECK(e != NULL && kvEntry_ValueLen(e) == 0 && kvEntry_Revision(e) == rc, "meta only");
    kvEntry_Destroy(e);
    expect_marker(w);
    kvWatcher_Destroy(w);
    w = NULL;

    /* Bad arguments. */
    CHECK_STATUS(kvWatchOptions_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(kvStore_Watch(NULL, kv, "a", NULL), NATS_INVALID_ARG);
    CHECK_STATUS(kvStore_Watch(&w, NULL, "a", NULL), NATS_INVALID_ARG);
    CHECK_STATUS(kvStore_Watch(&w, kv, "", NULL), NATS_INVALID_ARG);
    CHECK_STATUS(kvStore_Watch(&w, kv, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(kvStore_WatchAll(&w, NULL, NULL), NATS_INVALID_ARG);
    CHECK_OK(kvStore_WatchAll(&w, kv, NULL));
    CHECK_STATUS(kvWatcher_Next(NULL, w, LONG), NATS_INVALID_ARG);
    CHECK_STATUS(kvWatcher_Next(&e, NULL, LONG), NATS_INVALID_ARG);
    CHECK_STATUS(kvWatcher_Next(&e, w, 0), NATS_INVALID_ARG);
    CHECK_STATUS(kvWatcher_Stop(NULL), NATS_INVALID_ARG);
    kvWatcher_Destroy(w);
    w = NULL;

    /* 1,000 puts from another thread: all of them, in order. Not on
     * nats.c 3.4.1 (the natsc mode), whose watcher once skipped or
     * repeated an update here under load; 3.14's passes. */
#if NATS_VERSION_NUMBER >= 0x030E00
    CHECK_OK(kvStore_Watch(&w, kv, "n.*", NULL));
    expect_marker(w);
    p = (struct putter *) calloc(1, sizeof(*p));
    CHECK(p != NULL, "calloc");
    p->kv = kv;
    CHECK(pthread_create(&t, NULL, put_thread, p) == 0, "pthread_create");
    {
        uint64_t got[1000];
        char     want[16];
        for (i = 0; i < 1000; i++) {
            CHECK_OK(kvWatcher_Next(&e, w, LONG));
            CHECK(e != NULL, "an update");
            snprintf(want, sizeof(want), "%d", i);
            CHECK(str_is(kvEntry_ValueString(e), want), "in order");
            got[i] = kvEntry_Revision(e);
            kvEntry_Destroy(e);
        }
        CHECK(pthread_join(t, NULL) == 0, "pthread_join");
        for (i = 0; i < 1000; i++)
            CHECK(got[i] == p->revs[i], "the revisions of the puts");
    }
    expect_nothing(w);
    free(p);
    kvWatcher_Destroy(w);
    w = NULL;
#else
    (void) p;
    (void) t;
    (void) i;
    (void) put_thread;
#endif

#if NATS_VERSION_NUMBER >= 0x030E00
    newer_api(js, kv);
#endif

    kvStore_Destroy(kv);
    CHECK_OK(js_DeleteKeyValue(js, "W"));
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    printf("OK\n");
    return 0;
}
