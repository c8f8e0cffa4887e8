#!/usr/bin/env python3
"""JetStream wire interop between the nats.c API (through ctypes) and nats-py.

One program drives both clients against one nats-server with JetStream:
the C library (libnats_rs.so, or any nats.c build) through ctypes, blocking
calls run on a worker thread; nats-py through asyncio. Scenarios:

  a  nats-py creates a stream and publishes 50 messages (binary payloads
     with NUL bytes, one empty, one of 256 KiB, all with headers); the C
     library reads them with a durable pull consumer (js_PullSubscribe,
     natsSubscription_Fetch), checks bytes, headers and metadata, and acks
     them (the last with natsMsg_AckSync); nats-py's consumer info then
     shows all 50 delivered and acknowledged.
  b  the C library publishes 20 messages (js_Publish without headers,
     js_PublishMsg with headers and Nats-Msg-Id) and one with a repeated
     Nats-Msg-Id, which must come back as a duplicate; nats-py sees 20
     stored messages and reads them back through a pull subscription.
  c  nats-py creates a durable push consumer with a deliver subject; the
     C library binds to it (js_SubscribeSync, jsSubOptions Stream and
     Consumer), reads with natsSubscription_NextMsg and acks; nats-py sees
     them acknowledged.

Prints one line per scenario and `OK` at the end; any failure exits 1.

Usage: js_interop.py [--lib LIB] [--scenarios abc] URL
  LIB defaults to $NATS_RS_LIB; URL is e.g. nats://127.0.0.1:4222.
  Needs nats-py (.ci/ensure-nats-py prints a python that has it).
"""

import argparse
import asyncio
import ctypes
import os
import sys
import time

import nats
from nats.js import api

NATS_OK = 0
NATS_NOT_FOUND = 13
NATS_TIMEOUT = 26

# Generous bounds against hangs only; nothing here is timed.
WAIT_S = 15

P = ctypes.c_void_p
PP = ctypes.POINTER(ctypes.c_void_p)
S = ctypes.c_char_p
I = ctypes.c_int
ERR = ctypes.POINTER(ctypes.c_int)  # jsErrCode*


class jsSequencePair(ctypes.Structure):
    _fields_ = [("Consumer", ctypes.c_uint64), ("Stream", ctypes.c_uint64)]


class jsMsgMetaData(ctypes.Structure):
    # Same layout in nats.c 3.4.1 and 3.14 (64 bytes).
    _fields_ = [
        ("Sequence", jsSequencePair),
        ("NumDelivered", ctypes.c_uint64),
        ("NumPending", ctypes.c_uint64),
        ("Timestamp", ctypes.c_int64),
        ("Stream", S),
        ("Consumer", S),
        ("Domain", S),
    ]


class jsPubAck(ctypes.Structure):
    # Only the leading fields, common to 3.4.1 and 3.14 (which adds Batch,
    # Count and Value after them); read through a pointer, never allocated.
    _fields_ = [
        ("Stream", S),
        ("Sequence", ctypes.c_uint64),
        ("Domain", S),
        ("Duplicate", ctypes.c_bool),
    ]


class natsMsgList(ctypes.Structure):
    _fields_ = [("Msgs", ctypes.POINTER(P)), ("Count", I)]


# jsSubOptions is 264 bytes in 3.4.1 and 336 in 3.14; Stream and Consumer
# are its first two pointers in both. A larger zeroed buffer initialised by
# the library's own jsSubOptions_Init fits either.
SUB_OPTIONS_BUF = 1024
SUB_OPTIONS_STREAM_OFF = 0
SUB_OPTIONS_CONSUMER_OFF = 8


