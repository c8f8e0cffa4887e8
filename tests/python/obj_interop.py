#!/usr/bin/env python3
"""Object store (ADR-20) wire interop between the nats.c API (through
ctypes) and nats-py.

One program drives both clients against one nats-server with JetStream:
the C library through ctypes, its blocking calls on a worker thread;
nats-py through asyncio. Scenarios:

  a  nats-py creates store PYOBJ and puts a 5 MiB object (chunk size
     100000, so 53 chunks with a short last one) with a description and
     headers, and a small one. nats-py 2.16 has no object metadata, so the
     script adds ADR-20's "metadata" map to the big object's info message
     as nats.go writes it (the same JSON plus the field, rolled up). The C
     library opens the store (js_ObjectStore), lists it (objStore_List),
     describes each object (objStore_GetInfo: name, bucket, NUID, size,
     chunks, chunk size, digest, description, headers through
     natsHeader_Get / natsHeader_Values on Meta.Headers, metadata) exactly
     as nats-py does, and reads the same bytes: the big one with objStore_Get
     + objStoreGet_Read (SHA-256 compared with the one computed here), the
     small one with objStore_GetBytes.
  b  the C library creates store COBJ (js_CreateObjectStore, objStoreConfig
     from objStoreConfig_Init) and puts an empty object and one of exactly
     one chunk (128 KiB) with objStore_PutBytes, and a 5 MiB one with
     objStore_Put + objStorePut_Add of odd sizes + objStorePut_Complete,
     with a description, headers (one key with two values) and metadata
     (objStoreMeta_Init). nats-py lists the three, reads each with the same
     bytes, size, chunk count (the chunks filled to 128 KiB whatever the Add
     sizes), digest, NUID, description and headers; the info message holds
     the metadata as ADR-20 says.
  c  links, both ways (runs the puts of a and b first if they did not run):
     nats-py 2.16 has no add_link, so the script writes the link's info
     message in PYOBJ as nats.go's AddLink does (its own NUID, no chunks,
     options.link = {bucket COBJ, name of our big object}); the C library
     describes the link (Meta.Opts.Link) and objStore_GetBytes of its name
     returns our big object. Then objStore_AddLink makes COBJ's "c-link"
     point to nats-py's big object in PYOBJ; nats-py sees the link in its
     info and its get follows it to the same bytes.

Prints one line per scenario and `OK` at the end; any failure exits 1.

Usage: obj_interop.py [--lib LIB] [--scenarios abc] URL
  LIB defaults to $NATS_RS_LIB; URL is e.g. nats://127.0.0.1:4222.
  Needs nats-py (.ci/ensure-nats-py prints a python that has it).
"""

import argparse
import asyncio
import base64
import ctypes
import hashlib
import json
import os
import random
import sys
from datetime import datetime, timezone

import nats
from nats.js import api

NATS_OK = 0
NATS_NOT_FOUND = 13

# Generous bound against hangs only; nothing here is timed.
WAIT_MS = 30_000

MiB = 1024 * 1024
DEFAULT_CHUNK = 128 * 1024

U32 = ctypes.c_uint32
U64 = ctypes.c_uint64
I64 = ctypes.c_int64
P = ctypes.c_void_p
PP = ctypes.POINTER(ctypes.c_void_p)
S = ctypes.c_char_p
I = ctypes.c_int
B = ctypes.c_bool


class natsMetadata(ctypes.Structure):
    _fields_ = [("List", ctypes.POINTER(S)), ("Count", I)]


class objStoreLink(ctypes.Structure):
    _fields_ = [("Bucket", S), ("Name", S)]


class objStoreMetaOptions(ctypes.Structure):
    _fields_ = [("Link", ctypes.POINTER(objStoreLink)), ("ChunkSize", U32)]


