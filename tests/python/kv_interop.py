#!/usr/bin/env python3
"""Key-value store (ADR-8) wire interop between the nats.c API (through
ctypes) and nats-py.

One program drives both clients against one nats-server with JetStream:
the C library (libnats_rs.so, or any nats.c build) through ctypes, its
blocking calls on a worker thread; nats-py through asyncio. Scenarios:

  a  nats-py creates bucket PYKV (history 5, direct get) and fills it:
     several keys (dots, slashes, '=' and '-' in names), a key with three
     revisions, binary values with NUL bytes, an empty value, a deleted key
     and a purged one. nats-py's own history of every key is the reference.
     The C library opens the bucket (js_KeyValue) and must see exactly that:
     kvStore_Get / kvStore_GetRevision (values, revisions, creation times,
     operations; NATS_NOT_FOUND for deleted, purged, missing and mismatched
     revisions), kvStore_History (every entry, delete and purge markers,
     deltas), kvStore_Keys, kvStore_Status / kvStatus_*. A kvStore_WatchAll
     watcher gets the last entry of every key, the NULL marker, then a put
     and a delete nats-py makes after the marker. Then the C library writes:
     kvStore_Update with the right revision succeeds and with a stale one
     fails, kvStore_Create fails on a live key and succeeds on a deleted
     one, plus a put, a delete and a purge; nats-py sees every one with the
     revision the C side got. A second nats-py bucket without direct get is
     read through the plain message-get API, then deleted with
     js_DeleteKeyValue (nats-py no longer finds it).
  b  the C library creates bucket CKV (js_CreateKeyValue with a kvConfig:
     description, history 4, TTL, max bytes, max value size, memory
     storage, and LimitMarkerTTL where the library's kvConfig has it) and
     fills it with puts (six revisions of one key, binary and empty values),
     a create, an update, a delete and a purge. nats-py reads the same keys,
     values, revisions, history and markers (operation DEL / PURGE), lists
     the same keys, watches the same last entries, and its view of the
     stream config is ADR-8's (KV_CKV, $KV.CKV.>, max msgs per subject =
     history, rollup allowed, delete denied, direct allowed, discard new).
     Last, nats-py updates a key with the revision the C side got and the C
     library reads that update.

kvConfig is built in a zeroed buffer larger than any known layout and
initialised by the library's own kvConfig_Init; the fields set are at the
offsets nats.c 3.4.1 and 3.14 share (their heads are identical up to
RePublish). LimitMarkerTTL (offset 80) exists from 3.14 on only; it is set
when the library reports version 3.14 or later (nats_GetVersion).

Prints one line per scenario and `OK` at the end; any failure exits 1.

Usage: kv_interop.py [--lib LIB] [--scenarios ab] URL
  LIB defaults to $NATS_RS_LIB; URL is e.g. nats://127.0.0.1:4222.
  Needs nats-py (.ci/ensure-nats-py prints a python that has it).
"""

import argparse
import asyncio
import ctypes
import os
import sys

import nats
import nats.js.errors
from nats.js import api

NATS_OK = 0
NATS_ERR = 1
NATS_NOT_FOUND = 13
NATS_TIMEOUT = 26

# kvOperation
KV_OP_PUT, KV_OP_DELETE, KV_OP_PURGE = 1, 2, 3
# nats-py spells operations as the KV-Operation header value (None = put).
PY_OP = {None: KV_OP_PUT, "DEL": KV_OP_DELETE, "PURGE": KV_OP_PURGE}

JS_MEMORY_STORAGE = 1  # jsStorageType

# Generous bounds against hangs only; nothing here is timed.
WAIT_MS = 10_000

# kvEntry_Created (ns) against nats-py's datetime of the same message: the
# latter went through a float and microseconds.
CREATED_SLACK_NS = 2_000

U64 = ctypes.c_uint64
I64 = ctypes.c_int64
P = ctypes.c_void_p
PP = ctypes.POINTER(ctypes.c_void_p)
S = ctypes.c_char_p
I = ctypes.c_int


class kvEntryList(ctypes.Structure):
    _fields_ = [("Entries", ctypes.POINTER(P)), ("Count", I)]


class kvKeysList(ctypes.Structure):
    _fields_ = [("Keys", ctypes.POINTER(S)), ("Count", I)]


# kvConfig: 56 bytes in nats.c 3.4.1, 88 in 3.14; the head is shared.
KV_CONFIG_BUF = 512
KVC_BUCKET, KVC_DESCRIPTION, KVC_MAX_VALUE_SIZE, KVC_HISTORY = 0, 8, 16, 20
KVC_TTL, KVC_MAX_BYTES, KVC_STORAGE, KVC_REPLICAS = 24, 32, 40, 44
KVC_LIMIT_MARKER_TTL_314 = 80


