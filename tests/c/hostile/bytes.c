/* Prints, as hex, the bytes the C API hands out for the first message a
 * server sends on ">": subject, reply, payload and header "K". Run by
 * tests/hostile_server.rs against its fake server (argv[1] is the URL). */
#include <nats.h>
#include <stdio.h>
#include <string.h>

static void hex(const char *label, const char *p, size_t n)
{
    size_t i;
    printf("%s ", label);
    for (i = 0; i < n; i++)
        printf("%02x", (unsigned char) p[i]);
    printf("\n");
}

int main(int argc, char **argv)
{
    natsConnection   *nc  = NULL;
    natsSubscription *sub = NULL;
    natsMsg          *msg = NULL;
    const char       *v   = NULL;
    natsStatus       s;

    if (argc < 2)
        return 2;
    s = natsConnection_ConnectTo(&nc, argv[1]);
    if (s == NATS_OK)
        s = natsConnection_SubscribeSync(&sub, nc, ">");
    if (s == NATS_OK)
        s = natsSubscription_NextMsg(&msg, sub, 10000);
    if (s != NATS_OK)
    {
        printf("error %d %s\n", (int) s, nats_GetLastError(NULL));
        return 1;
    }
    hex("subject", natsMsg_GetSubject(msg), strlen(natsMsg_GetSubject(msg)));
    if (natsMsg_GetReply(msg) != NULL)
        hex("reply", natsMsg_GetReply(msg), strlen(natsMsg_GetReply(msg)));
    hex("data", natsMsg_GetData(msg), (size_t) natsMsg_GetDataLength(msg));
    s = natsMsgHeader_Get(msg, "K", &v);
    if (s == NATS_OK)
    {
        /* A C string stops at the first NUL; the bytes after it are read
         * only when the value kept it (they are then part of the value). */
        printf("K-strlen %d\n", (int) strlen(v));
        if (strlen(v) == 1)
            hex("K", v, 4);
    }
    else
        printf("K-status %d\n", (int) s);
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    nats_Close();
    return 0;
}
