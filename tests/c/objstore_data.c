// server-config: jetstream: enabled
// modes: c cxx valgrind
/*
 * objstore_data: putting and getting objects through the C API. An empty
 * object, one of exactly one chunk, and one added in odd sizes (cut into
 * ADR-20's chunks: all of the chunk size but the last) read back the same,
 * chunk by chunk and at once; the meta's headers are stored; a put over a
 * name purges the old chunks; a put given up leaves nothing; a corrupted
 * chunk fails the digest check with NATS_ERR; a deleted object is
 * NATS_NOT_FOUND; links are followed; a 64 MiB file (4 MiB under valgrind)
 * goes in and out through files, with the memory growth and throughput
 * printed. Bad arguments get nats.c's statuses.
 */
#include <nats.h>
#include "check.h"

static jsCtx *js = NULL;

/* Bytes that differ from chunk to chunk. */
static char *
pattern(int len)
{
    char *b = (char *) malloc((size_t) len);
    int i;
    CHECK(b != NULL, "malloc");
    for (i = 0; i < len; i++)
        b[i] = (char) (i * 7 + i / 251);
    return b;
}

static uint64_t
stream_msgs(const char *stream)
{
    jsStreamInfo *si = NULL;
    uint64_t n;
    CHECK_OK(js_GetStreamInfo(&si, js, stream, NULL, NULL));
    n = si->State.Msgs;
    jsStreamInfo_Destroy(si);
    return n;
}

static uint64_t
stream_last_seq(const char *stream)
{
    jsStreamInfo *si = NULL;
    uint64_t n;
    CHECK_OK(js_GetStreamInfo(&si, js, stream, NULL, NULL));
    n = si->State.LastSeq;
    jsStreamInfo_Destroy(si);
    return n;
}

/* Puts len bytes of b with the given chunk size, add sizes cycling
 * through sizes[] (0-terminated). */
static objStoreInfo *
put_in_pieces(objStore *obs, const char *name, uint32_t chunk, const char *b, int len,
              const int *sizes)
{
    objStoreMeta meta;
    objStorePut *put = NULL;
    objStoreInfo *info = NULL;
    int at = 0, k = 0;

    CHECK_OK(objStoreMeta_Init(&meta));
    meta.Name = name;
    meta.Opts.ChunkSize = chunk;
    CHECK_OK(objStore_Put(&put, obs, &meta));
    while (at < len) {
        int n = sizes[k] > 0 ? sizes[k] : len;
        if (n > len - at)
            n = len - at;
        CHECK_OK(objStorePut_Add(put, b + at, n));
        at += n;
        k = sizes[k + 1] == 0 ? 0 : k + 1;
    }
    CHECK_OK(objStorePut_Complete(&info, put, 0));
    objStorePut_Destroy(put);
    return info;
}

static long
status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = 0;
    size_t n = strlen(field);
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, field, n) == 0)
            v = strtol(line + n, NULL, 10);
    fclose(f);
    return v;
}