def load(path):
    """Loads the library and declares the functions used here."""
    lib = ctypes.CDLL(path)
    sigs = {
        "natsConnection_ConnectTo": (I, [PP, S]),
        "natsConnection_Destroy": (None, [P]),
        "natsConnection_JetStream": (I, [PP, P, P]),
        "jsCtx_Destroy": (None, [P]),
        "js_PullSubscribe": (I, [PP, P, S, S, P, P, ERR]),
        "js_SubscribeSync": (I, [PP, P, S, P, P, ERR]),
        "jsSubOptions_Init": (I, [P]),
        "natsSubscription_Fetch": (
            I,
            [ctypes.POINTER(natsMsgList), P, I, ctypes.c_int64, ERR],
        ),
        "natsSubscription_NextMsg": (I, [PP, P, ctypes.c_int64]),
        "natsSubscription_Destroy": (None, [P]),
        "natsMsgList_Destroy": (None, [ctypes.POINTER(natsMsgList)]),
        "js_Publish": (I, [ctypes.POINTER(P), P, S, P, I, P, ERR]),
        "js_PublishMsg": (I, [ctypes.POINTER(P), P, P, P, ERR]),
        "jsPubAck_Destroy": (None, [P]),
        "natsMsg_Create": (I, [PP, S, S, P, I]),
        "natsMsg_Destroy": (None, [P]),
        "natsMsg_GetSubject": (S, [P]),
        # GetData is NUL-terminated but may hold NULs: read it by length.
        "natsMsg_GetData": (P, [P]),
        "natsMsg_GetDataLength": (I, [P]),
        "natsMsgHeader_Set": (I, [P, S, S]),
        "natsMsgHeader_Get": (I, [P, S, ctypes.POINTER(S)]),
        "natsMsg_GetMetaData": (I, [ctypes.POINTER(P), P]),
        "jsMsgMetaData_Destroy": (None, [P]),
        "natsMsg_Ack": (I, [P, P]),
        "natsMsg_AckSync": (I, [P, P, ERR]),
        "natsStatus_GetText": (S, [I]),
        "nats_GetLastError": (S, [ctypes.POINTER(I)]),
        "nats_Close": (None, []),
    }
    for name, (res, args) in sigs.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            # A scenario that needs it fails saying so; the others still run.
            setattr(lib, name, _missing(path, name))
            continue
        fn.restype, fn.argtypes = res, args
    return lib


def _missing(path, name):
    def call(*_args):
        raise Fail(f"{path} has no {name}")

    return call


