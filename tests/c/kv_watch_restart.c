// server-config: jetstream: enabled
// modes: c cxx valgrind natsc
/*
 * kv_watch_restart: a watcher on a bucket kept on disk outlives a server
 * restart. Its ordered consumer (in memory on the server) is gone with
 * the server; the library makes a new one from the revision after the
 * last one delivered, so the puts made after the restart all arrive, once
 * each and in order. Runs on Debian's nats.c too (natsc mode).
 */
#include <nats.h>
#include "check.h"

#define LONG 30000

static void
expect_value(kvWatcher *w, int want)
{
    kvEntry *e = NULL;
    char     buf[16];

    CHECK_OK(kvWatcher_Next(&e, w, LONG));
    CHECK(e != NULL, "an entry");
    snprintf(buf, sizeof(buf), "%d", want);
    CHECK(strcmp(kvEntry_ValueString(e), buf) == 0, "once each, in order");
    kvEntry_Destroy(e);
}

int
main(int argc, char **argv)
{
    natsOptions    *opts = NULL;
    natsConnection *nc = NULL;
    jsCtx          *js = NULL;
    kvStore        *kv = NULL;
    kvConfig        cfg;
    kvWatcher      *w = NULL;
    kvEntry        *e = NULL;
    char            val[16];
    int             i;
    int             reconnected = 0;
    natsStatus      s;
    int64_t         deadline;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, test_url(argc, argv)));
    CHECK_OK(natsOptions_SetMaxReconnect(opts, -1));
    CHECK_OK(natsOptions_SetReconnectWait(opts, 50));
    CHECK_OK(natsOptions_SetReconnectedCB(opts, test_count_event, &reconnected));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    kvConfig_Init(&cfg);
    cfg.Bucket = "R";
    cfg.History = 64;
    cfg.StorageType = js_FileStorage;
    CHECK_OK(js_CreateKeyValue(&kv, js, &cfg));

    for (i = 0; i < 10; i++) {
        snprintf(val, sizeof(val), "%d", i);
        CHECK_OK(kvStore_PutString(NULL, kv, "k", val));
    }
    CHECK_OK(kvStore_Watch(&w, kv, "k", NULL));
    expect_value(w, 9);
    CHECK_OK(kvWatcher_Next(&e, w, LONG));
    CHECK(e == NULL, "the marker");

    test_server_restart();
    CHECK(test_wait_count(&reconnected, 1, LONG) >= 1, "reconnected");
    /* JetStream may need a moment after the restart to take puts. */
    deadline = test_now_ms() + LONG;
    do {
        s = kvStore_PutString(NULL, kv, "k", "10");
        if (s != NATS_OK)
            nats_Sleep(50);
    } while (s != NATS_OK && test_now_ms() < deadline);
    CHECK_OK(s);
    for (i = 11; i < 20; i++) {
        snprintf(val, sizeof(val), "%d", i);
        CHECK_OK(kvStore_PutString(NULL, kv, "k", val));
    }
    for (i = 10; i < 20; i++)
        expect_value(w, i);
    CHECK_STATUS(kvWatcher_Next(&e, w, 500), NATS_TIMEOUT);

    kvWatcher_Destroy(w);
    kvStore_Destroy(kv);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    nats_Close();
    printf("OK\n");
    return 0;
}
