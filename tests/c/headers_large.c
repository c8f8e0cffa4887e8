// server-config: max_payload: 8MB
/*
 * headers_large: a message with 100,000 header lines (60,000 distinct keys
 * and one key with 40,000 values) built with natsMsgHeader_Add, published,
 * and read back on the receiving side with Keys, then Get and Values for
 * every key. Any publisher may send such a message to every subscriber, so
 * each step must cost time linear in the block (nats.c takes milliseconds;
 * a client scanning the key list per line or per key takes minutes and is
 * stopped by the harness's time limit).
 */
#include <nats.h>
#include "check.h"

/* nats.c 3.4.1 mis-parses a block this large (keys run together: Key-80
 * reads back with Key-8099's value, and some keys go missing); against its
 * header only the calls are made, the results are checked against 3.14's. */
#if NATS_VERSION_NUMBER >= 0x030E00
#define EXACT 1
#else
#define EXACT 0
#endif

#define DISTINCT 60000
#define REPEATS  40000

int
main(int argc, char **argv)
{
    natsConnection   *nc = NULL;
    natsSubscription *sub = NULL;
    natsMsg          *out = NULL, *in = NULL;
    const char       *val = NULL;
    const char      **vals = NULL;
    const char      **keys = NULL;
    char             *seen = NULL;
    char              key[32], want[32];
    int               n = 0, nvals = 0, i, idx;

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "hdr.large"));
    CHECK_OK(natsConnection_Flush(nc));

    CHECK_OK(natsMsg_Create(&out, "hdr.large", NULL, "body", 4));
    for (i = 0; i < DISTINCT; i++)
    {
        snprintf(key, sizeof(key), "Key-%d", i);
        snprintf(want, sizeof(want), "v%d", i);
        CHECK_OK(natsMsgHeader_Add(out, key, want));
        if (i < REPEATS)
        {
            snprintf(want, sizeof(want), "%d", i);
            CHECK_OK(natsMsgHeader_Add(out, "Multi", want));
        }
    }
    CHECK_OK(natsConnection_PublishMsg(nc, out));
    natsMsg_Destroy(out);

    CHECK_OK(natsSubscription_NextMsg(&in, sub, 30000));
    CHECK(natsMsg_GetDataLength(in) == 4, "body length");

    CHECK_OK(natsMsgHeader_Keys(in, &keys, &n));
    CHECK(n > 0 && (!EXACT || n == DISTINCT + 1), "every distinct key listed once");
    seen = (char *) calloc(DISTINCT, 1);
    CHECK(seen != NULL, "calloc");
    for (i = 0; i < n; i++)
    {
        if (strcmp(keys[i], "Multi") == 0)
            continue;
        CHECK(sscanf(keys[i], "Key-%d", &idx) == 1 && idx >= 0 && idx < DISTINCT,
              "a key that was sent");
        CHECK(!seen[idx], "no key listed twice");
        seen[idx] = 1;

        snprintf(want, sizeof(want), "v%d", idx);
        CHECK_OK(natsMsgHeader_Get(in, keys[i], &val));
        CHECK(!EXACT || strcmp(val, want) == 0, "Get returns the key's value");
        CHECK_OK(natsMsgHeader_Values(in, keys[i], &vals, &nvals));
        CHECK(!EXACT || (nvals == 1 && strcmp(vals[0], want) == 0),
              "one value per distinct key");
        free((void *) vals);
    }
    free(seen);
    free((void *) keys);

    CHECK_OK(natsMsgHeader_Values(in, "Multi", &vals, &nvals));
    CHECK(!EXACT || nvals == REPEATS, "every value of the repeated key");
    for (i = 0; EXACT && i < nvals; i++)
    {
        snprintf(want, sizeof(want), "%d", i);
        CHECK(strcmp(vals[i], want) == 0, "values in the order they were added");
    }
    free((void *) vals);
    natsMsg_Destroy(in);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    nats_Close();
    TEST_PASS("headers_large");
    return 0;
}
