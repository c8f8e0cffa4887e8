//! pubsub.zig: the nats.c API from Zig. Connects to the URL given as the
//! first argument, subscribes twice (a synchronous subscription read with
//! natsSubscription_NextMsg, and an asynchronous one whose callback is written
//! in Zig), publishes one message to each, checks both arrive with the bytes
//! that were sent, cleans up and prints OK. Any failure exits 1.
//!
//! Written for Zig 0.17 (`.ci/ensure-zig` installs it), which has no
//! @cImport: the header is translated once and imported as a module. See
//! README.md next to this file for the commands.

const std = @import("std");
const c = @import("nats"); // zig translate-c -Iinclude -lc include/nats.h

const payload = "hello from zig";

/// Prints what failed, with the library's description of the status, and
/// exits 1.
fn fail(what: [*:0]const u8, s: c.natsStatus) noreturn {
    _ = c.fprintf(c.stderr, "%s: %s\n", what, c.natsStatus_GetText(s));
    c.nats_PrintLastErrorStack(c.stderr);
    c.exit(1);
}

fn check(what: [*:0]const u8, s: c.natsStatus) void {
    if (s != c.NATS_OK) fail(what, s);
}

/// Whether `msg` has subject `subject` and carries exactly `payload`.
fn isExpected(msg: ?*c.natsMsg, subject: []const u8) bool {
    const data = c.natsMsg_GetData(msg);
    const len: usize = @intCast(c.natsMsg_GetDataLength(msg));
    return std.mem.eql(u8, data[0..len], payload) and
        std.mem.eql(u8, std.mem.span(c.natsMsg_GetSubject(msg)), subject);
}

// Filled by the callback, which runs on a library thread: `async_ok` is
// written before `async_done` is set (release), and read after it is seen
// (acquire).
var async_ok = false;
var async_done = false;

/// The message handler: a plain C-ABI function. It owns `msg`.
fn onMsg(nc: ?*c.natsConnection, sub: ?*c.natsSubscription, msg: ?*c.natsMsg, closure: ?*anyopaque) callconv(.c) void {
    _ = nc;
    _ = sub;
    _ = closure;
    async_ok = isExpected(msg, "zig.async");
    c.natsMsg_Destroy(msg);
    @atomicStore(bool, &async_done, true, .release);
}

/// A C `main`, as in nats.c's examples: argv is the C one.
pub export fn main(argc: c_int, argv: [*c]const [*c]const u8) c_int {
    if (argc < 2) {
        _ = c.fprintf(c.stderr, "usage: %s <url>\n", argv[0]);
        return 2;
    }

    var nc: ?*c.natsConnection = null;
    var sync_sub: ?*c.natsSubscription = null;
    var async_sub: ?*c.natsSubscription = null;
    var msg: ?*c.natsMsg = null;

    check("connect", c.natsConnection_ConnectTo(&nc, argv[1]));
    check("subscribe sync", c.natsConnection_SubscribeSync(&sync_sub, nc, "zig.sync"));
    check("subscribe async", c.natsConnection_Subscribe(&async_sub, nc, "zig.async", &onMsg, null));

    // Bytes with a length, and a NUL-terminated string.
    check("publish", c.natsConnection_Publish(nc, "zig.sync", payload, payload.len));
    check("publish string", c.natsConnection_PublishString(nc, "zig.async", payload));
    check("flush", c.natsConnection_Flush(nc));

    // The synchronous subscription: wait up to 5 s for its message.
    check("next msg", c.natsSubscription_NextMsg(&msg, sync_sub, 5000));
    if (!isExpected(msg, "zig.sync")) fail("sync message differs", c.NATS_ERR);
    c.natsMsg_Destroy(msg);

    // The asynchronous one: poll for up to 5 s until the callback has run.
    var waited: i64 = 0;
    while (!@atomicLoad(bool, &async_done, .acquire)) : (waited += 10) {
        if (waited >= 5000) fail("async message", c.NATS_TIMEOUT);
        c.nats_Sleep(10);
    }
    if (!async_ok) fail("async message differs", c.NATS_ERR);

    // Destroy what we created, then release the library.
    c.natsSubscription_Destroy(sync_sub);
    c.natsSubscription_Destroy(async_sub);
    c.natsConnection_Destroy(nc);
    c.nats_Close();

    _ = c.printf("OK\n");
    return 0;
}