static void
small_objects(objStore *obs)
{
    objStoreInfo *info = NULL;
    objStoreGet *get = NULL;
    const objStoreInfo *lent = NULL;
    char *str = NULL;
    void *data = NULL;
    int len = -1;
    bool done = false;
    char *b = pattern(12345);
    static const int one[] = {1000, 0};
    static const int odd[] = {1, 7, 999, 1000, 1001, 3333, 2, 5000, 0};
    int total = 0, reads = 0;

    /* Empty: no chunks; "" as a string, NULL as bytes. */
    CHECK_OK(objStore_PutString(&info, obs, "empty", NULL));
    CHECK(info->Size == 0 && info->Chunks == 0, "empty object");
    CHECK(strcmp(info->Digest, "SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=") == 0,
          info->Digest);
    objStoreInfo_Destroy(info);
    info = NULL;
    CHECK_OK(objStore_GetString(&str, obs, "empty", NULL));
    CHECK(str != NULL && str[0] == '\0', "empty string");
    free(str);
    str = NULL;
    CHECK_OK(objStore_GetBytes(&data, &len, obs, "empty", NULL));
    CHECK(data == NULL && len == 0, "empty bytes");
    CHECK_OK(objStore_Get(&get, obs, "empty", NULL));
    CHECK_OK(objStoreGet_Read(&done, &data, &len, get, 1000));
    CHECK(done && data == NULL && len == 0, "empty read");
    CHECK_STATUS(objStoreGet_Read(&done, &data, &len, get, 1000), NATS_ILLEGAL_STATE);
    objStoreGet_Destroy(get);
    get = NULL;

    /* Exactly one chunk. */
    info = put_in_pieces(obs, "one", 1000, b, 1000, one);
    CHECK(info->Size == 1000 && info->Chunks == 1, "one chunk");
    objStoreInfo_Destroy(info);
    CHECK_OK(objStore_Get(&get, obs, "one", NULL));
    CHECK_OK(objStoreGet_Info(&lent, get));
    CHECK(lent->Size == 1000 && strcmp(lent->Meta.Name, "one") == 0, "lent info");
    CHECK_OK(objStoreGet_Read(&done, &data, &len, get, 5000));
    CHECK(done && len == 1000 && memcmp(data, b, 1000) == 0, "the one chunk");
    free(data);
    CHECK_STATUS(objStoreGet_Read(&done, &data, &len, get, 5000), NATS_ILLEGAL_STATE);
    CHECK_STATUS(objStoreGet_ReadAll(&data, &len, get, 5000), NATS_ILLEGAL_STATE);
    objStoreGet_Destroy(get);
    get = NULL;

    /* Odd adds: 13 chunks, 12 of 1000 bytes and one of 345. */
    info = put_in_pieces(obs, "odd", 1000, b, 12345, odd);
    CHECK(info->Size == 12345 && info->Chunks == 13, "ADR-20's chunk count");
    CHECK(info->Meta.Opts.ChunkSize == 1000, "chunk size kept");
    objStoreInfo_Destroy(info);
    CHECK_OK(objStore_Get(&get, obs, "odd", NULL));
    done = false;
    while (!done) {
        CHECK_OK(objStoreGet_Read(&done, &data, &len, get, 5000));
        CHECK(len == (done ? 345 : 1000), "chunks are filled");
        CHECK(memcmp(data, b + total, (size_t) len) == 0, "chunk bytes");
        total += len;
        reads++;
        free(data);
    }
    CHECK(total == 12345 && reads == 13, "read it all");
    objStoreGet_Destroy(get);
    get = NULL;
    CHECK_OK(objStore_GetBytes(&data, &len, obs, "odd", NULL));
    CHECK(len == 12345 && memcmp(data, b, 12345) == 0, "odd bytes");
    free(data);

    /* Read part, then all the rest. */
    CHECK_OK(objStore_Get(&get, obs, "odd", NULL));
    CHECK_OK(objStoreGet_Read(&done, &data, &len, get, 5000));
    free(data);
    CHECK_OK(objStoreGet_ReadAll(&data, &len, get, 5000));
    CHECK(len == 11345 && memcmp(data, b + 1000, 11345) == 0, "the rest");
    free(data);
    objStoreGet_Destroy(get);
    get = NULL;

    /* Bad arguments. */
    {
        objStoreMeta meta;
        objStorePut *put = NULL;
        CHECK_OK(objStoreMeta_Init(&meta));
        CHECK_STATUS(objStore_Put(&put, obs, &meta), NATS_INVALID_ARG);
        CHECK_STATUS(objStore_Put(&put, obs, NULL), NATS_INVALID_ARG);
        CHECK_STATUS(objStore_Put(NULL, obs, &meta), NATS_INVALID_ARG);
        meta.Name = "args";
        CHECK_OK(objStore_Put(&put, obs, &meta));
        CHECK_STATUS(objStorePut_Add(put, b, 0), NATS_INVALID_ARG);
        CHECK_STATUS(objStorePut_Add(put, NULL, 3), NATS_INVALID_ARG);
        CHECK_STATUS(objStorePut_Add(put, b, -1), NATS_INVALID_ARG);
        CHECK_OK(objStorePut_Add(put, NULL, 0));
        CHECK_STATUS(objStorePut_Complete(NULL, put, -1), NATS_INVALID_ARG);
        CHECK_OK(objStorePut_Complete(NULL, put, 5000));
        objStorePut_Destroy(put);
        objStorePut_Destroy(NULL);
        CHECK_OK(objStore_Get(&get, obs, "odd", NULL));
        CHECK_STATUS(objStoreGet_Read(&done, &data, &len, get, 0), NATS_INVALID_ARG);
        CHECK_STATUS(objStoreGet_ReadAll(&data, &len, get, 0), NATS_INVALID_ARG);
        CHECK_STATUS(objStoreGet_Read(NULL, &data, &len, get, 10), NATS_INVALID_ARG);
        CHECK_STATUS(objStoreGet_Info(NULL, get), NATS_INVALID_ARG);
        objStoreGet_Destroy(get);
        objStoreGet_Destroy(NULL);
        get = NULL;
        CHECK_STATUS(objStore_Get(&get, obs, "", NULL), NATS_INVALID_ARG);
        CHECK_STATUS(objStore_PutFile(NULL, obs, ""), NATS_INVALID_ARG);
        CHECK_STATUS(objStore_PutFile(NULL, obs, "/no/such/file"), NATS_ERR);
        CHECK_STATUS(objStore_GetFile(obs, "odd", NULL, NULL), NATS_INVALID_ARG);
    }
    free(b);
}

