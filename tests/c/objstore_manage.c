// server-config: jetstream: enabled
// modes: c cxx valgrind
/*
 * objstore_manage: an object store's management through nats.c 3.14's C
 * API (nats.c 3.4.1 has no object store, so no natsc mode). A store is
 * created (again with the same config: opened), opened, listed by name
 * and status; objects written as ADR-20 lays them out (a chunk, then the
 * info with a rollup: this program does not depend on the put code) read
 * back field by field, names with spaces and unicode included; their meta
 * is updated (headers, metadata, a rename); a watcher sees the current
 * infos, the NULL marker, then a meta update and a delete in order;
 * List shows deleted objects only when asked; links go to objects and
 * buckets, never to a link or a deleted object; a sealed store refuses
 * changes; the store is deleted. "Not found" comes without a last error.
 */
#include <nats.h>
#include "check.h"

#define LONG 10000
#define SHORT 300

static int
str_is(const char *got, const char *want)
{
    return got != NULL && strcmp(got, want) == 0;
}

#define CHECK_QUIET_NOT_FOUND(expr)                                           \
    do {                                                                      \
        CHECK_STATUS((expr), NATS_NOT_FOUND);                                 \
        CHECK(nats_GetLastError(NULL) == NULL, "not found records no error"); \
    } while (0)

/* Writes object `name` (its info subject's last token is `enc`, the name
 * in base64url) holding `data`, as a put lays it out. */
static natsStatus
put_object(jsCtx *js, const char *bucket, const char *name, const char *enc,
           const char *nuid, const char *data)
{
    char       subj[256], json[1024];
    natsMsg   *m = NULL;
    natsStatus s;

    snprintf(subj, sizeof(subj), "$O.%s.C.%s", bucket, nuid);
    s = js_Publish(NULL, js, subj, data, (int) strlen(data), NULL, NULL);
    if (s != NATS_OK)
        return s;
    snprintf(subj, sizeof(subj), "$O.%s.M.%s", bucket, enc);
    snprintf(json, sizeof(json),
             "{\"name\":\"%s\",\"options\":{},\"bucket\":\"%s\",\"nuid\":\"%s\","
             "\"size\":%d,\"chunks\":1,\"digest\":\"SHA-256=x\"}",
             name, bucket, nuid, (int) strlen(data));
    CHECK_OK(natsMsg_Create(&m, subj, NULL, json, (int) strlen(json)));
    CHECK_OK(natsMsgHeader_Set(m, "Nats-Rollup", "sub"));
    s = js_PublishMsg(NULL, js, m, NULL, NULL);
    natsMsg_Destroy(m);
    return s;
}

