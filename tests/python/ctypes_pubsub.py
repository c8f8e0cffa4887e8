#!/usr/bin/env python3
"""The nats.c API from Python through ctypes (standard library only).

Loads libnats_rs.so, connects to a server, subscribes with a Python callback,
publishes a string, waits for the callback, checks the message's subject and
bytes, cleans up and prints OK. Any failure exits 1.

Usage: ctypes_pubsub.py [LIB] URL
  LIB defaults to $NATS_RS_LIB; URL is e.g. nats://127.0.0.1:4222.
"""

import ctypes
import os
import sys
import threading

SUBJECT = b"py.ctypes"
PAYLOAD = b"hello from python"
NATS_OK = 0

# void (*natsMsgHandler)(natsConnection*, natsSubscription*, natsMsg*, void*)
MSG_HANDLER = ctypes.CFUNCTYPE(
    None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p
)


def load(path):
    """Loads the library and declares the few functions used here.

    Handles are opaque pointers (c_void_p); every call returns natsStatus.
    """
    lib = ctypes.CDLL(path)
    P, PP, S = ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p
    sigs = {
        "natsConnection_ConnectTo": (ctypes.c_int, [PP, S]),
        "natsConnection_Subscribe": (ctypes.c_int, [PP, P, S, MSG_HANDLER, P]),
        "natsConnection_PublishString": (ctypes.c_int, [P, S, S]),
        "natsConnection_Flush": (ctypes.c_int, [P]),
        "natsConnection_Destroy": (None, [P]),
        "natsSubscription_Destroy": (None, [P]),
        # GetData is NUL-terminated but may hold NULs: read it by length.
        "natsMsg_GetData": (P, [P]),
        "natsMsg_GetDataLength": (ctypes.c_int, [P]),
        "natsMsg_GetSubject": (S, [P]),
        "natsMsg_Destroy": (None, [P]),
        "natsStatus_GetText": (S, [ctypes.c_int]),
        "nats_Close": (None, []),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    return lib


def main(argv):
    if len(argv) == 2:
        lib_path, url = os.environ.get("NATS_RS_LIB", ""), argv[1]
    elif len(argv) == 3:
        lib_path, url = argv[1], argv[2]
    else:
        print(__doc__, file=sys.stderr)
        return 2
    if not lib_path:
        print("no library: pass its path or set NATS_RS_LIB", file=sys.stderr)
        return 2
    lib = load(lib_path)

    def check(what, status):
        if status != NATS_OK:
            text = lib.natsStatus_GetText(status).decode()
            raise SystemExit(f"{what}: {text} ({status})")

    # The callback runs on a library thread; ctypes takes the GIL for it.
    # It only records what it saw: the checks happen on the main thread.
    got = {}
    arrived = threading.Event()

    def on_msg(nc, sub, msg, closure):
        try:
            n = lib.natsMsg_GetDataLength(msg)
            got["data"] = ctypes.string_at(lib.natsMsg_GetData(msg), n)
            got["subject"] = lib.natsMsg_GetSubject(msg)
        finally:
            lib.natsMsg_Destroy(msg)  # the callback owns the message
            arrived.set()

    # Keep the ctypes wrapper alive as long as the subscription exists.
    handler = MSG_HANDLER(on_msg)

    nc, sub = ctypes.c_void_p(), ctypes.c_void_p()
    check("connect", lib.natsConnection_ConnectTo(ctypes.byref(nc), url.encode()))
    check(
        "subscribe",
        lib.natsConnection_Subscribe(ctypes.byref(sub), nc, SUBJECT, handler, None),
    )
    check("publish", lib.natsConnection_PublishString(nc, SUBJECT, PAYLOAD))
    check("flush", lib.natsConnection_Flush(nc))

    if not arrived.wait(10):
        raise SystemExit("no message within 10 s")
    if got.get("subject") != SUBJECT or got.get("data") != PAYLOAD:
        raise SystemExit(f"unexpected message: {got!r}")

    lib.natsSubscription_Destroy(sub)
    lib.natsConnection_Destroy(nc)
    lib.nats_Close()
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