static void
headers_and_replacing(objStore *obs)
{
    objStoreMeta meta;
    objStoreInfo *info = NULL;
    objStoreGet *get = NULL;
    const objStoreInfo *lent = NULL;
    natsHeader *h = NULL;
    const char *v = NULL;
    char *str = NULL;
    char *b = pattern(1000);
    static const int all[] = {1000, 0};
    uint64_t before;

    CHECK_OK(natsHeader_New(&h));
    CHECK_OK(natsHeader_Set(h, "X-Kind", "firmware"));
    CHECK_OK(objStoreMeta_Init(&meta));
    meta.Name = "with headers";
    meta.Description = "described";
    meta.Headers = h;
    {
        objStorePut *put = NULL;
        CHECK_OK(objStore_Put(&put, obs, &meta));
        CHECK_OK(objStorePut_Add(put, "hello", 5));
        CHECK_OK(objStorePut_Complete(NULL, put, 0));
        objStorePut_Destroy(put);
    }
    natsHeader_Destroy(h);
    CHECK_OK(objStore_Get(&get, obs, "with headers", NULL));
    CHECK_OK(objStoreGet_Info(&lent, get));
    CHECK(lent->Meta.Headers != NULL, "headers stored");
    CHECK_OK(natsHeader_Get(lent->Meta.Headers, "X-Kind", &v));
    CHECK(strcmp(v, "firmware") == 0, v);
    CHECK(strcmp(lent->Meta.Description, "described") == 0, "description");
    objStoreGet_Destroy(get);

    /* A put over a name leaves only the new chunks and info. */
    before = stream_msgs("OBJ_data");
    info = put_in_pieces(obs, "again", 100, b, 1000, all);
    CHECK(info->Chunks == 10, "ten chunks");
    objStoreInfo_Destroy(info);
    CHECK(stream_msgs("OBJ_data") == before + 11, "chunks and info");
    CHECK_OK(objStore_PutString(NULL, obs, "again", "v2"));
    CHECK(stream_msgs("OBJ_data") == before + 2, "old chunks purged");
    CHECK_OK(objStore_GetString(&str, obs, "again", NULL));
    CHECK(strcmp(str, "v2") == 0, str);
    free(str);

    /* A put given up (destroyed before complete) leaves nothing. */
    before = stream_msgs("OBJ_data");
    {
        objStorePut *put = NULL;
        CHECK_OK(objStoreMeta_Init(&meta));
        meta.Name = "given up";
        meta.Opts.ChunkSize = 100;
        CHECK_OK(objStore_Put(&put, obs, &meta));
        CHECK_OK(objStorePut_Add(put, b, 1000));
        objStorePut_Destroy(put);
    }
    CHECK(stream_msgs("OBJ_data") == before, "chunks purged");
    CHECK_STATUS(objStore_GetInfo(&info, obs, "given up", NULL), NATS_NOT_FOUND);
    free(b);
}

static void
corrupt_deleted_links(objStore *obs)
{
    objStoreInfo *info = NULL;
    objStoreInfo *linfo = NULL;
    jsPubAck *pa = NULL;
    char subj[256];
    char forged[100];
    char *str = NULL;
    void *data = NULL;
    int len = 0;
    natsStatus le = NATS_OK;
    const char *txt;
    char *b = pattern(500);
    static const int all[] = {500, 0};
    uint64_t first = stream_last_seq("OBJ_data") + 1;

    /* Overwrite the third of five chunks: remove it, store other bytes. */
    info = put_in_pieces(obs, "corrupt", 100, b, 500, all);
    CHECK(info->Chunks == 5, "five chunks");
    CHECK_OK(js_DeleteMsg(js, "OBJ_data", first + 2, NULL, NULL));
    memset(forged, 0xAA, sizeof(forged));
    snprintf(subj, sizeof(subj), "$O.data.C.%s", info->NUID);
    CHECK_OK(js_Publish(&pa, js, subj, forged, (int) sizeof(forged), NULL, NULL));
    jsPubAck_Destroy(pa);
    objStoreInfo_Destroy(info);
    CHECK_STATUS(objStore_GetBytes(&data, &len, obs, "corrupt", NULL), NATS_ERR);
    CHECK(data == NULL && len == 0, "no data for a corrupt object");
    txt = nats_GetLastError(&le);
    CHECK(txt != NULL && strstr(txt, "digests do not match") != NULL, "digest mismatch");
    snprintf(subj, sizeof(subj), "/tmp/objstore_data_corrupt_%d.bin", (int) getpid());
    CHECK_STATUS(objStore_GetFile(obs, "corrupt", subj, NULL), NATS_ERR);
    CHECK(access(subj, F_OK) != 0, "no file of a corrupt object");

    /* Deleted: not found, with no last error. */
    CHECK_OK(objStore_PutString(NULL, obs, "gone", "soon"));
    CHECK_OK(objStore_Delete(obs, "gone"));
    CHECK_STATUS(objStore_GetString(&str, obs, "gone", NULL), NATS_NOT_FOUND);
    CHECK(nats_GetLastError(NULL) == NULL, "not found records no error");
    CHECK_STATUS(objStore_GetString(&str, obs, "never", NULL), NATS_NOT_FOUND);

    /* Links are followed. */
    CHECK_OK(objStore_PutString(&info, obs, "target", "linked"));
    CHECK_OK(objStore_AddLink(&linfo, obs, "link", info));
    CHECK_OK(objStore_GetString(&str, obs, "link", NULL));
    CHECK(strcmp(str, "linked") == 0, str);
    free(str);
    objStoreInfo_Destroy(linfo);
    objStoreInfo_Destroy(info);
    free(b);
}