def load(path):
    """Loads the library and declares the functions used here."""
    lib = ctypes.CDLL(path)
    E = P  # kvEntry*
    sigs = {
        "nats_GetVersion": (S, []),
        "natsConnection_ConnectTo": (I, [PP, S]),
        "natsConnection_Destroy": (None, [P]),
        "natsConnection_JetStream": (I, [PP, P, P]),
        "jsCtx_Destroy": (None, [P]),
        "natsStatus_GetText": (S, [I]),
        "nats_GetLastError": (S, [ctypes.POINTER(I)]),
        "nats_Close": (None, []),
        "kvConfig_Init": (I, [P]),
        "js_CreateKeyValue": (I, [PP, P, P]),
        "js_KeyValue": (I, [PP, P, S]),
        "js_DeleteKeyValue": (I, [P, S]),
        "kvStore_Destroy": (None, [P]),
        "kvStore_Bucket": (S, [P]),
        "kvStore_Get": (I, [PP, P, S]),
        "kvStore_GetRevision": (I, [PP, P, S, U64]),
        # Data goes as c_char_p: ctypes passes the bytes object's buffer,
        # NULs included; the length says where it ends.
        "kvStore_Put": (I, [ctypes.POINTER(U64), P, S, S, I]),
        "kvStore_PutString": (I, [ctypes.POINTER(U64), P, S, S]),
        "kvStore_Create": (I, [ctypes.POINTER(U64), P, S, S, I]),
        "kvStore_Update": (I, [ctypes.POINTER(U64), P, S, S, I, U64]),
        "kvStore_Delete": (I, [P, S]),
        "kvStore_Purge": (I, [P, S, P]),
        "kvStore_WatchAll": (I, [PP, P, P]),
        "kvWatcher_Next": (I, [PP, P, I64]),
        "kvWatcher_Stop": (I, [P]),
        "kvWatcher_Destroy": (None, [P]),
        "kvStore_Keys": (I, [ctypes.POINTER(kvKeysList), P, P]),
        "kvKeysList_Destroy": (None, [ctypes.POINTER(kvKeysList)]),
        "kvStore_History": (I, [ctypes.POINTER(kvEntryList), P, S, P]),
        "kvEntryList_Destroy": (None, [ctypes.POINTER(kvEntryList)]),
        "kvStore_Status": (I, [PP, P]),
        "kvStatus_Bucket": (S, [P]),
        "kvStatus_Values": (U64, [P]),
        "kvStatus_History": (I64, [P]),
        "kvStatus_TTL": (I64, [P]),
        "kvStatus_Replicas": (I64, [P]),
        "kvStatus_Bytes": (U64, [P]),  # not in nats.c 3.4.1
        "kvStatus_Destroy": (None, [P]),
        "kvEntry_Bucket": (S, [E]),
        "kvEntry_Key": (S, [E]),
        "kvEntry_Value": (P, [E]),
        "kvEntry_ValueLen": (I, [E]),
        "kvEntry_ValueString": (P, [E]),
        "kvEntry_Revision": (U64, [E]),
        "kvEntry_Created": (I64, [E]),
        "kvEntry_Delta": (U64, [E]),
        "kvEntry_Operation": (I, [E]),
        "kvEntry_Destroy": (None, [E]),
    }
    missing = set()
    for name, (res, args) in sigs.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            # A check that needs it fails saying so; optional ones skip.
            missing.add(name)
            setattr(lib, name, _missing(path, name))
            continue
        fn.restype, fn.argtypes = res, args
    lib.missing = missing
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


def version_tuple(text):
    out = []
    for part in text.split(".")[:3]:
        digits = "".join(ch for ch in part if ch.isdigit())
        out.append(int(digits or 0))
    return tuple(out)


class Entry:
    """One key-value entry as either side saw it."""

    __slots__ = ("bucket", "key", "value", "revision", "created", "delta", "op")

    def __init__(self, bucket, key, value, revision, created, delta, op):
        self.bucket, self.key, self.value = bucket, key, value
        self.revision, self.created, self.delta, self.op = revision, created, delta, op

    def __repr__(self):
        v = self.value if len(self.value) <= 24 else self.value[:24] + b"..."
        return f"<{self.key} rev {self.revision} op {self.op} delta {self.delta} {len(self.value)}B {v!r}>"


def from_py(e):
    """A nats-py KeyValue.Entry (from a watcher or history) as an Entry."""
    created = None
    if e.created is not None:
        created = int(round(e.created.timestamp() * 1_000_000)) * 1000
    return Entry(e.bucket, e.key, e.value or b"", e.revision, created, e.delta, PY_OP[e.operation])


def same_entry(ours, ref, what, delta=True):
    """Our entry against nats-py's view of the same message."""
    expect(ours.bucket == ref.bucket, f"{what}: kvEntry_Bucket {ours.bucket!r}, nats-py {ref.bucket!r}")
    expect(ours.key == ref.key, f"{what}: kvEntry_Key {ours.key!r}, nats-py {ref.key!r}")
    expect(ours.revision == ref.revision, f"{what}: kvEntry_Revision {ours.revision}, nats-py {ref.revision}")
    expect(ours.op == ref.op, f"{what}: kvEntry_Operation {ours.op}, nats-py says {ref.op}")
    expect(
        ours.value == ref.value,
        f"{what}: kvEntry_Value {len(ours.value)} bytes {ours.value[:32]!r}, nats-py {len(ref.value)} bytes {ref.value[:32]!r}",
    )
    if ref.created is not None:
        expect(
            abs(ours.created - ref.created) <= CREATED_SLACK_NS,
            f"{what}: kvEntry_Created {ours.created} ns, nats-py {ref.created} ns",
        )
    if delta and ref.delta is not None:
        expect(ours.delta == ref.delta, f"{what}: kvEntry_Delta {ours.delta}, nats-py {ref.delta}")


