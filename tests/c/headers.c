/*
 * headers: build a message with natsMsg_Create and natsMsgHeader_Set/Add/
 * Delete, publish it with natsConnection_PublishMsg, and read every header
 * back on the receiving side with Get/Values/Keys. Arrays returned by Values
 * and Keys are freed with free(); the strings in them belong to the message.
 */
#include <nats.h>
#include "check.h"

/* nats.c 3.4.1 mis-parses a header line with an empty value (fixed later,
 * 3.14 handles it); only check empty values against a 3.14 header. */
#if NATS_VERSION_NUMBER >= 0x030E00
#define HAVE_EMPTY_VALUES 1
#else
#define HAVE_EMPTY_VALUES 0
#endif

static int
contains(const char **arr, int n, const char *s)
{
    int i;
    for (i = 0; i < n; i++)
        if (strcmp(arr[i], s) == 0)
            return 1;
    return 0;
}

int
main(int argc, char **argv)
{
    natsConnection   *nc = NULL;
    natsSubscription *sub = NULL;
    natsMsg          *out = NULL, *in = NULL, *plain = NULL;
    const char       *val = NULL;
    const char      **vals = NULL;
    const char      **keys = NULL;
    int               n = 0;

    CHECK_OK(natsConnection_ConnectTo(&nc, test_url(argc, argv)));
    CHECK_OK(natsConnection_HasHeaderSupport(nc));
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "hdr.test"));
    CHECK_OK(natsConnection_Flush(nc));

    CHECK_OK(natsMsg_Create(&out, "hdr.test", NULL, "body", 4));
    /* no headers yet */
    CHECK_STATUS(natsMsgHeader_Get(out, "Single", &val), NATS_NOT_FOUND);
    CHECK_STATUS(natsMsgHeader_Keys(out, &keys, &n), NATS_NOT_FOUND);

    CHECK_OK(natsMsgHeader_Set(out, "Single", "one"));
    CHECK_OK(natsMsgHeader_Set(out, "Single", "replaced"));     /* Set replaces */
    CHECK_OK(natsMsgHeader_Add(out, "Multi", "first"));
    CHECK_OK(natsMsgHeader_Add(out, "Multi", "second"));        /* Add appends */
#if HAVE_EMPTY_VALUES
    CHECK_OK(natsMsgHeader_Set(out, "Empty-Value", ""));
#endif
    CHECK_OK(natsMsgHeader_Set(out, "Gone", "soon"));
    CHECK_OK(natsMsgHeader_Delete(out, "Gone"));
    CHECK_STATUS(natsMsgHeader_Get(out, "Gone", &val), NATS_NOT_FOUND);
    CHECK_STATUS(natsMsgHeader_Delete(out, "Gone"), NATS_NOT_FOUND);

    /* sender side view */
    CHECK_OK(natsMsgHeader_Get(out, "Single", &val));
    CHECK(strcmp(val, "replaced") == 0, "Set replaces the value");
    CHECK_OK(natsMsgHeader_Get(out, "Multi", &val));
    CHECK(strcmp(val, "first") == 0, "Get returns the first value");

    CHECK_OK(natsConnection_PublishMsg(nc, out));
    natsMsg_Destroy(out);

    CHECK_OK(natsSubscription_NextMsg(&in, sub, 10000));
    CHECK(natsMsg_GetDataLength(in) == 4, "body length (headers are not data)");
    CHECK(strcmp(natsMsg_GetData(in), "body") == 0, "body bytes");

    CHECK_OK(natsMsgHeader_Get(in, "Single", &val));
    CHECK(strcmp(val, "replaced") == 0, "received Single");
#if HAVE_EMPTY_VALUES
    CHECK_OK(natsMsgHeader_Get(in, "Empty-Value", &val));
    CHECK(val != NULL && val[0] == '\0', "received empty value");
#endif
    /* keys are case sensitive */
    CHECK_STATUS(natsMsgHeader_Get(in, "single", &val), NATS_NOT_FOUND);
    CHECK_STATUS(natsMsgHeader_Get(in, "Gone", &val), NATS_NOT_FOUND);

    CHECK_OK(natsMsgHeader_Values(in, "Multi", &vals, &n));
    CHECK(n == 2, "two values for Multi");
    CHECK(strcmp(vals[0], "first") == 0 && strcmp(vals[1], "second") == 0,
          "values in the order they were added");
    free((void *) vals);

    CHECK_OK(natsMsgHeader_Values(in, "Single", &vals, &n));
    CHECK(n == 1 && strcmp(vals[0], "replaced") == 0, "one value for Single");
    free((void *) vals);
    CHECK_STATUS(natsMsgHeader_Values(in, "Nope", &vals, &n), NATS_NOT_FOUND);

    CHECK_OK(natsMsgHeader_Keys(in, &keys, &n));
    CHECK(n == 2 + HAVE_EMPTY_VALUES, "number of keys");
    CHECK(contains(keys, n, "Single") && contains(keys, n, "Multi"), "all keys present");
#if HAVE_EMPTY_VALUES
    CHECK(contains(keys, n, "Empty-Value"), "key with an empty value present");
#endif
    free((void *) keys);

    /* headers can be changed on a received message too */
    CHECK_OK(natsMsgHeader_Delete(in, "Multi"));
    CHECK_OK(natsMsgHeader_Keys(in, &keys, &n));
    CHECK(n == 1 + HAVE_EMPTY_VALUES, "one key fewer after delete");
    CHECK(!contains(keys, n, "Multi"), "deleted key is gone");
    free((void *) keys);
    natsMsg_Destroy(in);

    /* a message published without headers has none */
    CHECK_OK(natsConnection_PublishString(nc, "hdr.test", "plain"));
    CHECK_OK(natsSubscription_NextMsg(&plain, sub, 10000));
    CHECK_STATUS(natsMsgHeader_Keys(plain, &keys, &n), NATS_NOT_FOUND);
    CHECK_STATUS(natsMsgHeader_Get(plain, "Single", &val), NATS_NOT_FOUND);
    natsMsg_Destroy(plain);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    nats_Close();
    TEST_PASS("headers");
    return 0;
}