static void
big_files(objStore *obs)
{
    int mib = getenv("NATS_RS_UNDER_VALGRIND") != NULL ? 4 : 64;
    char in[64], out[64];
    char *block = pattern(1 << 20);
    char *back = (char *) malloc(1 << 20);
    objStoreInfo *info = NULL;
    FILE *f;
    int i;
    long rss0, rss1, rss2, hwm;
    int64_t t0, t1, t2;

    CHECK(back != NULL, "malloc");
    /* Each run (the modes run side by side) has its own files. */
    snprintf(in, sizeof(in), "/tmp/objstore_data_in_%d.bin", (int) getpid());
    snprintf(out, sizeof(out), "/tmp/objstore_data_out_%d.bin", (int) getpid());
    f = fopen(in, "w");
    CHECK(f != NULL, "create the input file");
    for (i = 0; i < mib; i++) {
        block[0] = (char) i;
        CHECK(fwrite(block, 1, 1 << 20, f) == (size_t) (1 << 20), "write");
    }
    fclose(f);

    rss0 = status_kb("VmRSS:");
    t0 = test_now_ms();
    CHECK_OK(objStore_PutFile(&info, obs, in));
    t1 = test_now_ms();
    rss1 = status_kb("VmRSS:");
    CHECK(info->Size == (uint64_t) mib << 20, "file size");
    CHECK(info->Chunks == (uint32_t) mib * 8, "128 KiB chunks");
    CHECK(strcmp(info->Meta.Name, in) == 0, "named after the file");
    objStoreInfo_Destroy(info);
    CHECK_OK(objStore_GetFile(obs, in, out, NULL));
    t2 = test_now_ms();
    rss2 = status_kb("VmRSS:");
    hwm = status_kb("VmHWM:");
    printf("%d MiB put: %lld ms, RSS %ld -> %ld KiB (+%ld KiB)\n", mib, (long long) (t1 - t0),
           rss0, rss1, rss1 - rss0);
    printf("%d MiB get: %lld ms, RSS -> %ld KiB (+%ld KiB), peak %ld KiB (+%ld KiB)\n", mib,
           (long long) (t2 - t1), rss2, rss2 - rss0, hwm, hwm - rss0);

    f = fopen(out, "r");
    CHECK(f != NULL, "the output file");
    for (i = 0; i < mib; i++) {
        block[0] = (char) i;
        CHECK(fread(back, 1, 1 << 20, f) == (size_t) (1 << 20), "read");
        CHECK(memcmp(back, block, 1 << 20) == 0, "same bytes");
    }
    CHECK(fread(back, 1, 1, f) == 0, "same length");
    fclose(f);
    remove(in);
    remove(out);
    free(block);
    free(back);
}

int
main(int argc, char **argv)
{
    natsConnection *nc = NULL;
    objStore *obs = NULL;
    objStoreConfig cfg;

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    CHECK_OK(objStoreConfig_Init(&cfg));
    cfg.Bucket = "data";
    cfg.Storage = js_FileStorage;
    CHECK_OK(js_CreateObjectStore(&obs, js, &cfg));

    small_objects(obs);
    headers_and_replacing(obs);
    corrupt_deleted_links(obs);
    big_files(obs);

    objStore_Destroy(obs);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    printf("ok\n");
    return 0;
}