class C:
    """The nats.c side: one connection and JetStream context."""

    def __init__(self, lib, url):
        self.lib = lib
        self.version = lib.nats_GetVersion().decode()
        self.nc = P()
        self.js = P()
        self.check("connect", lib.natsConnection_ConnectTo(ctypes.byref(self.nc), url.encode()))
        self.check("JetStream", lib.natsConnection_JetStream(ctypes.byref(self.js), self.nc, None))

    def last_error(self):
        st = I()
        return (self.lib.nats_GetLastError(ctypes.byref(st)) or b"").decode(errors="replace")

    def check(self, what, status):
        if status != NATS_OK:
            text = self.lib.natsStatus_GetText(status).decode()
            raise Fail(f"{what}: {text} ({status}): {self.last_error()}")

    def close(self):
        self.lib.jsCtx_Destroy(self.js)
        self.lib.natsConnection_Destroy(self.nc)

    # Stores and entries.

    def open(self, bucket):
        kv = P()
        self.check(f"js_KeyValue({bucket})", self.lib.js_KeyValue(ctypes.byref(kv), self.js, bucket.encode()))
        name = self.lib.kvStore_Bucket(kv)
        expect(name == bucket.encode(), f"kvStore_Bucket {name!r}, want {bucket!r}")
        return kv

    def entry(self, e, what):
        """Reads every accessor of a kvEntry* (not destroyed here)."""
        lib = self.lib
        n = lib.kvEntry_ValueLen(e)
        expect(n >= 0, f"{what}: kvEntry_ValueLen {n}")
        value = b""
        if n > 0:
            ptr = lib.kvEntry_Value(e)
            expect(ptr, f"{what}: kvEntry_Value NULL with length {n}")
            value = ctypes.string_at(ptr, n)
            sptr = lib.kvEntry_ValueString(e)
            expect(sptr == ptr, f"{what}: kvEntry_ValueString is not kvEntry_Value's bytes")
            # nats.c keeps data NUL-terminated, so ValueString is a C string.
            expect(ctypes.string_at(sptr, n + 1)[n] == 0, f"{what}: kvEntry_ValueString not NUL-terminated")
        return Entry(
            (lib.kvEntry_Bucket(e) or b"").decode(),
            (lib.kvEntry_Key(e) or b"").decode(),
            value,
            lib.kvEntry_Revision(e),
            lib.kvEntry_Created(e),
            lib.kvEntry_Delta(e),
            lib.kvEntry_Operation(e),
        )

    def get(self, kv, key, revision=None):
        """An Entry, or None for NATS_NOT_FOUND."""
        e = P()
        if revision is None:
            s = self.lib.kvStore_Get(ctypes.byref(e), kv, key.encode())
            what = f"kvStore_Get({key})"
        else:
            s = self.lib.kvStore_GetRevision(ctypes.byref(e), kv, key.encode(), revision)
            what = f"kvStore_GetRevision({key}, {revision})"
        if s == NATS_NOT_FOUND:
            expect(not e, f"{what}: NATS_NOT_FOUND with an entry")
            return None
        self.check(what, s)
        try:
            return self.entry(e, what)
        finally:
            self.lib.kvEntry_Destroy(e)

    def history(self, kv, key):
        """A list of Entry, or None for NATS_NOT_FOUND."""
        lst = kvEntryList()
        s = self.lib.kvStore_History(ctypes.byref(lst), kv, key.encode(), None)
        if s == NATS_NOT_FOUND:
            return None
        self.check(f"kvStore_History({key})", s)
        try:
            return [self.entry(lst.Entries[i], f"kvStore_History({key})[{i}]") for i in range(lst.Count)]
        finally:
            self.lib.kvEntryList_Destroy(ctypes.byref(lst))
            expect(not lst.Entries and lst.Count == 0, "kvEntryList_Destroy left the list set")

    def keys(self, kv):
        lst = kvKeysList()
        self.check("kvStore_Keys", self.lib.kvStore_Keys(ctypes.byref(lst), kv, None))
        try:
            return [lst.Keys[i].decode() for i in range(lst.Count)]
        finally:
            self.lib.kvKeysList_Destroy(ctypes.byref(lst))
            expect(not lst.Keys and lst.Count == 0, "kvKeysList_Destroy left the list set")

    def status(self, kv):
        lib = self.lib
        st = P()
        self.check("kvStore_Status", lib.kvStore_Status(ctypes.byref(st), kv))
        try:
            return {
                "bucket": lib.kvStatus_Bucket(st).decode(),
                "values": lib.kvStatus_Values(st),
                "history": lib.kvStatus_History(st),
                "ttl": lib.kvStatus_TTL(st),
                "replicas": lib.kvStatus_Replicas(st),
                "bytes": None if "kvStatus_Bytes" in lib.missing else lib.kvStatus_Bytes(st),
            }
        finally:
            lib.kvStatus_Destroy(st)

    def put(self, kv, key, value):
        rev = U64()
        self.check(f"kvStore_Put({key})", self.lib.kvStore_Put(ctypes.byref(rev), kv, key.encode(), value, len(value)))
        return rev.value

    def put_string(self, kv, key, value):
        rev = U64()
        self.check(f"kvStore_PutString({key})", self.lib.kvStore_PutString(ctypes.byref(rev), kv, key.encode(), value.encode()))
        return rev.value

    def create(self, kv, key, value):
        """(status, revision)."""
        rev = U64()
        s = self.lib.kvStore_Create(ctypes.byref(rev), kv, key.encode(), value, len(value))
        return s, rev.value

    def update(self, kv, key, value, last):
        """(status, revision)."""
        rev = U64()
        s = self.lib.kvStore_Update(ctypes.byref(rev), kv, key.encode(), value, len(value), last)
        return s, rev.value

    def expect_refused(self, what, status, rev):
        expect(status == NATS_ERR, f"{what}: status {status} ({self.lib.natsStatus_GetText(status).decode()}), want NATS_ERR")
        expect(rev == 0, f"{what}: refused but revision set to {rev}")
        err = self.last_error()
        expect("wrong last sequence" in err, f"{what}: last error {err!r}, want the server's wrong last sequence")

    # Watchers.

    def watch_all(self, kv):
        w = P()
        self.check("kvStore_WatchAll", self.lib.kvStore_WatchAll(ctypes.byref(w), kv, None))
        return w

    def next(self, w, timeout_ms=WAIT_MS):
        """An Entry, None for the marker, or "timeout"."""
        e = P()
        s = self.lib.kvWatcher_Next(ctypes.byref(e), w, timeout_ms)
        if s == NATS_TIMEOUT:
            return "timeout"
        self.check("kvWatcher_Next", s)
        if not e:
            return None
        try:
            return self.entry(e, "kvWatcher_Next")
        finally:
            self.lib.kvEntry_Destroy(e)