class objStoreMeta(ctypes.Structure):
    _fields_ = [
        ("Name", S),
        ("Description", S),
        ("Headers", P),
        ("Metadata", natsMetadata),
        ("Opts", objStoreMetaOptions),
    ]


class objStoreInfo(ctypes.Structure):
    _fields_ = [
        ("Meta", objStoreMeta),
        ("Bucket", S),
        ("NUID", S),
        ("Size", U64),
        ("ModTime", I64),
        ("Chunks", U32),
        ("Digest", S),
        ("Deleted", B),
    ]


class objStoreInfoList(ctypes.Structure):
    _fields_ = [("List", ctypes.POINTER(ctypes.POINTER(objStoreInfo))), ("Count", I)]


class objStoreConfig(ctypes.Structure):
    _fields_ = [
        ("Bucket", S),
        ("Description", S),
        ("TTL", I64),
        ("MaxBytes", I64),
        ("Storage", I),
        ("Replicas", I),
        ("Placement", P),
        ("Compression", B),
        ("Metadata", natsMetadata),
    ]


class objStoreOptions(ctypes.Structure):
    _fields_ = [("ShowDeleted", B)]


# nats.c 3.14's sizes (tests/data/nats_c_3.14_layout.txt): the structs
# above must match them for the offsets to be the library's.
SIZES = {objStoreConfig: 72, objStoreMeta: 56, objStoreInfo: 112, objStoreInfoList: 16, objStoreLink: 16}
OFFSETS = {
    (objStoreMeta, "Metadata"): 24,
    (objStoreMeta, "Opts"): 40,
    (objStoreInfo, "Bucket"): 56,
    (objStoreInfo, "Size"): 72,
    (objStoreInfo, "Chunks"): 88,
    (objStoreInfo, "Digest"): 96,
    (objStoreInfo, "Deleted"): 104,
    (objStoreConfig, "Metadata"): 56,
}

INFO_P = ctypes.POINTER(objStoreInfo)


