/*
 * kv: a key-value bucket on JetStream. Creates a bucket and watches a key
 * in it, puts the key, reads it back, updates it only if nobody changed it
 * meanwhile (the revision is the compare-and-set token), lists its
 * history, deletes it, prints every change the watcher saw, and finally
 * deletes the bucket.
 *
 *   kv [url] [bucket]
 *   kv nats://127.0.0.1:4222 DEMO_KV
 *
 * Defaults: NATS_DEFAULT_URL, "DEMO_KV". The server must run with
 * JetStream (nats-server -js).
 * Build: cc kv.c -I../include -L../target/release -lnats_rs -o kv
 */
#include <inttypes.h>
#include <stdio.h>
#include <nats.h>

/* Prints the key's current value, or that it has none. */
static natsStatus
show(kvStore *kv, const char *key)
{
    kvEntry    *e = NULL;
    natsStatus  s = kvStore_Get(&e, kv, key);

    if (s == NATS_OK)
    {
        printf("Get '%s': '%s' at revision %" PRIu64 "\n",
               kvEntry_Key(e), kvEntry_ValueString(e), kvEntry_Revision(e));
        /* The entry is ours: destroy it. */
        kvEntry_Destroy(e);
    }
    else if (s == NATS_NOT_FOUND)
    {
        /* Never written, deleted or purged: not an error. */
        printf("Get '%s': no value\n", key);
        s = NATS_OK;
    }
    return s;
}

static const char *
op_name(kvOperation op)
{
    switch (op)
    {
        case kvOp_Put:    return "put";
        case kvOp_Delete: return "delete";
        case kvOp_Purge:  return "purge";
        default:          return "?";
    }
}

/* Prints what the watcher has seen so far; stops when nothing more comes
 * within half a second. A NULL entry says the initial values are done. */
static natsStatus
show_changes(kvWatcher *w)
{
    natsStatus s = NATS_OK;

    while (s == NATS_OK)
    {
        kvEntry *e = NULL;

        s = kvWatcher_Next(&e, w, 500);
        if (s == NATS_TIMEOUT)
            return NATS_OK;
        if (s != NATS_OK)
            break;
        if (e == NULL)
        {
            printf("Watch: initial values done\n");
            continue;
        }
        printf("Watch: %s '%s' at revision %" PRIu64 "\n",
               op_name(kvEntry_Operation(e)), kvEntry_Key(e), kvEntry_Revision(e));
        kvEntry_Destroy(e);
    }
    return s;
}

int
main(int argc, char **argv)
{
    const char     *url    = (argc > 1) ? argv[1] : NATS_DEFAULT_URL;
    const char     *bucket = (argc > 2) ? argv[2] : "DEMO_KV";
    natsConnection *nc     = NULL;
    jsCtx          *js     = NULL;
    kvStore        *kv     = NULL;
    kvStatus       *sts    = NULL;
    kvWatcher      *w      = NULL;
    kvEntryList     hist;
    kvConfig        cfg;
    uint64_t        rev    = 0;
    uint64_t        first  = 0;
    natsStatus      s;

    s = natsConnection_ConnectTo(&nc, url);
    if (s == NATS_OK)
        s = natsConnection_JetStream(&js, nc, NULL);

    /* The bucket keeps up to 5 revisions of each key. Creating a bucket
     * that exists with the same configuration just binds to it. */
    if (s == NATS_OK)
        s = kvConfig_Init(&cfg);
    if (s == NATS_OK)
    {
        cfg.Bucket = bucket;
        cfg.History = 5;
        s = js_CreateKeyValue(&kv, js, &cfg);
    }
    if (s == NATS_OK)
        printf("Bucket '%s' ready\n", kvStore_Bucket(kv));

    /* The watcher sees the key's current value (none yet), then a NULL
     * entry, then every change. It queues them until we ask. */
    if (s == NATS_OK)
        s = kvStore_Watch(&w, kv, "color", NULL);

    if (s == NATS_OK)
        s = kvStore_PutString(&first, kv, "color", "red");
    if (s == NATS_OK)
    {
        printf("Put 'color' = 'red' at revision %" PRIu64 "\n", first);
        s = show(kv, "color");
    }

    /* Update only if 'color' is still at the revision we read. */
    if (s == NATS_OK)
        s = kvStore_UpdateString(&rev, kv, "color", "blue", first);
    if (s == NATS_OK)
    {
        printf("Updated 'color' = 'blue' at revision %" PRIu64 "\n", rev);
        s = show(kv, "color");
    }

    /* The same update again is now stale: the server refuses it. */
    if (s == NATS_OK)
    {
        if (kvStore_UpdateString(NULL, kv, "color", "green", first) == NATS_ERR)
            printf("Stale update refused: %s\n", nats_GetLastError(NULL));
        else
            s = NATS_ERR;
    }
    /* Create writes only keys without a value. */
    if (s == NATS_OK)
    {
        if (kvStore_CreateString(NULL, kv, "color", "green") == NATS_ERR)
            printf("Create of an existing key refused\n");
        else
            s = NATS_ERR;
    }

    /* Every revision kept, oldest first; the list owns its entries. */
    if (s == NATS_OK)
        s = kvStore_History(&hist, kv, "color", NULL);
    if (s == NATS_OK)
    {
        int i;
        for (i = 0; i < hist.Count; i++)
            printf("History: '%s' at revision %" PRIu64 "\n",
                   kvEntry_ValueString(hist.Entries[i]),
                   kvEntry_Revision(hist.Entries[i]));
        kvEntryList_Destroy(&hist);
    }

    /* Delete leaves a marker: the key has no value, its history stays. */
    if (s == NATS_OK)
        s = kvStore_Delete(kv, "color");
    if (s == NATS_OK)
    {
        printf("Deleted 'color'\n");
        s = show(kv, "color");
    }

    /* Everything the watcher saw meanwhile, then it is done. */
    if (s == NATS_OK)
        s = show_changes(w);
    kvWatcher_Destroy(w);

    if (s == NATS_OK)
        s = kvStore_Status(&sts, kv);
    if (s == NATS_OK)
    {
        printf("Bucket '%s' holds %" PRIu64 " revision(s), history %" PRId64 "\n",
               kvStatus_Bucket(sts), kvStatus_Values(sts), kvStatus_History(sts));
        kvStatus_Destroy(sts);
    }

    /* Remove the bucket from the server (the handle is still to free). */
    if (s == NATS_OK)
        s = js_DeleteKeyValue(js, bucket);
    if (s == NATS_OK)
        printf("Bucket '%s' deleted\n", bucket);

    if (s != NATS_OK)
        fprintf(stderr, "Error: %u - %s\n", s, natsStatus_GetText(s));

    kvStore_Destroy(kv);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}