# nats-py's watchers (history, keys and watchall use one) may put their
# "initial state done" marker before a message already on its way: they
# compare consumer info with what they have dispatched so far. A short
# answer is read again, a bounded number of times, until it holds what the
# server stores; an answer that is wrong rather than short stays wrong.
NATS_PY_REREADS = 10


def note(text):
    print(f"note: {text}", file=sys.stderr)


class Py:
    """nats-py's view of one bucket."""

    def __init__(self, js, kv, bucket):
        self.js, self.kv, self.bucket = js, kv, bucket
        self.stream = f"KV_{bucket}"

    async def stored(self, key=">"):
        """How many messages the server keeps for `key` (a filter)."""
        subject = f"$KV.{self.bucket}.{key}"
        si = await self.js.stream_info(self.stream, subjects_filter=subject)
        return sum((si.state.subjects or {}).values())

    async def num_keys(self):
        """How many keys have messages (values or markers) on the server."""
        si = await self.js.stream_info(self.stream, subjects_filter=f"$KV.{self.bucket}.>")
        return len(si.state.subjects or {})

    async def history(self, key):
        """The history of `key` as Entry values ([] when it has none)."""
        stored = await self.stored(key)
        for _ in range(NATS_PY_REREADS):
            try:
                h = [from_py(e) for e in await self.kv.history(key)]
            except nats.js.errors.NoKeysError:
                h = []
            if len(h) >= stored:
                break
            note(f"nats-py history({key}) gave {len(h)} of {stored} entries: reading again")
        return h

    async def keys(self, want):
        """The bucket's keys, read again while fewer than `want`."""
        for _ in range(NATS_PY_REREADS):
            try:
                got = await self.kv.keys()
            except nats.js.errors.NoKeysError:
                got = []
            if len(got) >= len(want):
                break
            note(f"nats-py keys() gave {len(got)} of {len(want)} keys: reading again")
        return got

    async def watch_initial(self):
        """A watchall's entries up to its marker, as (key, revision, value, op)."""
        n = await self.num_keys()
        for _ in range(NATS_PY_REREADS):
            w = await self.kv.watchall()
            initial = []
            try:
                while True:
                    e = await w.updates(timeout=WAIT_MS / 1000)
                    if e is None:
                        break
                    initial.append((e.key, e.revision, e.value or b"", PY_OP[e.operation]))
            finally:
                await w.stop()
            if len(initial) >= n:
                break
            note(f"nats-py watchall gave {len(initial)} of {n} keys before its marker: watching again")
        return initial


async def py_get(kv, key, revision=None):
    """(Entry or None, the operation that hid it)."""
    try:
        e = await kv.get(key, revision=revision)
        return Entry(e.bucket, e.key, e.value or b"", e.revision, None, None, KV_OP_PUT), None
    except nats.js.errors.KeyNotFoundError as err:
        return None, err.op


# Scenario (a): nats-py writes, the C library reads, watches and updates.

A_BUCKET, A_HISTORY = "PYKV", 5
A_ND_BUCKET = "PYKV_ND"

BIN1 = b"\x00\x01\x02\x00\xff\x00" + bytes(range(256)) * 4
BIN2 = b"\x00" * 100
BIN3 = b"\x00ours\x00" + bytes(255 - k for k in range(256))