def load(path):
    """Loads the library and declares the functions used here."""
    lib = ctypes.CDLL(path)
    sigs = {
        "nats_GetVersion": (S, []),
        "natsConnection_ConnectTo": (I, [PP, S]),
        "natsConnection_Destroy": (None, [P]),
        "natsConnection_JetStream": (I, [PP, P, P]),
        "jsCtx_Destroy": (None, [P]),
        "natsStatus_GetText": (S, [I]),
        "nats_GetLastError": (S, [ctypes.POINTER(I)]),
        "nats_Close": (None, []),
        "natsHeader_New": (I, [PP]),
        "natsHeader_Add": (I, [P, S, S]),
        "natsHeader_Get": (I, [P, S, ctypes.POINTER(S)]),
        "natsHeader_Values": (I, [P, S, ctypes.POINTER(ctypes.POINTER(S)), ctypes.POINTER(I)]),
        "natsHeader_Keys": (I, [P, ctypes.POINTER(ctypes.POINTER(S)), ctypes.POINTER(I)]),
        "natsHeader_Destroy": (None, [P]),
        "objStoreConfig_Init": (I, [ctypes.POINTER(objStoreConfig)]),
        "objStoreMeta_Init": (I, [ctypes.POINTER(objStoreMeta)]),
        "js_CreateObjectStore": (I, [PP, P, ctypes.POINTER(objStoreConfig)]),
        "js_ObjectStore": (I, [PP, P, S]),
        "objStore_Destroy": (None, [P]),
        "objStore_List": (I, [ctypes.POINTER(ctypes.POINTER(objStoreInfoList)), P, P]),
        "objStoreInfoList_Destroy": (None, [ctypes.POINTER(objStoreInfoList)]),
        "objStore_GetInfo": (I, [ctypes.POINTER(INFO_P), P, S, P]),
        "objStoreInfo_Destroy": (None, [INFO_P]),
        "objStore_Get": (I, [PP, P, S, P]),
        "objStoreGet_Info": (I, [ctypes.POINTER(INFO_P), P]),
        "objStoreGet_Read": (I, [ctypes.POINTER(B), PP, ctypes.POINTER(I), P, I64]),
        "objStoreGet_Destroy": (None, [P]),
        "objStore_GetBytes": (I, [PP, ctypes.POINTER(I), P, S, P]),
        "objStore_PutBytes": (I, [ctypes.POINTER(INFO_P), P, S, S, I]),
        "objStore_Put": (I, [PP, P, ctypes.POINTER(objStoreMeta)]),
        "objStorePut_Add": (I, [P, S, I]),
        "objStorePut_Complete": (I, [ctypes.POINTER(INFO_P), P, I64]),
        "objStorePut_Destroy": (None, [P]),
        "objStore_AddLink": (I, [ctypes.POINTER(INFO_P), P, S, INFO_P]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    return lib


libc = ctypes.CDLL(None)
libc.free.argtypes = [P]
libc.free.restype = None


class Fail(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Fail(what)


def b64url_sha256(data):
    return "SHA-256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode()


def meta_subject(bucket, name):
    return f"$O.{bucket}.M.{base64.urlsafe_b64encode(name.encode()).decode()}"


def blob(seed, n):
    return random.Random(seed).randbytes(n)


def s(v):
    return None if v is None else v.decode()


class Info:
    """An objStoreInfo copied out of the library's struct."""

    def __init__(self, c, p):
        i = p.contents
        m = i.Meta
        self.name, self.description = s(m.Name), s(m.Description)
        self.bucket, self.nuid, self.digest = s(i.Bucket), s(i.NUID), s(i.Digest)
        self.size, self.chunks, self.deleted, self.mtime = i.Size, i.Chunks, i.Deleted, i.ModTime
        self.chunk_size = m.Opts.ChunkSize
        self.link = None
        if m.Opts.Link:
            ln = m.Opts.Link.contents
            self.link = (s(ln.Bucket), s(ln.Name))
        md = m.Metadata
        self.metadata = {md.List[2 * k].decode(): md.List[2 * k + 1].decode() for k in range(md.Count)}
        self.headers = c.headers(m.Headers) if m.Headers else None

    def __repr__(self):
        return f"<{self.__dict__}>"


class C:
    """The nats.c side: one connection and JetStream context."""

    def __init__(self, lib, url):
        self.lib = lib
        self.nc = P()
        self.js = P()
        self.check("connect", lib.natsConnection_ConnectTo(ctypes.byref(self.nc), url.encode()))
        self.check("JetStream", lib.natsConnection_JetStream(ctypes.byref(self.js), self.nc, None))

    def check(self, what, status):
        if status != NATS_OK:
            text = self.lib.natsStatus_GetText(status).decode()
            st = I()
            err = (self.lib.nats_GetLastError(ctypes.byref(st)) or b"").decode(errors="replace")
            raise Fail(f"{what}: {text} ({status}): {err}")

    def close(self):
        self.lib.jsCtx_Destroy(self.js)
        self.lib.natsConnection_Destroy(self.nc)

    def headers(self, h):
        """All keys and values of a natsHeader*, as nats-py spells them
        (ADR-20: a map of lists); natsHeader_Get gives the first value."""
        keys, n = ctypes.POINTER(S)(), I()
        st = self.lib.natsHeader_Keys(h, ctypes.byref(keys), ctypes.byref(n))
        if st == NATS_NOT_FOUND:
            return {}
        self.check("natsHeader_Keys", st)
        out = {}
        try:
            for k in range(n.value):
                key = keys[k]
                vals, m = ctypes.POINTER(S)(), I()
                self.check(f"natsHeader_Values({key})", self.lib.natsHeader_Values(h, key, ctypes.byref(vals), ctypes.byref(m)))
                out[key.decode()] = [vals[j].decode() for j in range(m.value)]
                first = S()
                self.check(f"natsHeader_Get({key})", self.lib.natsHeader_Get(h, key, ctypes.byref(first)))
                expect(first.value.decode() == out[key.decode()][0], f"natsHeader_Get({key}) {first.value!r}, values {out}")
                libc.free(vals)
        finally:
            libc.free(keys)
        return out

    def open(self, bucket):
        obs = P()
        self.check(f"js_ObjectStore({bucket})", self.lib.js_ObjectStore(ctypes.byref(obs), self.js, bucket.encode()))
        return obs

    def create(self, bucket, description):
        cfg = objStoreConfig()
        self.check("objStoreConfig_Init", self.lib.objStoreConfig_Init(ctypes.byref(cfg)))
        cfg.Bucket, cfg.Description = bucket.encode(), description.encode()
        obs = P()
        self.check(f"js_CreateObjectStore({bucket})", self.lib.js_CreateObjectStore(ctypes.byref(obs), self.js, ctypes.byref(cfg)))
        return obs

    def take_info(self, p):
        try:
            return Info(self, p)
        finally:
            self.lib.objStoreInfo_Destroy(p)

    def list(self, obs):
        lst = ctypes.POINTER(objStoreInfoList)()
        self.check("objStore_List", self.lib.objStore_List(ctypes.byref(lst), obs, None))
        try:
            return {i.name: i for i in (Info(self, lst.contents.List[k]) for k in range(lst.contents.Count))}
        finally:
            self.lib.objStoreInfoList_Destroy(lst)

    def info(self, obs, name):
        p = INFO_P()
        self.check(f"objStore_GetInfo({name})", self.lib.objStore_GetInfo(ctypes.byref(p), obs, name.encode(), None))
        return self.take_info(p)

    def get_bytes(self, obs, name):
        data, n = P(), I()
        self.check(f"objStore_GetBytes({name})", self.lib.objStore_GetBytes(ctypes.byref(data), ctypes.byref(n), obs, name.encode(), None))
        try:
            return ctypes.string_at(data, n.value) if n.value else b""
        finally:
            libc.free(data)

    def get_streamed(self, obs, name):
        """objStore_Get + objStoreGet_Read to the end: (info, bytes, reads)."""
        g = P()
        self.check(f"objStore_Get({name})", self.lib.objStore_Get(ctypes.byref(g), obs, name.encode(), None))
        try:
            ip = INFO_P()
            self.check("objStoreGet_Info", self.lib.objStoreGet_Info(ctypes.byref(ip), g))
            info = Info(self, ip)  # lent: not destroyed
            parts, done, reads = [], B(False), 0
            while not done.value:
                data, n = P(), I()
                self.check(f"objStoreGet_Read({name}) #{reads}", self.lib.objStoreGet_Read(ctypes.byref(done), ctypes.byref(data), ctypes.byref(n), g, WAIT_MS))
                reads += 1
                if n.value:
                    parts.append(ctypes.string_at(data, n.value))
                libc.free(data)
                expect(reads < 100_000, f"objStoreGet_Read({name}) never done")
            return info, b"".join(parts), reads
        finally:
            self.lib.objStoreGet_Destroy(g)

    def put_bytes(self, obs, name, data):
        p = INFO_P()
        # nats.c refuses data with a zero length: an empty object is NULL, 0.
        buf = data or None
        self.check(f"objStore_PutBytes({name})", self.lib.objStore_PutBytes(ctypes.byref(p), obs, name.encode(), buf, len(data)))
        return self.take_info(p)

    def put_streamed(self, obs, name, data, description, headers, metadata, add_sizes):
        meta = objStoreMeta()
        self.check("objStoreMeta_Init", self.lib.objStoreMeta_Init(ctypes.byref(meta)))
        h = P()
        self.check("natsHeader_New", self.lib.natsHeader_New(ctypes.byref(h)))
        try:
            for k, vals in headers.items():
                for v in vals:
                    self.check(f"natsHeader_Add({k})", self.lib.natsHeader_Add(h, k.encode(), v.encode()))
            flat = [x.encode() for kv in metadata.items() for x in kv]
            md = (S * len(flat))(*flat)
            meta.Name, meta.Description, meta.Headers = name.encode(), description.encode(), h
            meta.Metadata.List, meta.Metadata.Count = ctypes.cast(md, ctypes.POINTER(S)), len(metadata)
            put = P()
            self.check(f"objStore_Put({name})", self.lib.objStore_Put(ctypes.byref(put), obs, ctypes.byref(meta)))
            try:
                off, k = 0, 0
                while off < len(data):
                    n = min(add_sizes[k % len(add_sizes)], len(data) - off)
                    piece = data[off : off + n]
                    self.check(f"objStorePut_Add({n} at {off})", self.lib.objStorePut_Add(put, piece, n))
                    off, k = off + n, k + 1
                p = INFO_P()
                self.check(f"objStorePut_Complete({name})", self.lib.objStorePut_Complete(ctypes.byref(p), put, WAIT_MS))
                return self.take_info(p), k
            finally:
                self.lib.objStorePut_Destroy(put)
        finally:
            self.lib.natsHeader_Destroy(h)

    def add_link(self, obs, name, target_obs, target):
        t = INFO_P()
        self.check(f"objStore_GetInfo({target})", self.lib.objStore_GetInfo(ctypes.byref(t), target_obs, target.encode(), None))
        try:
            p = INFO_P()
            self.check(f"objStore_AddLink({name})", self.lib.objStore_AddLink(ctypes.byref(p), obs, name.encode(), t))
            return self.take_info(p)
        finally:
            self.lib.objStoreInfo_Destroy(t)


def check_layout():
    for t, n in SIZES.items():
        expect(ctypes.sizeof(t) == n, f"ctypes {t.__name__} is {ctypes.sizeof(t)} bytes, nats.c 3.14's {n}")
    for (t, f), off in OFFSETS.items():
        expect(getattr(t, f).offset == off, f"ctypes {t.__name__}.{f} at {getattr(t, f).offset}, nats.c 3.14's {off}")


# --- (a) nats-py writes, we read ------------------------------------------

PY_BUCKET = "PYOBJ"
PY_BIG, PY_SMALL = "py/big.bin", "py-small.txt"
PY_BIG_DATA = blob(1, 5 * MiB)
PY_SMALL_DATA = b"small object from nats-py\x00\xff"
PY_CHUNK = 100_000
PY_HEADERS = {"X-Origin": ["nats-py"], "X-Multi": ["one", "two"]}
PY_METADATA = {"owner": "nats-py", "kind": "firmware"}
PY_DESC = "five MiB from nats-py"


async def py_setup(js, state):
    if "py" in state:
        return
    pyobs = await js.create_object_store(PY_BUCKET, config=api.ObjectStoreConfig(description="nats-py's store"))
    meta = api.ObjectMeta(
        description=PY_DESC,
        headers=PY_HEADERS,
        options=api.ObjectMetaOptions(max_chunk_size=PY_CHUNK),
    )
    big = await pyobs.put(PY_BIG, PY_BIG_DATA, meta=meta)
    small = await pyobs.put(PY_SMALL, PY_SMALL_DATA)
    # nats-py 2.16 has no metadata: add ADR-20's field to the info message
    # nats-py wrote, as nats.go would have written it.
    subj = meta_subject(PY_BUCKET, PY_BIG)
    raw = await js.get_last_msg(f"OBJ_{PY_BUCKET}", subj)
    doc = json.loads(raw.data)
    doc["metadata"] = PY_METADATA
    await js.publish(subj, json.dumps(doc).encode(), headers={"Nats-Rollup": "sub"})
    state["py"] = {"obs": pyobs, PY_BIG: big, PY_SMALL: small}


def same_as_py(got, ref, what):
    """Our Info against nats-py's ObjectInfo of the same object."""
    for field, mine, theirs in (
        ("Name", got.name, ref.name),
        ("Bucket", got.bucket, ref.bucket),
        ("NUID", got.nuid, ref.nuid),
        ("Size", got.size, ref.size),
        ("Chunks", got.chunks, ref.chunks),
        ("Digest", got.digest, ref.digest),
        ("Description", got.description, ref.description),
        ("Deleted", got.deleted, bool(ref.deleted)),
    ):
        expect(mine == theirs, f"{what}: {field} {mine!r}, nats-py {theirs!r}")
    expect((got.headers or {}) == (ref.headers or {}), f"{what}: Meta.Headers {got.headers}, nats-py {ref.headers}")


async def scenario_a(c, js, state):
    await py_setup(js, state)
    py = state["py"]
    expect(py[PY_BIG].chunks == 53, f"(a) nats-py wrote {py[PY_BIG].chunks} chunks, expected 53 of 100000")

    def read():
        obs = c.open(PY_BUCKET)
        try:
            listed = c.list(obs)
            expect(sorted(listed) == sorted([PY_BIG, PY_SMALL]), f"(a) objStore_List {sorted(listed)}")
            infos = {n: c.info(obs, n) for n in (PY_BIG, PY_SMALL)}
            big_get = c.get_streamed(obs, PY_BIG)
            small = c.get_bytes(obs, PY_SMALL)
            return listed, infos, big_get, small
        finally:
            c.lib.objStore_Destroy(obs)

    listed, infos, (get_info, big, reads), small = await asyncio.to_thread(read)
    for name in (PY_BIG, PY_SMALL):
        ref = py[name]
        same_as_py(listed[name], ref, f"(a) objStore_List[{name}]")
        same_as_py(infos[name], ref, f"(a) objStore_GetInfo({name})")
    same_as_py(get_info, py[PY_BIG], "(a) objStoreGet_Info")
    bi = infos[PY_BIG]
    expect(bi.headers == PY_HEADERS, f"(a) headers {bi.headers}, nats-py put {PY_HEADERS}")
    expect(bi.metadata == PY_METADATA, f"(a) Meta.Metadata {bi.metadata}, the info message has {PY_METADATA}")
    expect(bi.chunk_size == PY_CHUNK, f"(a) Meta.Opts.ChunkSize {bi.chunk_size}, nats-py used {PY_CHUNK}")
    expect(bi.digest == b64url_sha256(PY_BIG_DATA), f"(a) Digest {bi.digest}, SHA-256 here {b64url_sha256(PY_BIG_DATA)}")
    expect(infos[PY_SMALL].size == len(PY_SMALL_DATA) and infos[PY_SMALL].chunks == 1, f"(a) small: {infos[PY_SMALL]}")
    now = datetime.now(timezone.utc).timestamp() * 1e9
    expect(abs(bi.mtime - now) < 600e9, f"(a) ModTime {bi.mtime} ns, now is {now:.0f}")
    expect(
        hashlib.sha256(big).hexdigest() == hashlib.sha256(PY_BIG_DATA).hexdigest() and len(big) == len(PY_BIG_DATA),
        f"(a) objStoreGet_Read gave {len(big)} bytes, sha256 {hashlib.sha256(big).hexdigest()}; nats-py put {len(PY_BIG_DATA)} bytes {hashlib.sha256(PY_BIG_DATA).hexdigest()}",
    )
    expect(small == PY_SMALL_DATA, f"(a) objStore_GetBytes({PY_SMALL}) {small!r}")
    print(
        f"a: nats-py put {PY_BIG} ({len(PY_BIG_DATA)} bytes, {bi.chunks} chunks, headers, metadata) and {PY_SMALL}; "
        f"the C library listed and described both as nats-py does and read the same bytes ({reads} reads)"
    )


# --- (b) we write, nats-py reads ------------------------------------------

C_BUCKET = "COBJ"
C_EMPTY, C_ONE, C_BIG = "c-empty", "c/one-chunk", "c/big.bin"
C_ONE_DATA = blob(2, DEFAULT_CHUNK)
C_BIG_DATA = blob(3, 5 * MiB)
C_HEADERS = {"X-Origin": ["nats_rs"], "X-Multi": ["first", "second"]}
C_METADATA = {"owner": "nats_rs", "build": "42"}
C_DESC = "five MiB from the C API"
ADD_SIZES = [1, 7, 65_537, 100_003, 131_071, 3, 262_147, 999]


async def c_setup(c, state):
    if "c" in state:
        return

    def put():
        obs = c.create(C_BUCKET, "the C library's store")
        try:
            empty = c.put_bytes(obs, C_EMPTY, b"")
            one = c.put_bytes(obs, C_ONE, C_ONE_DATA)
            big, adds = c.put_streamed(obs, C_BIG, C_BIG_DATA, C_DESC, C_HEADERS, C_METADATA, ADD_SIZES)
            return {C_EMPTY: empty, C_ONE: one, C_BIG: big, "adds": adds}
        finally:
            c.lib.objStore_Destroy(obs)

    state["c"] = await asyncio.to_thread(put)


async def scenario_b(c, js, state):
    await c_setup(c, state)
    ours_ = state["c"]
    want = {C_EMPTY: (b"", 0), C_ONE: (C_ONE_DATA, 1), C_BIG: (C_BIG_DATA, 40)}
    for name, (data, chunks) in want.items():
        i = ours_[name]
        expect(
            (i.size, i.chunks, i.digest) == (len(data), chunks, b64url_sha256(data)),
            f"(b) our put of {name}: size {i.size}, chunks {i.chunks}, digest {i.digest}; want {len(data)}, {chunks}, {b64url_sha256(data)}",
        )

    obs = await js.object_store(C_BUCKET)
    listed = {i.name: i for i in await obs.list()}
    expect(sorted(listed) == sorted(want), f"(b) nats-py list {sorted(listed)}, we put {sorted(want)}")
    for name, (data, chunks) in want.items():
        mine = ours_[name]
        info = await obs.get_info(name)
        for ref, how in ((info, "get_info"), (listed[name], "list")):
            same_as_py(mine, ref, f"(b) nats-py {how}({name}) against our objStorePut info")
        res = await obs.get(name)
        got = res.data or b""
        expect(
            got == data,
            f"(b) nats-py get({name}): {len(got)} bytes sha256 {hashlib.sha256(got).hexdigest()}, we put {len(data)} bytes {hashlib.sha256(data).hexdigest()}",
        )
    big = await obs.get_info(C_BIG)
    expect(big.headers == C_HEADERS, f"(b) nats-py sees headers {big.headers}, we put {C_HEADERS}")
    expect(big.description == C_DESC, f"(b) nats-py sees description {big.description!r}")
    chunk = big.options.max_chunk_size if big.options else None
    expect(chunk == DEFAULT_CHUNK, f"(b) nats-py sees chunk size {chunk}, nats.c's default is {DEFAULT_CHUNK}")
    raw = await js.get_last_msg(f"OBJ_{C_BUCKET}", meta_subject(C_BUCKET, C_BIG))
    doc = json.loads(raw.data)
    expect(doc.get("metadata") == C_METADATA, f"(b) our info message's metadata {doc.get('metadata')}, we set {C_METADATA}")
    expect(doc.get("headers") == C_HEADERS, f"(b) our info message's headers {doc.get('headers')}")
    print(
        f"b: the C library put {C_EMPTY} (0 bytes), {C_ONE} (1 chunk) and {C_BIG} "
        f"({len(C_BIG_DATA)} bytes in {ours_['adds']} odd Adds, 40 chunks, headers, metadata); "
        f"nats-py listed and read each with the same bytes, digest, NUID and headers"
    )


# --- (c) links both ways --------------------------------------------------

PY_LINK, C_LINK = "py-link", "c-link"


async def scenario_c(c, js, state):
    await py_setup(js, state)
    await c_setup(c, state)
    # nats-py 2.16 has no add_link: its info message as nats.go's AddLink
    # writes one (ADR-20: a NUID of its own, no chunks, options.link).
    link = {
        "name": PY_LINK,
        "bucket": PY_BUCKET,
        "nuid": js._nc._nuid.next().decode(),
        "size": 0,
        "chunks": 0,
        "mtime": datetime.now(timezone.utc).isoformat(),
        "options": {"link": {"bucket": C_BUCKET, "name": C_BIG}},
    }
    await js.publish(meta_subject(PY_BUCKET, PY_LINK), json.dumps(link).encode(), headers={"Nats-Rollup": "sub"})
    pyobs = state["py"]["obs"]
    pl = await pyobs.get_info(PY_LINK)
    expect(pl.is_link(), f"(c) nats-py does not see its own link: {pl}")

    def follow_and_link():
        pobs, cobs = c.open(PY_BUCKET), c.open(C_BUCKET)
        try:
            li = c.info(pobs, PY_LINK)
            data = c.get_bytes(pobs, PY_LINK)
            made = c.add_link(cobs, C_LINK, pobs, PY_BIG)
            return li, data, made
        finally:
            c.lib.objStore_Destroy(pobs)
            c.lib.objStore_Destroy(cobs)

    li, data, made = await asyncio.to_thread(follow_and_link)
    expect(li.link == (C_BUCKET, C_BIG), f"(c) objStore_GetInfo({PY_LINK}): Meta.Opts.Link {li.link}")
    expect(data == C_BIG_DATA, f"(c) objStore_GetBytes({PY_LINK}) gave {len(data)} bytes, not our {C_BIG}")
    expect(made.link == (PY_BUCKET, PY_BIG), f"(c) objStore_AddLink info: Meta.Opts.Link {made.link}")

    cobs = await js.object_store(C_BUCKET)
    ci = await cobs.get_info(C_LINK)
    expect(ci.is_link(), f"(c) nats-py get_info({C_LINK}) is no link: {ci}")
    lk = ci.options.link
    expect((lk.bucket, lk.name) == (PY_BUCKET, PY_BIG), f"(c) nats-py sees link {lk}")
    expect(ci.nuid == made.nuid and ci.nuid, f"(c) link NUID: nats-py {ci.nuid!r}, ours {made.nuid!r}")
    res = await cobs.get(C_LINK)
    got = res.data or b""
    expect(got == PY_BIG_DATA, f"(c) nats-py get({C_LINK}) gave {len(got)} bytes, not its own {PY_BIG}")
    print(f"c: the C library followed nats-py's link {PY_LINK} to {C_BUCKET}/{C_BIG}; nats-py followed our {C_LINK} to {PY_BUCKET}/{PY_BIG}")


async def run(lib, url, scenarios):
    c = C(lib, url)
    nc = await nats.connect(url)
    state = {}
    try:
        js = nc.jetstream()
        for name, fn in (("a", scenario_a), ("b", scenario_b), ("c", scenario_c)):
            if name in scenarios:
                await fn(c, js, state)
    finally:
        await nc.close()
        c.close()


def main(argv):
    ap = argparse.ArgumentParser(description="Object store interop: nats.c API (ctypes) and nats-py")
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
    print(f"library {args.lib}: nats.c API version {lib.nats_GetVersion().decode()}")
    try:
        check_layout()
        asyncio.run(run(lib, args.url, args.scenarios))
    except Fail as e:
        print(f"FAIL {e}", file=sys.stderr)
        return 1
    lib.nats_Close()
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
