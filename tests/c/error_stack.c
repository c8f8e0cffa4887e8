/*
 * error_stack: nats_GetLastErrorStack names the functions a failure passed
 * through, one per line, from where it was set to the function the program
 * called; the last line is that function.
 */
#include <nats.h>
#include "check.h"

/* The thread's error stack, and how many lines it has. */
static int
stack_lines(char *buf, size_t len)
{
    int   lines = 1;
    char *p;

    CHECK_OK(nats_GetLastErrorStack(buf, len));
    CHECK(buf[0] != '\0', "the stack names at least one function");
    for (p = buf; *p != '\0'; p++)
        if (*p == '\n')
            lines++;
    return lines;
}

/* The last line of the stack. */
static const char *
last_frame(const char *buf)
{
    const char *nl = strrchr(buf, '\n');
    return nl == NULL ? buf : nl + 1;
}

int
main(int argc, char **argv)
{
    const char     *url = test_url(argc, argv);
    natsConnection *nc = NULL;
    natsMsg        *reply = NULL;
    char            stack[4096];
    int             lines;

    /* Nobody listens on port 1: the failure comes from deep in connect. */
    CHECK_STATUS(natsConnection_ConnectTo(&nc, "nats://127.0.0.1:1"), NATS_NO_SERVER);
    lines = stack_lines(stack, sizeof(stack));
    CHECK(lines >= 2, "a connect failure passes through more than one function");
    CHECK(strcmp(last_frame(stack), "natsConnection_ConnectTo") == 0,
          "the last frame is the function the program called");

    CHECK_OK(natsConnection_ConnectTo(&nc, url));
    CHECK_STATUS(natsConnection_RequestString(&reply, nc, "nobody.listens", "hi", 5000),
                 NATS_NO_RESPONDERS);
    stack_lines(stack, sizeof(stack));
    CHECK(strcmp(last_frame(stack), "natsConnection_RequestString") == 0,
          "the last frame of a failed request is the request function");

    /* Printing the stack does not fail and keeps the last error. */
    nats_PrintLastErrorStack(stderr);
    CHECK(nats_GetLastError(NULL) != NULL, "the last error is still there");

    natsConnection_Destroy(nc);
    nats_Close();
    return 0;
}