async def scenario_a(c, js):
    kv = await js.create_key_value(
        bucket=A_BUCKET, history=A_HISTORY, direct=True, description="filled by nats-py"
    )
    py = Py(js, kv, A_BUCKET)
    lost = []  # revisions a purge removed
    await kv.put("color", b"red")
    await kv.put("color", b"green")
    await kv.put("color", b"blue")
    await kv.put("bin", BIN1)
    await kv.put("bin", BIN2)
    await kv.put("empty", b"")
    await kv.put("a.b.c", b"dotted")
    await kv.put("path/to=x_y-z", b"punctuated key")
    await kv.put("gone", b"soon deleted")
    await kv.delete("gone")
    lost.append(await kv.put("wiped", b"v1"))
    lost.append(await kv.put("wiped", b"v2"))
    await kv.purge("wiped")
    keys = ["color", "bin", "empty", "a.b.c", "path/to=x_y-z", "gone", "wiped"]

    ref = {k: await py.history(k) for k in keys}
    # The setup is what this scenario means to test.
    shape = {k: [(e.op, e.value) for e in h] for k, h in ref.items()}
    want_shape = {
        "color": [(1, b"red"), (1, b"green"), (1, b"blue")],
        "bin": [(1, BIN1), (1, BIN2)],
        "empty": [(1, b"")],
        "a.b.c": [(1, b"dotted")],
        "path/to=x_y-z": [(1, b"punctuated key")],
        "gone": [(1, b"soon deleted"), (KV_OP_DELETE, b"")],
        "wiped": [(KV_OP_PURGE, b"")],
    }
    expect(shape == want_shape, f"(a) nats-py's own history: {shape}")
    live = {k for k, h in ref.items() if h[-1].op == KV_OP_PUT}
    py_keys = set(await py.keys(live))
    expect(py_keys == live, f"(a) nats-py keys {py_keys}")
    si = await js.stream_info(f"KV_{A_BUCKET}")
    last_seq = si.state.last_seq

    await asyncio.to_thread(c_read_a, c, ref, lost, si)

    # The watcher: initial state, marker, then what nats-py does next.
    kvh = await asyncio.to_thread(c.open, A_BUCKET)
    try:
        w = await asyncio.to_thread(c_watch_initial_a, c, kvh, ref)
        try:
            rev_purple = await kv.put("color", b"purple")
            await kv.delete("a.b.c")
            rev_del = (await js.stream_info(f"KV_{A_BUCKET}")).state.last_seq
            expect((rev_purple, rev_del) == (last_seq + 1, last_seq + 2), f"(a) nats-py revisions {rev_purple}, {rev_del}")
            live_updates = [
                (await py.history("color"))[-1],
                (await py.history("a.b.c"))[-1],
            ]
            await asyncio.to_thread(c_watch_updates_a, c, w, live_updates)
        finally:
            await asyncio.to_thread(lambda: (c.lib.kvWatcher_Stop(w), c.lib.kvWatcher_Destroy(w)))

        ours = await asyncio.to_thread(c_update_a, c, kvh, rev_purple, rev_del)
    finally:
        c.lib.kvStore_Destroy(kvh)

    # nats-py sees what the C library wrote, with the revisions it got.
    got, _ = await py_get(kv, "color")
    expect(got and (got.value, got.revision) == (b"c-update\x00!", ours["color"]), f"(a) nats-py get color: {got}")
    hist = await py.history("color")
    expect(
        [(e.value, e.op) for e in hist] == [(b"red", 1), (b"green", 1), (b"blue", 1), (b"purple", 1), (b"c-update\x00!", 1)],
        f"(a) nats-py history of color (history {A_HISTORY}): {hist}",
    )
    got, _ = await py_get(kv, "gone")
    expect(got and (got.value, got.revision) == (b"reborn", ours["gone"]), f"(a) nats-py get gone: {got}")
    got, _ = await py_get(kv, "fresh")
    expect(got and (got.value, got.revision) == (b"\x00new\x00", ours["fresh"]), f"(a) nats-py get fresh: {got}")
    got, _ = await py_get(kv, "bin")
    expect(got and (got.value, got.revision) == (BIN3, ours["bin"]), f"(a) nats-py get bin: {got}")
    got, op = await py_get(kv, "empty")
    expect(got is None and op == "DEL", f"(a) nats-py get of the key we deleted: {got}, op {op}")
    hist = await py.history("empty")
    expect(
        [(e.op, e.revision) for e in hist] == [(KV_OP_PUT, ref["empty"][0].revision), (KV_OP_DELETE, ours["empty"])],
        f"(a) nats-py history of the key we deleted: {hist}",
    )
    hist = await py.history("path/to=x_y-z")
    expect(
        [(e.op, e.revision, e.value) for e in hist] == [(KV_OP_PURGE, ours["path/to=x_y-z"], b"")],
        f"(a) nats-py history of the key we purged: {hist}",
    )
    want_keys = {"color", "bin", "gone", "fresh"}
    py_keys = set(await py.keys(want_keys))
    expect(py_keys == want_keys, f"(a) nats-py keys after our writes: {py_keys}")

    await scenario_a_no_direct(c, js)
    print(
        f"a: nats-py filled {A_BUCKET} ({len(keys)} keys, history, delete, purge, binary values); "
        "the C library read, watched and updated it, and nats-py saw our revisions"
    )


def c_read_a(c, ref, lost, si):
    kv = c.open(A_BUCKET)
    try:
        for key, h in ref.items():
            # History: every entry nats-py has, deltas included.
            ours = c.history(kv, key)
            expect(ours is not None, f"(a) kvStore_History({key}): NATS_NOT_FOUND, nats-py has {h}")
            expect(len(ours) == len(h), f"(a) kvStore_History({key}): {ours}, nats-py {h}")
            for i, (o, r) in enumerate(zip(ours, h)):
                same_entry(o, r, f"(a) kvStore_History({key})[{i}]")
                expect(o.delta == len(h) - 1 - i, f"(a) kvStore_History({key})[{i}]: delta {o.delta}")
            # Get: the last value, or not found behind a marker.
            last = h[-1]
            got = c.get(kv, key)
            if last.op == KV_OP_PUT:
                expect(got is not None, f"(a) kvStore_Get({key}): NATS_NOT_FOUND, nats-py has {last}")
                same_entry(got, last, f"(a) kvStore_Get({key})", delta=False)
                expect(got.delta == 0, f"(a) kvStore_Get({key}): delta {got.delta}")
            else:
                expect(got is None, f"(a) kvStore_Get({key}) behind a {last.op} marker: {got}")
            # GetRevision: each revision nats-py lists.
            for r in h:
                got = c.get(kv, key, r.revision)
                if r.op == KV_OP_PUT:
                    expect(got is not None, f"(a) kvStore_GetRevision({key}, {r.revision}): NATS_NOT_FOUND")
                    same_entry(got, r, f"(a) kvStore_GetRevision({key}, {r.revision})", delta=False)
                else:
                    expect(got is None, f"(a) kvStore_GetRevision({key}, {r.revision}) of a marker: {got}")
        for rev in lost:
            got = c.get(kv, "wiped", rev)
            expect(got is None, f"(a) kvStore_GetRevision(wiped, {rev}) of a purged revision: {got}")
        other = ref["bin"][0].revision
        got = c.get(kv, "color", other)
        expect(got is None, f"(a) kvStore_GetRevision(color, {other}) (a revision of bin): {got}")
        expect(c.get(kv, "never") is None, "(a) kvStore_Get of a key never written found something")
        expect(c.history(kv, "never") is None, "(a) kvStore_History of a key never written is not NATS_NOT_FOUND")

        keys = c.keys(kv)
        live = [k for k, h in ref.items() if h[-1].op == KV_OP_PUT]
        expect(sorted(keys) == sorted(live), f"(a) kvStore_Keys {keys}, want {live}")

        st = c.status(kv)
        want = {
            "bucket": A_BUCKET,
            "values": si.state.messages,
            "history": A_HISTORY,
            "ttl": 0,
            "replicas": 1,
            "bytes": None if st["bytes"] is None else si.state.bytes,
        }
        expect(st == want, f"(a) kvStatus_* {st}, nats-py's stream info says {want}")
        expect(si.state.messages == sum(len(h) for h in ref.values()), f"(a) stream holds {si.state.messages}")
    finally:
        c.lib.kvStore_Destroy(kv)


