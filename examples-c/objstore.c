/*
 * objstore: an object store on JetStream. Creates a store, puts a file in
 * it (cut into chunks, with a SHA-256 digest), lists the store, gets the
 * object back into another file, compares the two, deletes the object
 * and finally the store.
 *
 *   objstore [url] [file] [bucket]
 *   objstore nats://127.0.0.1:4222 ./firmware.bin DEMO_OBJ
 *
 * Defaults: NATS_DEFAULT_URL, this program's own executable, "DEMO_OBJ".
 * The copy is written next to the file, as <file>.copy. The server must
 * run with JetStream (nats-server -js).
 * Build: cc objstore.c -I../include -L../target/release -lnats_rs -o objstore
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nats.h>

/* Whether two files hold the same bytes. */
static int
same_files(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb");
    FILE *fb = fopen(b, "rb");
    int   same = (fa != NULL && fb != NULL);

    while (same)
    {
        int ca = fgetc(fa);
        int cb = fgetc(fb);
        if (ca != cb)
            same = 0;
        if (ca == EOF || cb == EOF)
            break;
    }
    if (fa != NULL)
        fclose(fa);
    if (fb != NULL)
        fclose(fb);
    return same;
}

int
main(int argc, char **argv)
{
    const char          *url    = (argc > 1) ? argv[1] : NATS_DEFAULT_URL;
    const char          *file   = (argc > 2) ? argv[2] : argv[0];
    const char          *bucket = (argc > 3) ? argv[3] : "DEMO_OBJ";
    natsConnection      *nc     = NULL;
    jsCtx               *js     = NULL;
    objStore            *obs    = NULL;
    objStoreInfo        *info   = NULL;
    objStoreInfoList    *list   = NULL;
    objStoreConfig      cfg;
    char                copy[1024];
    natsStatus          s;

    snprintf(copy, sizeof(copy), "%s.copy", file);

    s = natsConnection_ConnectTo(&nc, url);
    if (s == NATS_OK)
        s = natsConnection_JetStream(&js, nc, NULL);

    /* Creating a store that exists with the same configuration binds to it. */
    if (s == NATS_OK)
        s = objStoreConfig_Init(&cfg);
    if (s == NATS_OK)
    {
        cfg.Bucket = bucket;
        cfg.Description = "nats_rs object store demo";
        s = js_CreateObjectStore(&obs, js, &cfg);
    }
    if (s == NATS_OK)
        printf("Store '%s' ready\n", bucket);

    /* The object is named after the file. Its info is ours to destroy. */
    if (s == NATS_OK)
        s = objStore_PutFile(&info, obs, file);
    if (s == NATS_OK)
    {
        printf("Put '%s': %" PRIu64 " bytes in %" PRIu32 " chunk(s), digest %s\n",
               info->Meta.Name, info->Size, info->Chunks, info->Digest);
        objStoreInfo_Destroy(info);
        info = NULL;
    }

    /* Every object of the store (the list owns the infos). */
    if (s == NATS_OK)
        s = objStore_List(&list, obs, NULL);
    if (s == NATS_OK)
    {
        int i;
        for (i = 0; i < list->Count; i++)
            printf("List: '%s' (%" PRIu64 " bytes)\n",
                   list->List[i]->Meta.Name, list->List[i]->Size);
        objStoreInfoList_Destroy(list);
    }

    /* The bytes come back checked against the size and digest; a
     * mismatch is an error and the copy is removed. */
    if (s == NATS_OK)
        s = objStore_GetFile(obs, file, copy, NULL);
    if (s == NATS_OK)
    {
        if (same_files(file, copy))
            printf("Got it back into '%s': same bytes\n", copy);
        else
        {
            printf("Got it back into '%s': the bytes differ!\n", copy);
            s = NATS_ERR;
        }
        remove(copy);
    }

    /* A deleted object is gone: getting it is NATS_NOT_FOUND. */
    if (s == NATS_OK)
        s = objStore_Delete(obs, file);
    if (s == NATS_OK)
    {
        if (objStore_GetInfo(&info, obs, file, NULL) == NATS_NOT_FOUND)
            printf("Deleted '%s'\n", file);
        else
            s = NATS_ERR;
    }

    /* Remove the store from the server (the handle is still to free). */
    if (s == NATS_OK)
        s = js_DeleteObjectStore(js, bucket);
    if (s == NATS_OK)
        printf("Store '%s' deleted\n", bucket);

    if (s != NATS_OK)
        fprintf(stderr, "Error: %u - %s (%s)\n", s, natsStatus_GetText(s),
                nats_GetLastError(NULL) != NULL ? nats_GetLastError(NULL) : "");

    objStore_Destroy(obs);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}