static void
stores(jsCtx *js)
{
    objStoreConfig        cfg;
    objStore             *obs = NULL;
    objStoreNamesList    *names = NULL;
    objStoreStatusesList *sts = NULL;
    const char           *md[2] = {"team", "a"};
    int                   i, found = 0;

    CHECK_STATUS(objStoreConfig_Init(NULL), NATS_INVALID_ARG);
    CHECK_OK(objStoreConfig_Init(&cfg));
    CHECK(cfg.Bucket == NULL && cfg.TTL == 0 && cfg.Replicas == 0, "zeroed");
    cfg.Bucket = "bad.name";
    CHECK_STATUS(js_CreateObjectStore(&obs, js, &cfg), NATS_INVALID_ARG);
    CHECK_STATUS(js_CreateObjectStore(&obs, js, NULL), NATS_INVALID_ARG);
    cfg.Bucket = "other";
    cfg.Description = "the other store";
    cfg.Storage = js_MemoryStorage;
    cfg.TTL = 3600 * 1000; /* milliseconds */
    cfg.Metadata.List = md;
    cfg.Metadata.Count = 1;
    CHECK_OK(js_CreateObjectStore(&obs, js, &cfg));
    objStore_Destroy(obs);
    obs = NULL;
    /* The same configuration again opens it. */
    CHECK_OK(js_CreateObjectStore(&obs, js, &cfg));
    objStore_Destroy(obs);
    obs = NULL;
    CHECK_OK(js_ObjectStore(&obs, js, "other"));
    objStore_Destroy(obs);
    obs = NULL;
    CHECK_QUIET_NOT_FOUND(js_ObjectStore(&obs, js, "nope"));
    CHECK(obs == NULL, "no store");
    CHECK_STATUS(js_ObjectStore(&obs, js, "bad name"), NATS_INVALID_ARG);
    cfg.Bucket = "nope";
    CHECK_QUIET_NOT_FOUND(js_UpdateObjectStore(&obs, js, &cfg));

    CHECK_OK(js_ObjectStoreNames(&names, js));
    CHECK(names->Count == 2, "two stores");
    for (i = 0; i < names->Count; i++)
        found += str_is(names->List[i], "other") + str_is(names->List[i], "files");
    CHECK(found == 2, "their names");
    objStoreNamesList_Destroy(names);

    CHECK_OK(js_ObjectStoreStatuses(&sts, js));
    CHECK(sts->Count == 2, "two statuses");
    for (i = 0; i < sts->Count; i++) {
        objStoreStatus *st = sts->List[i];
        if (!str_is(st->Bucket, "other"))
            continue;
        CHECK(str_is(st->Description, "the other store"), "description");
        CHECK(st->TTL == 3600 * 1000, "TTL in milliseconds");
        CHECK(st->Storage == js_MemoryStorage && st->Replicas == 1, "storage");
        CHECK(str_is(st->BackingStore, "JetStream"), "backing store");
        CHECK(st->Metadata.Count >= 1, "metadata");
        CHECK(st->StreamInfo != NULL && str_is(st->StreamInfo->Config->Name, "OBJ_other"),
              "stream info");
    }
    objStoreStatusesList_Destroy(sts);

    CHECK_OK(js_DeleteObjectStore(js, "other"));
    CHECK_QUIET_NOT_FOUND(js_DeleteObjectStore(js, "other"));
}