def c_watch_initial_a(c, kv, ref):
    w = c.watch_all(kv)
    initial = sorted((h[-1] for h in ref.values()), key=lambda e: e.revision)
    for i, want in enumerate(initial):
        got = c.next(w)
        expect(got not in (None, "timeout"), f"(a) watcher update {i}: {got}, want {want}")
        same_entry(got, want, f"(a) watcher initial update {i}", delta=False)
        expect(got.delta == len(initial) - 1 - i, f"(a) watcher initial update {i} ({got.key}): delta {got.delta}")
    got = c.next(w)
    expect(got is None, f"(a) after the {len(initial)} initial values kvWatcher_Next gave {got}, not the NULL marker")
    # Nobody writes now: a short wait must come back empty.
    got = c.next(w, 200)
    expect(got == "timeout", f"(a) kvWatcher_Next after the marker, nothing written: {got}")
    return w


def c_watch_updates_a(c, w, updates):
    for i, want in enumerate(updates):
        got = c.next(w)
        expect(got not in (None, "timeout"), f"(a) watcher live update {i}: {got}, want {want}")
        same_entry(got, want, f"(a) watcher live update {i}", delta=False)
        expect(got.delta == 0, f"(a) watcher live update {i}: delta {got.delta}")


def c_update_a(c, kv, rev_purple, rev_del):
    """The C library's writes to nats-py's bucket; returns key -> revision."""
    ours = {}
    s, rev = c.update(kv, "color", b"c-update\x00!", rev_purple)
    c.check(f"(a) kvStore_Update(color, last {rev_purple})", s)
    expect(rev == rev_del + 1, f"(a) kvStore_Update(color): revision {rev}, want {rev_del + 1}")
    ours["color"] = rev
    s, r = c.update(kv, "color", b"stale", rev_purple)
    c.expect_refused(f"(a) kvStore_Update(color, stale last {rev_purple})", s, r)
    s, r = c.update(kv, "bin", b"never", 0)
    c.expect_refused("(a) kvStore_Update(bin, last 0) of a live key", s, r)
    s, r = c.create(kv, "bin", b"again")
    c.expect_refused("(a) kvStore_Create(bin) of a live key", s, r)
    s, rev = c.create(kv, "gone", b"reborn")
    c.check("(a) kvStore_Create(gone) over nats-py's delete marker", s)
    ours["gone"] = rev
    s, rev = c.create(kv, "fresh", b"\x00new\x00")
    c.check("(a) kvStore_Create(fresh)", s)
    ours["fresh"] = rev
    ours["bin"] = c.put(kv, "bin", BIN3)
    c.check("(a) kvStore_Delete(empty)", c.lib.kvStore_Delete(kv, b"empty"))
    c.check("(a) kvStore_Purge(path/to=x_y-z)", c.lib.kvStore_Purge(kv, b"path/to=x_y-z", None))
    for key in ("empty", "path/to=x_y-z"):
        h = c.history(kv, key)
        expect(h, f"(a) kvStore_History({key}) after our delete/purge: {h}")
        ours[key] = h[-1].revision
    revs = [ours[k] for k in ("color", "gone", "fresh", "bin", "empty", "path/to=x_y-z")]
    expect(revs == list(range(revs[0], revs[0] + 6)), f"(a) our revisions {revs} are not consecutive")
    return ours


async def scenario_a_no_direct(c, js):
    kv = await js.create_key_value(bucket=A_ND_BUCKET, history=2, direct=False)
    si = await js.stream_info(f"KV_{A_ND_BUCKET}")
    expect(not si.config.allow_direct, f"(a) {A_ND_BUCKET} allows direct get")
    r1 = await kv.put("k", b"\x00one")
    r2 = await kv.put("k", b"\x00two")
    ref = await Py(js, kv, A_ND_BUCKET).history("k")

    def read():
        h = c.open(A_ND_BUCKET)
        try:
            got = c.get(h, "k")
            expect(got is not None, f"(a) kvStore_Get(k) in {A_ND_BUCKET}: NATS_NOT_FOUND")
            same_entry(got, ref[-1], f"(a) kvStore_Get(k) in {A_ND_BUCKET}", delta=False)
            got = c.get(h, "k", r1)
            expect(got is not None, f"(a) kvStore_GetRevision(k, {r1}) in {A_ND_BUCKET}: NATS_NOT_FOUND")
            same_entry(got, ref[0], f"(a) kvStore_GetRevision(k, {r1}) in {A_ND_BUCKET}", delta=False)
            expect(c.get(h, "k", r2 + 10) is None, f"(a) kvStore_GetRevision past the end in {A_ND_BUCKET}")
        finally:
            c.lib.kvStore_Destroy(h)
        # Deleting nats-py's bucket from our side.
        c.check(f"js_DeleteKeyValue({A_ND_BUCKET})", c.lib.js_DeleteKeyValue(c.js, A_ND_BUCKET.encode()))
        gone = P()
        s = c.lib.js_KeyValue(ctypes.byref(gone), c.js, A_ND_BUCKET.encode())
        expect(s == NATS_NOT_FOUND and not gone, f"(a) js_KeyValue of the deleted bucket: status {s}")

    await asyncio.to_thread(read)
    try:
        await js.key_value(A_ND_BUCKET)
        raise Fail(f"(a) nats-py still opens {A_ND_BUCKET} after js_DeleteKeyValue")
    except nats.js.errors.BucketNotFoundError:
        pass


# Scenario (b): the C library creates and writes, nats-py reads.

B_BUCKET, B_HISTORY = "CKV", 4
B_TTL_S = 3600
B_MAX_BYTES = 10 * 1024 * 1024
B_MAX_VALUE = 64 * 1024
B_MARKER_TTL_S = 90
B_DESC = "made through the nats.c API"
B_BLOB = bytes((k * 13) % 256 for k in range(1000)) + b"\x00\x00end\x00"


