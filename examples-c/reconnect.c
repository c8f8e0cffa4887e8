/*
 * reconnect: publishes once a second and prints every connection event, so
 * you can watch the client ride out a server restart.
 *
 *   reconnect [-count N] [url[,url...]] [subject]
 *   reconnect nats://127.0.0.1:4222,nats://127.0.0.1:4223 foo
 *
 * Start it, then stop and restart nats-server (or kill one member of a
 * cluster): the client reports "disconnected", keeps publishing into its
 * reconnect buffer, then reports "reconnected" and the buffered messages go
 * out, in order, followed by the new ones. With a cluster, servers the
 * cluster announces join the pool and are reported as discovered.
 * Runs for N seconds (default 30). Defaults: NATS_DEFAULT_URL, "foo".
 * Build: cc reconnect.c -I../include -L../target/release -lnats_rs -o reconnect
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nats.h>

static void
printUrl(natsConnection *nc, const char *event)
{
    char url[256] = "";

    natsConnection_GetConnectedUrl(nc, url, sizeof(url));
    printf("%-13s %s\n", event, url);
    fflush(stdout);
}

/* All these callbacks run on one library thread, one at a time, in order. */
static void
onDisconnected(natsConnection *nc, void *closure)
{
    (void) closure;
    (void) nc;
    printf("disconnected\n");
    fflush(stdout);
}

static void
onReconnected(natsConnection *nc, void *closure)
{
    (void) closure;
    printUrl(nc, "reconnected");
}

static void
onDiscovered(natsConnection *nc, void *closure)
{
    char **servers = NULL;
    int    count = 0, i;

    (void) closure;
    if (natsConnection_GetDiscoveredServers(nc, &servers, &count) != NATS_OK)
        return;
    for (i = 0; i < count; i++) {
        printf("discovered    %s\n", servers[i]);
        free(servers[i]);
    }
    free(servers);
    fflush(stdout);
}

static void
onLameDuck(natsConnection *nc, void *closure)
{
    (void) closure;
    printUrl(nc, "lame duck");
}

static void
onClosed(natsConnection *nc, void *closure)
{
    (void) nc;
    (void) closure;
    printf("closed\n");
    fflush(stdout);
}

int
main(int argc, char **argv)
{
    const char     *url = NATS_DEFAULT_URL, *subject = "foo";
    int             seconds = 30, pos = 0, i;
    natsConnection *nc = NULL;
    natsOptions    *opts = NULL;
    natsStatus      s;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-count") == 0 && i + 1 < argc)
            seconds = atoi(argv[++i]);
        else if (pos++ == 0)
            url = argv[i];
        else
            subject = argv[i];
    }

    s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, url);
    /* Try forever, every 500 ms (plus up to 100 ms of jitter so that many
     * clients don't all come back at the same instant). */
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(opts, -1);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(opts, 500);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectJitter(opts, 100, 1000);
    /* Up to 1 MB of publishes is kept while disconnected; past that,
     * publishing fails with NATS_INSUFFICIENT_BUFFER. */
    if (s == NATS_OK)
        s = natsOptions_SetReconnectBufSize(opts, 1024 * 1024);
    /* Also wait for a server that is not up yet when we start. */
    if (s == NATS_OK)
        s = natsOptions_SetRetryOnFailedConnect(opts, true, onReconnected, NULL);
    if (s == NATS_OK)
        s = natsOptions_SetDisconnectedCB(opts, onDisconnected, NULL);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectedCB(opts, onReconnected, NULL);
    if (s == NATS_OK)
        s = natsOptions_SetDiscoveredServersCB(opts, onDiscovered, NULL);
    if (s == NATS_OK)
        s = natsOptions_SetLameDuckModeCB(opts, onLameDuck, NULL);
    if (s == NATS_OK)
        s = natsOptions_SetClosedCB(opts, onClosed, NULL);

    if (s == NATS_OK)
        s = natsConnection_Connect(&nc, opts);
    if (s == NATS_NOT_YET_CONNECTED) {
        printf("no server yet, still trying\n");
        s = NATS_OK;
    } else if (s == NATS_OK) {
        printUrl(nc, "connected");
    }

    for (i = 1; (s == NATS_OK) && (i <= seconds); i++) {
        char       text[32];
        natsStatus ps;

        snprintf(text, sizeof(text), "message %d", i);
        ps = natsConnection_PublishString(nc, subject, text);
        printf("publish %-5s %s%s\n", text + 8,
               natsConnection_IsReconnecting(nc) ? "(buffered) " : "",
               ps == NATS_OK ? "" : natsStatus_GetText(ps));
        fflush(stdout);
        nats_Sleep(1000);
    }

    if (s != NATS_OK)
        fprintf(stderr, "Error: %u - %s\n", s, natsStatus_GetText(s));

    /* Destroy closes first if needed; the closed callback runs before
     * nats_CloseAndWait returns. */
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    nats_CloseAndWait(0);
    return s == NATS_OK ? 0 : 1;
}