static void
infos_and_meta(jsCtx *js, objStore *obs)
{
    objStoreInfo   *info = NULL;
    objStoreMeta    meta;
    objStoreOptions so;
    natsHeader     *h = NULL;
    const char    **vals = NULL;
    const char     *md[2] = {"lang", "fr"};
    int             n = 0;

    CHECK_OK(put_object(js, "files", "a b \xc3\xbc", "YSBiIMO8", "NUID1", "hello"));
    CHECK_OK(objStore_GetInfo(&info, obs, "a b \xc3\xbc", NULL));
    CHECK(str_is(info->Meta.Name, "a b \xc3\xbc"), "name with a space and unicode");
    CHECK(str_is(info->Bucket, "files") && str_is(info->NUID, "NUID1"), "bucket, nuid");
    CHECK(info->Size == 5 && info->Chunks == 1 && !info->Deleted, "size, chunks");
    CHECK(str_is(info->Digest, "SHA-256=x"), "digest");
    CHECK(info->ModTime > 0, "the info message's time");
    CHECK(info->Meta.Description == NULL && info->Meta.Headers == NULL, "nothing else");
    CHECK(info->Meta.Opts.Link == NULL, "not a link");
    objStoreInfo_Destroy(info);
    info = NULL;
    CHECK_QUIET_NOT_FOUND(objStore_GetInfo(&info, obs, "missing", NULL));
    CHECK_STATUS(objStore_GetInfo(&info, obs, "", NULL), NATS_INVALID_ARG);
    CHECK_STATUS(objStore_GetInfo(NULL, obs, "x", NULL), NATS_INVALID_ARG);

    /* Meta update: description, headers, metadata; the data stays. */
    CHECK_STATUS(objStoreMeta_Init(NULL), NATS_INVALID_ARG);
    CHECK_OK(objStoreMeta_Init(&meta));
    CHECK_OK(natsHeader_New(&h));
    CHECK_OK(natsHeader_Add(h, "X-Tag", "one"));
    CHECK_OK(natsHeader_Add(h, "X-Tag", "two"));
    meta.Name = "a b \xc3\xbc";
    meta.Description = "un fichier";
    meta.Headers = h;
    meta.Metadata.List = md;
    meta.Metadata.Count = 1;
    CHECK_OK(objStore_UpdateMeta(obs, "a b \xc3\xbc", &meta));
    CHECK_OK(objStore_GetInfo(&info, obs, "a b \xc3\xbc", NULL));
    CHECK(str_is(info->Meta.Description, "un fichier") && info->Size == 5, "updated");
    CHECK(info->Meta.Headers != NULL, "headers");
    CHECK_OK(natsHeader_Values(info->Meta.Headers, "X-Tag", &vals, &n));
    CHECK(n == 2 && str_is(vals[0], "one") && str_is(vals[1], "two"), "header values");
    free((void *) vals);
    CHECK(info->Meta.Metadata.Count == 1 && str_is(info->Meta.Metadata.List[0], "lang") &&
              str_is(info->Meta.Metadata.List[1], "fr"),
          "metadata");
    objStoreInfo_Destroy(info);
    info = NULL;

    /* Rename: not onto an existing object; onto a new name it moves. */
    CHECK_OK(put_object(js, "files", "plain", "cGxhaW4=", "NUID2", "x"));
    meta.Name = "plain";
    CHECK_STATUS(objStore_UpdateMeta(obs, "a b \xc3\xbc", &meta), NATS_ILLEGAL_STATE);
    meta.Name = "new one";
    CHECK_OK(objStore_UpdateMeta(obs, "a b \xc3\xbc", &meta));
    objStoreOptions_Init(&so);
    so.ShowDeleted = true;
    CHECK_QUIET_NOT_FOUND(objStore_GetInfo(&info, obs, "a b \xc3\xbc", &so));
    CHECK_OK(objStore_GetInfo(&info, obs, "new one", NULL));
    CHECK(info->Size == 5 && str_is(info->NUID, "NUID1"), "moved");
    objStoreInfo_Destroy(info);
    natsHeader_Destroy(h);
    meta.Headers = NULL;
    CHECK_STATUS(objStore_UpdateMeta(obs, "missing", &meta), NATS_ILLEGAL_STATE);
    CHECK_STATUS(objStore_UpdateMeta(obs, "new one", NULL), NATS_INVALID_ARG);
}