def c_create_b(c):
    """Creates and fills CKV; returns (expected state, whether
    LimitMarkerTTL was set)."""
    lib = c.lib
    cfg = ctypes.create_string_buffer(KV_CONFIG_BUF)
    c.check("kvConfig_Init", lib.kvConfig_Init(cfg))
    expect(cfg.raw == b"\x00" * KV_CONFIG_BUF, "kvConfig_Init left a non-zero byte")
    bucket = ctypes.create_string_buffer(B_BUCKET.encode())
    desc = ctypes.create_string_buffer(B_DESC.encode())
    P.from_buffer(cfg, KVC_BUCKET).value = ctypes.addressof(bucket)
    P.from_buffer(cfg, KVC_DESCRIPTION).value = ctypes.addressof(desc)
    ctypes.c_int32.from_buffer(cfg, KVC_MAX_VALUE_SIZE).value = B_MAX_VALUE
    ctypes.c_uint8.from_buffer(cfg, KVC_HISTORY).value = B_HISTORY
    I64.from_buffer(cfg, KVC_TTL).value = B_TTL_S * 1_000_000_000
    I64.from_buffer(cfg, KVC_MAX_BYTES).value = B_MAX_BYTES
    ctypes.c_int.from_buffer(cfg, KVC_STORAGE).value = JS_MEMORY_STORAGE
    ctypes.c_int.from_buffer(cfg, KVC_REPLICAS).value = 1
    marker = version_tuple(c.version) >= (3, 14)
    if marker:
        I64.from_buffer(cfg, KVC_LIMIT_MARKER_TTL_314).value = B_MARKER_TTL_S * 1_000_000_000
    kv = P()
    c.check("js_CreateKeyValue", lib.js_CreateKeyValue(ctypes.byref(kv), c.js, cfg))
    try:
        expect(lib.kvStore_Bucket(kv) == B_BUCKET.encode(), f"kvStore_Bucket {lib.kvStore_Bucket(kv)!r}")
        rev = {}
        hist = {}  # key -> [(revision, value, op)] as the bucket keeps it
        names = [c.put_string(kv, "name", f"n{i}") for i in range(6)]
        expect(names == list(range(1, 7)), f"(b) revisions of six puts: {names}")
        hist["name"] = [(r, f"n{i}".encode(), KV_OP_PUT) for i, r in enumerate(names)][-B_HISTORY:]
        rev["blob"] = c.put(kv, "blob", B_BLOB)
        hist["blob"] = [(rev["blob"], B_BLOB, KV_OP_PUT)]
        rev["empty"] = c.put(kv, "empty", b"")
        hist["empty"] = [(rev["empty"], b"", KV_OP_PUT)]
        s, r1 = c.create(kv, "made.by.create", b"v1\x00")
        c.check("(b) kvStore_Create(made.by.create)", s)
        s, r = c.create(kv, "made.by.create", b"again")
        c.expect_refused("(b) kvStore_Create(made.by.create) again", s, r)
        r_del_put = c.put_string(kv, "todelete", "x")
        c.check("(b) kvStore_Delete(todelete)", lib.kvStore_Delete(kv, b"todelete"))
        c.put_string(kv, "topurge", "p1")
        c.put_string(kv, "topurge", "p2")
        c.check("(b) kvStore_Purge(topurge)", lib.kvStore_Purge(kv, b"topurge", None))
        s, r2 = c.update(kv, "made.by.create", b"v2\x00\x00", r1)
        c.check(f"(b) kvStore_Update(made.by.create, last {r1})", s)
        hist["made.by.create"] = [(r1, b"v1\x00", KV_OP_PUT), (r2, b"v2\x00\x00", KV_OP_PUT)]
        # Our own view of the markers gives their revisions.
        td = c.history(kv, "todelete")
        expect(
            td is not None and [(e.op, e.revision) for e in td] == [(KV_OP_PUT, r_del_put), (KV_OP_DELETE, r_del_put + 1)],
            f"(b) kvStore_History(todelete): {td}",
        )
        hist["todelete"] = [(r_del_put, b"x", KV_OP_PUT), (r_del_put + 1, b"", KV_OP_DELETE)]
        tp = c.history(kv, "topurge")
        expect(
            tp is not None and [(e.op, e.revision) for e in tp] == [(KV_OP_PURGE, r_del_put + 4)],
            f"(b) kvStore_History(topurge): {tp}",
        )
        hist["topurge"] = [(r_del_put + 4, b"", KV_OP_PURGE)]
        expect(r2 == r_del_put + 5, f"(b) update revision {r2}, want {r_del_put + 5}")
        for key, h in hist.items():
            ours = c.history(kv, key)
            expect(
                ours is not None and [(e.revision, e.value, e.op) for e in ours] == h,
                f"(b) our own kvStore_History({key}): {ours}, want {h}",
            )
        st = c.status(kv)
        n = sum(len(h) for h in hist.values())
        expect(
            (st["bucket"], st["values"], st["history"], st["ttl"], st["replicas"])
            == (B_BUCKET, n, B_HISTORY, B_TTL_S * 1_000_000_000, 1),
            f"(b) our kvStatus_*: {st}",
        )
        return hist, marker, st
    finally:
        lib.kvStore_Destroy(kv)