class Fail(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Fail(what)


class C:
    """The nats.c side: one connection and JetStream context."""

    def __init__(self, lib, url):
        self.lib = lib
        self.nc = P()
        self.js = P()
        self.check("connect", lib.natsConnection_ConnectTo(ctypes.byref(self.nc), url.encode()))
        self.check("JetStream", lib.natsConnection_JetStream(ctypes.byref(self.js), self.nc, None))

    def check(self, what, status, err=None):
        if status != NATS_OK:
            st = I()
            last = self.lib.nats_GetLastError(ctypes.byref(st)) or b""
            text = self.lib.natsStatus_GetText(status).decode()
            code = f", jsErrCode {err.value}" if err is not None else ""
            raise Fail(f"{what}: {text} ({status}{code}): {last.decode(errors='replace')}")

    def close(self):
        self.lib.jsCtx_Destroy(self.js)
        self.lib.natsConnection_Destroy(self.nc)

    # Message accessors.

    def data(self, msg):
        n = self.lib.natsMsg_GetDataLength(msg)
        if n == 0:
            return b""
        return ctypes.string_at(self.lib.natsMsg_GetData(msg), n)

    def header(self, msg, key):
        """The first value of `key`, or None when the message has none."""
        val = S()
        s = self.lib.natsMsgHeader_Get(msg, key.encode(), ctypes.byref(val))
        if s == NATS_NOT_FOUND:
            return None
        self.check(f"natsMsgHeader_Get({key})", s)
        return val.value.decode()

    def metadata(self, msg):
        """(stream seq, consumer seq, delivered, pending, stream, consumer)."""
        meta = P()
        self.check("natsMsg_GetMetaData", self.lib.natsMsg_GetMetaData(ctypes.byref(meta), msg))
        try:
            m = ctypes.cast(meta, ctypes.POINTER(jsMsgMetaData)).contents
            return (
                m.Sequence.Stream,
                m.Sequence.Consumer,
                m.NumDelivered,
                m.NumPending,
                m.Stream.decode(),
                m.Consumer.decode(),
            )
        finally:
            self.lib.jsMsgMetaData_Destroy(meta)

    def ack(self, msg, sync):
        if sync:
            err = I()
            self.check("natsMsg_AckSync", self.lib.natsMsg_AckSync(msg, None, ctypes.byref(err)), err)
        else:
            self.check("natsMsg_Ack", self.lib.natsMsg_Ack(msg, None))


# What nats-py writes in (a) and (c), what the C side writes in (b).

# A header value with a colon and inner spaces: only the first ": " splits.
NOTE = "x: y  z"


def payload_a(i):
    if i == 10:
        return b""  # headers only on the wire
    if i == 49:
        return bytes((k * 7 + 3) % 256 for k in range(256 * 1024))
    return b"\x00" + f"a{i}".encode() + b"\x00\xff" + bytes((i * 31 + k) % 256 for k in range(i * 37))


def payload_b(i):
    return bytes([i, 0, 0, 255 - i]) + b"b\x00" * i


def payload_c(i):
    return b"c\x00" + bytes([i]) * (i + 1)


# Scenario (a): nats-py writes, the C library reads with a pull consumer.

A_STREAM, A_DURABLE, A_COUNT = "IA", "C_PULL", 50


def c_read_a(c):
    """Reads all of (a) through a durable pull consumer; returns the
    subscription (kept until nats-py has looked at the consumer)."""
    lib = c.lib
    sub, err = P(), I()
    c.check(
        "js_PullSubscribe",
        lib.js_PullSubscribe(ctypes.byref(sub), c.js, b"ia.>", A_DURABLE.encode(), None, None, ctypes.byref(err)),
        err,
    )
    got = 0
    deadline = time.monotonic() + WAIT_S * 2
    while got < A_COUNT:
        expect(time.monotonic() < deadline, f"(a) only {got} of {A_COUNT} messages fetched")
        lst, err = natsMsgList(), I()
        s = lib.natsSubscription_Fetch(ctypes.byref(lst), sub, 16, 5000, ctypes.byref(err))
        if s == NATS_TIMEOUT:
            continue
        c.check("natsSubscription_Fetch", s, err)
        try:
            expect(lst.Count > 0, "(a) Fetch returned NATS_OK and no message")
            for k in range(lst.Count):
                msg = lst.Msgs[k]
                i = got
                subj = lib.natsMsg_GetSubject(msg).decode()
                expect(subj == f"ia.{i % 5}", f"(a) message {i}: subject {subj!r}")
                data = c.data(msg)
                want = payload_a(i)
                expect(data == want, f"(a) message {i}: {len(data)} bytes differ from the {len(want)} published")
                expect(c.header(msg, "Idx") == str(i), f"(a) message {i}: header Idx {c.header(msg, 'Idx')!r}")
                expect(c.header(msg, "Origin") == "nats-py", f"(a) message {i}: header Origin")
                expect(c.header(msg, "Note") == NOTE, f"(a) message {i}: header Note {c.header(msg, 'Note')!r}")
                expect(c.header(msg, "Absent") is None, f"(a) message {i}: a header nobody set")
                sseq, cseq, delivered, pending, stream, consumer = c.metadata(msg)
                expect(
                    (sseq, cseq, delivered) == (i + 1, i + 1, 1),
                    f"(a) message {i}: metadata stream seq {sseq}, consumer seq {cseq}, delivered {delivered}",
                )
                expect(pending == A_COUNT - 1 - i, f"(a) message {i}: metadata pending {pending}")
                expect((stream, consumer) == (A_STREAM, A_DURABLE), f"(a) metadata names {stream}/{consumer}")
                # The last ack is synchronous: once it returns, the server
                # has processed every ack before it on this connection.
                c.ack(msg, sync=(i == A_COUNT - 1))
                got += 1
        finally:
            lib.natsMsgList_Destroy(ctypes.byref(lst))
    return sub


async def wait_consumer(js, stream, name, done):
    """Consumer info once `done(info)` holds, polling the server against a
    hang bound: acks are processed asynchronously by the server."""
    deadline = time.monotonic() + WAIT_S
    while True:
        ci = await js.consumer_info(stream, name)
        if done(ci) or time.monotonic() > deadline:
            return ci
        await asyncio.sleep(0.05)


def all_acked(ci, n):
    return ci.delivered.stream_seq == n and ci.ack_floor.stream_seq == n and ci.num_ack_pending == 0


def expect_all_acked(ci, n, what):
    expect(
        (ci.delivered.stream_seq, ci.delivered.consumer_seq) == (n, n),
        f"{what}: consumer info delivered {ci.delivered}",
    )
    expect(
        (ci.ack_floor.stream_seq, ci.ack_floor.consumer_seq) == (n, n),
        f"{what}: consumer info ack floor {ci.ack_floor}",
    )
    expect(ci.num_ack_pending == 0, f"{what}: {ci.num_ack_pending} acks pending")
    expect(ci.num_pending == 0, f"{what}: {ci.num_pending} messages pending")
    expect(ci.num_redelivered == 0, f"{what}: {ci.num_redelivered} redelivered")


async def scenario_a(c, js):
    await js.add_stream(name=A_STREAM, subjects=["ia.>"])
    for i in range(A_COUNT):
        ack = await js.publish(f"ia.{i % 5}", payload_a(i), headers={"Idx": str(i), "Origin": "nats-py", "Note": NOTE})
        expect(ack.seq == i + 1 and not ack.duplicate, f"(a) nats-py publish {i}: {ack}")
    sub = await asyncio.to_thread(c_read_a, c)
    try:
        ci = await wait_consumer(js, A_STREAM, A_DURABLE, lambda ci: all_acked(ci, A_COUNT))
        expect_all_acked(ci, A_COUNT, "(a)")
        expect(ci.config.ack_policy == api.AckPolicy.EXPLICIT, f"(a) ack policy {ci.config.ack_policy}")
    finally:
        c.lib.natsSubscription_Destroy(sub)
    print(f"a: nats-py published {A_COUNT}, the C library fetched, checked and acked them all")


# Scenario (b): the C library writes, nats-py reads.

B_STREAM, B_COUNT, B_DUP_OF = "IB", 20, 7


def c_publish_b(c):
    lib = c.lib

    def publish_msg(subj, data, headers):
        msg = P()
        c.check("natsMsg_Create", lib.natsMsg_Create(ctypes.byref(msg), subj.encode(), None, data, len(data)))
        try:
            for k, v in headers.items():
                c.check("natsMsgHeader_Set", lib.natsMsgHeader_Set(msg, k.encode(), v.encode()))
            pa, err = P(), I()
            c.check("js_PublishMsg", lib.js_PublishMsg(ctypes.byref(pa), c.js, msg, None, ctypes.byref(err)), err)
            return pa
        finally:
            lib.natsMsg_Destroy(msg)

    def read_ack(pa):
        try:
            a = ctypes.cast(pa, ctypes.POINTER(jsPubAck)).contents
            return a.Stream.decode(), a.Sequence, a.Duplicate
        finally:
            lib.jsPubAck_Destroy(pa)

    for i in range(B_COUNT):
        data = payload_b(i)
        if i % 2 == 0:
            pa, err = P(), I()
            c.check(
                "js_Publish",
                lib.js_Publish(ctypes.byref(pa), c.js, f"ib.{i}".encode(), data, len(data), None, ctypes.byref(err)),
                err,
            )
        else:
            pa = publish_msg(f"ib.{i}", data, {"Nats-Msg-Id": f"id-{i}", "Idx": str(i), "Note": NOTE})
        got = read_ack(pa)
        expect(got == (B_STREAM, i + 1, False), f"(b) pub ack {i}: {got}")
    # Same id, other bytes: the server keeps the first and says so.
    pa = publish_msg(f"ib.{B_DUP_OF}", b"DUPLICATE", {"Nats-Msg-Id": f"id-{B_DUP_OF}", "Idx": "dup"})
    got = read_ack(pa)
    expect(got == (B_STREAM, B_DUP_OF + 1, True), f"(b) pub ack of the duplicate: {got}")


async def scenario_b(c, js):
    await js.add_stream(name=B_STREAM, subjects=["ib.>"], duplicate_window=120.0)
    await asyncio.to_thread(c_publish_b, c)
    si = await js.stream_info(B_STREAM)
    expect(
        (si.state.messages, si.state.first_seq, si.state.last_seq) == (B_COUNT, 1, B_COUNT),
        f"(b) stream state {si.state}",
    )
    psub = await js.pull_subscribe("ib.>", durable="PY_PULL", stream=B_STREAM)
    got = []
    deadline = time.monotonic() + WAIT_S * 2
    while len(got) < B_COUNT:
        expect(time.monotonic() < deadline, f"(b) nats-py fetched only {len(got)} of {B_COUNT}")
        try:
            msgs = await psub.fetch(B_COUNT - len(got), timeout=5)
        except nats.errors.TimeoutError:
            continue
        for m in msgs:
            i = len(got)
            expect(m.subject == f"ib.{i}", f"(b) message {i}: subject {m.subject}")
            expect(m.data == payload_b(i), f"(b) message {i}: payload {m.data!r}")
            hdrs = m.headers or {}
            if i % 2 == 0:
                expect(not hdrs, f"(b) message {i} (js_Publish) has headers {hdrs}")
            else:
                want = {"Nats-Msg-Id": f"id-{i}", "Idx": str(i), "Note": NOTE}
                expect(hdrs == want, f"(b) message {i}: headers {hdrs}, want {want}")
            md = m.metadata
            expect(
                (md.sequence.stream, md.num_delivered, md.stream) == (i + 1, 1, B_STREAM),
                f"(b) message {i}: metadata {md}",
            )
            if i == B_COUNT - 1:
                await m.ack_sync()
            else:
                await m.ack()
            got.append(m)
    ci = await wait_consumer(js, B_STREAM, "PY_PULL", lambda ci: all_acked(ci, B_COUNT))
    expect_all_acked(ci, B_COUNT, "(b)")
    await psub.unsubscribe()
    print(f"b: the C library published {B_COUNT} and a duplicate, nats-py read the {B_COUNT} stored")


# Scenario (c): nats-py's push consumer, the C library bound to it.

C_STREAM, C_DURABLE, C_COUNT = "IC", "PY_PUSH", 10


def c_read_c(c):
    lib = c.lib
    opts = ctypes.create_string_buffer(SUB_OPTIONS_BUF)
    c.check("jsSubOptions_Init", lib.jsSubOptions_Init(opts))
    stream = ctypes.create_string_buffer(C_STREAM.encode())
    consumer = ctypes.create_string_buffer(C_DURABLE.encode())
    P.from_buffer(opts, SUB_OPTIONS_STREAM_OFF).value = ctypes.addressof(stream)
    P.from_buffer(opts, SUB_OPTIONS_CONSUMER_OFF).value = ctypes.addressof(consumer)
    sub, err = P(), I()
    c.check(
        "js_SubscribeSync",
        lib.js_SubscribeSync(ctypes.byref(sub), c.js, b"ic.>", None, opts, ctypes.byref(err)),
        err,
    )
    for i in range(C_COUNT):
        msg = P()
        c.check(f"natsSubscription_NextMsg ({i})", lib.natsSubscription_NextMsg(ctypes.byref(msg), sub, WAIT_S * 1000))
        try:
            subj = lib.natsMsg_GetSubject(msg).decode()
            expect(subj == f"ic.{i}", f"(c) message {i}: subject {subj!r}")
            expect(c.data(msg) == payload_c(i), f"(c) message {i}: payload {c.data(msg)!r}")
            expect(c.header(msg, "Idx") == str(i), f"(c) message {i}: header Idx")
            sseq, cseq, delivered, pending, s, cons = c.metadata(msg)
            expect(
                (sseq, cseq, delivered, pending, s, cons) == (i + 1, i + 1, 1, C_COUNT - 1 - i, C_STREAM, C_DURABLE),
                f"(c) message {i}: metadata {(sseq, cseq, delivered, pending, s, cons)}",
            )
            c.ack(msg, sync=(i == C_COUNT - 1))
        finally:
            lib.natsMsg_Destroy(msg)
    return sub


async def scenario_c(c, js):
    await js.add_stream(name=C_STREAM, subjects=["ic.>"])
    for i in range(C_COUNT):
        await js.publish(f"ic.{i}", payload_c(i), headers={"Idx": str(i)})
    await js.add_consumer(
        C_STREAM,
        api.ConsumerConfig(
            durable_name=C_DURABLE,
            deliver_subject="ic-deliver.push",
            ack_policy=api.AckPolicy.EXPLICIT,
        ),
    )
    sub = await asyncio.to_thread(c_read_c, c)
    try:
        ci = await wait_consumer(js, C_STREAM, C_DURABLE, lambda ci: all_acked(ci, C_COUNT))
        expect_all_acked(ci, C_COUNT, "(c)")
        expect(ci.push_bound, "(c) consumer not push bound while the C library is subscribed")
    finally:
        c.lib.natsSubscription_Destroy(sub)
    print(f"c: the C library read and acked {C_COUNT} messages of nats-py's push consumer")


async def run(lib, url, scenarios):
    c = C(lib, url)
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        for name, fn in (("a", scenario_a), ("b", scenario_b), ("c", scenario_c)):
            if name in scenarios:
                await fn(c, js)
    finally:
        await nc.close()
        c.close()


def main(argv):
    ap = argparse.ArgumentParser(description="JetStream interop: nats.c API (ctypes) and nats-py")
    ap.add_argument("--lib", default=os.environ.get("NATS_RS_LIB", ""))
    ap.add_argument("--scenarios", default="abc")
    ap.add_argument("url")
    args = ap.parse_args(argv[1:])
    if not args.lib:
        print("no library: pass --lib or set NATS_RS_LIB", file=sys.stderr)
        return 2
    if set(args.scenarios) - set("abc"):
        print(f"unknown scenarios in {args.scenarios!r}", file=sys.stderr)
        return 2
    lib = load(args.lib)
    try:
        asyncio.run(run(lib, args.url, args.scenarios))
    except Fail as e:
        print(f"FAIL {e}", file=sys.stderr)
        return 1
    lib.nats_Close()
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