static void
watch_and_list(jsCtx *js, objStore *obs)
{
    objStoreWatcher     *w = NULL;
    objStoreWatchOptions wo;
    objStoreInfo        *info = NULL;
    objStoreInfoList    *list = NULL;
    objStoreOptions      so;
    objStoreMeta         meta;

    /* The current infos, the marker, then each change in order. */
    CHECK_OK(objStore_Watch(&w, obs, NULL));
    CHECK_OK(objStoreWatcher_Next(&info, w, LONG));
    CHECK(info != NULL && str_is(info->Meta.Name, "plain"), "plain first");
    objStoreInfo_Destroy(info);
    CHECK_OK(objStoreWatcher_Next(&info, w, LONG));
    CHECK(info != NULL && str_is(info->Meta.Name, "new one"), "then the renamed one");
    objStoreInfo_Destroy(info);
    CHECK_OK(objStoreWatcher_Next(&info, w, LONG));
    CHECK(info == NULL, "the marker");
    CHECK_STATUS(objStoreWatcher_Next(&info, w, SHORT), NATS_TIMEOUT);
    CHECK_STATUS(objStoreWatcher_Next(&info, w, 0), NATS_INVALID_ARG);

    objStoreMeta_Init(&meta);
    meta.Name = "plain";
    meta.Description = "changed";
    CHECK_OK(objStore_UpdateMeta(obs, "plain", &meta));
    CHECK_OK(objStore_Delete(obs, "plain"));
    CHECK_OK(objStoreWatcher_Next(&info, w, LONG));
    CHECK(info != NULL && str_is(info->Meta.Description, "changed"), "the update");
    objStoreInfo_Destroy(info);
    CHECK_OK(objStoreWatcher_Next(&info, w, LONG));
    CHECK(info != NULL && info->Deleted && str_is(info->Meta.Name, "plain"), "the delete");
    CHECK(info->Size == 0 && info->Chunks == 0 && info->Digest == NULL, "emptied");
    objStoreInfo_Destroy(info);
    CHECK_OK(objStoreWatcher_Stop(w));
    CHECK_OK(objStoreWatcher_Stop(w));
    CHECK_STATUS(objStoreWatcher_Next(&info, w, SHORT), NATS_ILLEGAL_STATE);
    objStoreWatcher_Destroy(w);
    w = NULL;
    CHECK_QUIET_NOT_FOUND(objStore_Delete(obs, "plain"));

    /* Deletes ignored, and updates only. */
    CHECK_STATUS(objStoreWatchOptions_Init(NULL), NATS_INVALID_ARG);
    objStoreWatchOptions_Init(&wo);
    wo.IgnoreDeletes = true;
    CHECK_OK(objStore_Watch(&w, obs, &wo));
    CHECK_OK(objStoreWatcher_Next(&info, w, LONG));
    CHECK(info != NULL && str_is(info->Meta.Name, "new one"), "only the live one");
    objStoreInfo_Destroy(info);
    CHECK_OK(objStoreWatcher_Next(&info, w, LONG));
    CHECK(info == NULL, "the marker");
    objStoreWatcher_Destroy(w);
    objStoreWatchOptions_Init(&wo);
    wo.UpdatesOnly = true;
    CHECK_OK(objStore_Watch(&w, obs, &wo));
    CHECK_OK(put_object(js, "files", "plain", "cGxhaW4=", "NUID3", "again"));
    CHECK_OK(objStoreWatcher_Next(&info, w, LONG));
    CHECK(info != NULL && str_is(info->Meta.Name, "plain") && info->Size == 5, "the update");
    objStoreInfo_Destroy(info);
    objStoreWatcher_Destroy(w);
    objStoreWatcher_Destroy(NULL);

    /* List: deleted objects only when asked. */
    CHECK_OK(objStore_Delete(obs, "plain"));
    CHECK_OK(objStore_List(&list, obs, NULL));
    CHECK(list->Count == 1 && str_is(list->List[0]->Meta.Name, "new one"), "one live");
    objStoreInfoList_Destroy(list);
    objStoreOptions_Init(&so);
    so.ShowDeleted = true;
    CHECK_OK(objStore_List(&list, obs, &so));
    CHECK(list->Count == 2 && list->List[1]->Deleted, "and the deleted one");
    objStoreInfoList_Destroy(list);
    objStoreInfoList_Destroy(NULL);
}