async def scenario_b(c, js):
    hist, marker, st = await asyncio.to_thread(c_create_b, c)

    # ADR-8's stream, as nats-py sees it.
    si = await js.stream_info(f"KV_{B_BUCKET}")
    cfg = si.config
    got = {
        "name": cfg.name,
        "description": cfg.description,
        "subjects": cfg.subjects,
        "max_msgs_per_subject": cfg.max_msgs_per_subject,
        "allow_rollup_hdrs": cfg.allow_rollup_hdrs,
        "deny_delete": cfg.deny_delete,
        "deny_purge": cfg.deny_purge,
        "allow_direct": cfg.allow_direct,
        "discard": cfg.discard,
        "max_age": cfg.max_age,
        "max_bytes": cfg.max_bytes,
        "max_msg_size": cfg.max_msg_size,
        "max_msgs": cfg.max_msgs,
        "storage": cfg.storage,
        "num_replicas": cfg.num_replicas,
        "duplicate_window": cfg.duplicate_window,
    }
    want = {
        "name": f"KV_{B_BUCKET}",
        "description": B_DESC,
        "subjects": [f"$KV.{B_BUCKET}.>"],
        "max_msgs_per_subject": B_HISTORY,
        "allow_rollup_hdrs": True,
        "deny_delete": True,
        "deny_purge": False,
        "allow_direct": True,
        "discard": api.DiscardPolicy.NEW,
        "max_age": float(B_TTL_S),
        "max_bytes": B_MAX_BYTES,
        "max_msg_size": B_MAX_VALUE,
        "max_msgs": -1,
        "storage": api.StorageType.MEMORY,
        "num_replicas": 1,
        "duplicate_window": 120.0,
    }
    if marker:
        got["allow_msg_ttl"] = cfg.allow_msg_ttl
        got["subject_delete_marker_ttl"] = cfg.subject_delete_marker_ttl
        want["allow_msg_ttl"] = True
        want["subject_delete_marker_ttl"] = float(B_MARKER_TTL_S)
    diff = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
    expect(not diff, f"(b) nats-py's view of the stream config (got, want): {diff}")

    kv = await js.key_value(B_BUCKET)
    py = Py(js, kv, B_BUCKET)
    status = await kv.status()
    py_status = (status.bucket, status.values, status.history, status.ttl)
    expect(py_status == (B_BUCKET, st["values"], B_HISTORY, float(B_TTL_S)), f"(b) nats-py status {py_status}, ours {st}")
    if st["bytes"] is not None:
        expect(st["bytes"] == si.state.bytes, f"(b) kvStatus_Bytes {st['bytes']}, nats-py {si.state.bytes}")

    for key, h in hist.items():
        ph = await py.history(key)
        seen = [(e.revision, e.value, e.op) for e in ph]
        expect(seen == h, f"(b) nats-py history of {key}: {seen}, the C library wrote {h}")
        last_rev, last_val, last_op = h[-1]
        got, op = await py_get(kv, key)
        if last_op == KV_OP_PUT:
            expect(
                got is not None and (got.value, got.revision) == (last_val, last_rev),
                f"(b) nats-py get {key}: {got} (hidden by {op}), want rev {last_rev} {last_val!r}",
            )
        else:
            expect(got is None and PY_OP[op] == last_op, f"(b) nats-py get {key}: {got}, op {op}, want a marker {last_op}")
        for rev, val, o in h:
            got, op = await py_get(kv, key, rev)
            if o == KV_OP_PUT:
                expect(got is not None and got.value == val, f"(b) nats-py get {key} revision {rev}: {got}")
            else:
                expect(got is None and PY_OP[op] == o, f"(b) nats-py get {key} revision {rev}: {got}, op {op}")

    live = {k for k, h in hist.items() if h[-1][2] == KV_OP_PUT}
    py_keys = await py.keys(live)
    expect(sorted(py_keys) == sorted(live), f"(b) nats-py keys {py_keys}, want {sorted(live)}")

    initial = await py.watch_initial()
    want_initial = sorted(((k, *h[-1]) for k, h in hist.items()), key=lambda t: t[1])
    expect(initial == want_initial, f"(b) nats-py watchall initial {initial}, want {want_initial}")

    # nats-py updates with the revision we got; we read it.
    last = hist["name"][-1][0]
    new_rev = await kv.update("name", b"from nats-py\x00", last=last)

    def read_back():
        h = c.open(B_BUCKET)
        try:
            got = c.get(h, "name")
            expect(
                got is not None and (got.value, got.revision, got.op) == (b"from nats-py\x00", new_rev, KV_OP_PUT),
                f"(b) kvStore_Get(name) after nats-py's update: {got}, nats-py wrote rev {new_rev}",
            )
            s, r = c.update(h, "name", b"stale", last)
            c.expect_refused(f"(b) kvStore_Update(name, last {last}) after nats-py's update", s, r)
        finally:
            c.lib.kvStore_Destroy(h)

    await asyncio.to_thread(read_back)
    with_marker = f", LimitMarkerTTL {B_MARKER_TTL_S}s" if marker else ""
    print(
        f"b: the C library created {B_BUCKET} (history {B_HISTORY}, TTL {B_TTL_S}s{with_marker}) and wrote "
        f"{len(hist)} keys; nats-py read the same revisions, history and markers, and an ADR-8 stream"
    )


async def run(lib, url, scenarios):
    c = C(lib, url)
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        for name, fn in (("a", scenario_a), ("b", scenario_b)):
            if name in scenarios:
                await fn(c, js)
    finally:
        await nc.close()
        c.close()


def main(argv):
    ap = argparse.ArgumentParser(description="KV interop: nats.c API (ctypes) and nats-py")
    ap.add_argument("--lib", default=os.environ.get("NATS_RS_LIB", ""))
    ap.add_argument("--scenarios", default="ab")
    ap.add_argument("url")
    args = ap.parse_args(argv[1:])
    if not args.lib:
        print("no library: pass --lib or set NATS_RS_LIB", file=sys.stderr)
        return 2
    if set(args.scenarios) - set("ab"):
        print(f"unknown scenarios in {args.scenarios!r}", file=sys.stderr)
        return 2
    lib = load(args.lib)
    print(f"library {args.lib}: nats.c API version {lib.nats_GetVersion().decode()}")
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