static void
links(jsCtx *js, objStore *obs)
{
    objStoreInfo   *target = NULL, *link = NULL, *deleted = NULL, *got = NULL;
    objStoreOptions so;

    CHECK_OK(objStore_GetInfo(&target, obs, "new one", NULL));
    CHECK_OK(objStore_AddLink(&link, obs, "link to it", target));
    CHECK(link->Meta.Opts.Link != NULL, "a link");
    CHECK(str_is(link->Meta.Opts.Link->Bucket, "files") &&
              str_is(link->Meta.Opts.Link->Name, "new one"),
          "to the object");
    CHECK(str_is(link->Meta.Name, "link to it") && str_is(link->Bucket, "files"), "its name");
    CHECK_OK(objStore_GetInfo(&got, obs, "link to it", NULL));
    CHECK(got->Meta.Opts.Link != NULL && str_is(got->Meta.Opts.Link->Name, "new one"),
          "stored");
    objStoreInfo_Destroy(got);
    got = NULL;

    /* Not to a link, not to a deleted object, not over an object. */
    CHECK_STATUS(objStore_AddLink(NULL, obs, "x", link), NATS_ILLEGAL_STATE);
    objStoreOptions_Init(&so);
    so.ShowDeleted = true;
    CHECK_OK(objStore_GetInfo(&deleted, obs, "plain", &so));
    CHECK(deleted->Deleted, "deleted");
    CHECK_STATUS(objStore_AddLink(NULL, obs, "x", deleted), NATS_ILLEGAL_STATE);
    CHECK_STATUS(objStore_AddLink(NULL, obs, "new one", target), NATS_ILLEGAL_STATE);
    CHECK_STATUS(objStore_AddLink(NULL, obs, "x", NULL), NATS_INVALID_ARG);

    /* A bucket link, replacing the link (NULL: no info wanted). */
    CHECK_OK(objStore_AddBucketLink(NULL, obs, "link to it", obs));
    CHECK_OK(objStore_GetInfo(&got, obs, "link to it", NULL));
    CHECK(str_is(got->Meta.Opts.Link->Bucket, "files") && got->Meta.Opts.Link->Name == NULL,
          "to the bucket");
    objStoreInfo_Destroy(got);
    CHECK_STATUS(objStore_AddBucketLink(NULL, obs, "new one", obs), NATS_ILLEGAL_STATE);
    CHECK_STATUS(objStore_AddBucketLink(NULL, obs, "y", NULL), NATS_INVALID_ARG);
    objStoreInfo_Destroy(target);
    objStoreInfo_Destroy(link);
    objStoreInfo_Destroy(deleted);
    (void) js;
}

static void
sealed(jsCtx *js, objStore *obs)
{
    objStoreStatus *st = NULL;
    objStoreMeta    meta;
    objStoreInfo   *info = NULL;

    CHECK_OK(objStore_Status(&st, obs));
    CHECK(str_is(st->Bucket, "files") && !st->Sealed, "not sealed");
    CHECK(st->Size > 0 && str_is(st->BackingStore, "JetStream"), "status");
    objStoreStatus_Destroy(st);
    CHECK_OK(objStore_Seal(obs));
    CHECK_OK(objStore_Status(&st, obs));
    CHECK(st->Sealed, "sealed");
    objStoreStatus_Destroy(st);
    objStoreStatus_Destroy(NULL);

    CHECK(put_object(js, "files", "plain", "cGxhaW4=", "NUID4", "no") != NATS_OK,
          "a sealed store refuses a put");
    objStoreMeta_Init(&meta);
    meta.Name = "new one";
    meta.Description = "no";
    CHECK(objStore_UpdateMeta(obs, "new one", &meta) != NATS_OK, "and a meta update");
    CHECK(objStore_Delete(obs, "new one") != NATS_OK, "and a delete");
    CHECK_OK(objStore_GetInfo(&info, obs, "new one", NULL));
    CHECK(info->Meta.Description == NULL || !str_is(info->Meta.Description, "no"),
          "unchanged");
    objStoreInfo_Destroy(info);
}

int
main(int argc, char **argv)
{
    natsConnection *nc = NULL;
    jsCtx          *js = NULL;
    objStore       *obs = NULL;
    objStoreConfig  cfg;
    objStoreInfoList *list = NULL;
    objStoreNamesList *names = NULL;

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    objStoreConfig_Init(&cfg);
    cfg.Bucket = "files";
    cfg.Storage = js_MemoryStorage;
    CHECK_OK(js_CreateObjectStore(&obs, js, &cfg));
    CHECK_QUIET_NOT_FOUND(objStore_List(&list, obs, NULL));

    stores(js);
    infos_and_meta(js, obs);
    watch_and_list(js, obs);
    links(js, obs);
    sealed(js, obs);

    CHECK_OK(js_DeleteObjectStore(js, "files"));
    CHECK_QUIET_NOT_FOUND(js_ObjectStoreNames(&names, js));
    CHECK(names == NULL, "no list");
    objStore_Destroy(obs);
    objStore_Destroy(NULL);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    printf("objstore_manage: ok\n");
    return 0;
}
