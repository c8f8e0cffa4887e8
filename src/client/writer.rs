//! The writing side of a connection: the output buffer publishers encode
//! into, the socket's write half, and the condvar the flusher sleeps on.
//!
//! Locks: `sock` → `out` (see `client/mod.rs`). `out` is held only to
//! append or swap bytes; `sock` only across socket writes, so writes go
//! out in the order their bytes were taken. A failed write is handed back
//! (`WriteFailed`): what it means for the connection is the caller's call.
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::error::{Error, ErrorKind, Result};
use super::transport::WriteHalf;
use crate::proto::encode;

/// Past this many buffered bytes a publisher writes to the socket itself
/// instead of waiting for the flusher (back-pressure).
pub(crate) const SELF_FLUSH_THRESHOLD: usize = 4 * 1024 * 1024;

/// A socket write failed: the error, and the epoch of the socket.
pub(crate) type WriteFailed = (std::io::Error, u64);

pub(crate) struct OutBuf {
    pub(crate) buf: Vec<u8>,
    pub(crate) spare: Vec<u8>,
    pub(crate) flusher_waiting: bool,
    pub(crate) stop: bool,
    /// No socket: publishes accumulate (up to the reconnect buffer size)
    /// and are sent after a reconnect; other protocol is not kept.
    pub(crate) paused: bool,
    /// PINGs appended since the last swap, so a reconnect knows how many
    /// PONGs the buffered bytes will bring.
    pub(crate) pings: usize,
    /// Messages and payload bytes published (`natsStatistics`' out counts):
    /// kept under this lock, which every publish holds anyway, instead of
    /// costing two atomic additions per message.
    pub(crate) sent_msgs: u64,
    pub(crate) sent_bytes: u64,
}

impl OutBuf {
    pub(crate) fn count_sent(&mut self, size: i64) {
        self.sent_msgs += 1;
        self.sent_bytes += size as u64;
    }

    /// Hands the buffered bytes over for writing, leaving the spare buffer
    /// in their place. The PINGs among them are on their way.
    fn take_for_write(&mut self) -> Vec<u8> {
        self.pings = 0;
        let spare = std::mem::take(&mut self.spare);
        std::mem::replace(&mut self.buf, spare)
    }
}

/// What the flusher should do next (`Writer::next_batch`).
pub(crate) enum FlusherStep {
    Stop,
    /// Woken, or its wait ran out: look at the ping timer again.
    Idle,
    Write,
}

/// What became of a large message written from the caller's buffer.
pub(crate) enum Direct {
    /// No socket: the caller buffers the message for the reconnect.
    Paused,
    Closed,
    Written(std::result::Result<(), WriteFailed>),
}

pub(crate) struct Writer {
    /// The socket writers use, with the epoch it belongs to.
    sock: Mutex<Option<(WriteHalf, u64)>>,
    out: Mutex<OutBuf>,
    /// The flusher waits here for bytes (and wakes for a close).
    cv: Condvar,
}

fn closed() -> Error {
    Error::new(ErrorKind::ConnectionClosed, "connection closed")
}

impl Writer {
    pub(crate) fn new(io_buf_size: usize) -> Writer {
        Writer {
            sock: Mutex::new(None),
            out: Mutex::new(OutBuf {
                buf: Vec::with_capacity(io_buf_size),
                spare: Vec::with_capacity(io_buf_size),
                flusher_waiting: false,
                stop: false,
                paused: false,
                pings: 0,
                sent_msgs: 0,
                sent_bytes: 0,
            }),
            cv: Condvar::new(),
        }
    }

    pub(crate) fn lock_out(&self) -> MutexGuard<'_, OutBuf> {
        self.out.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn lock_sock(&self) -> MutexGuard<'_, Option<(WriteHalf, u64)>> {
        self.sock.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wakes the flusher (whoever took `flusher_waiting` does this).
    pub(crate) fn wake(&self) {
        self.cv.notify_one();
    }

    /// Wakes every waiter: the socket came back, or the connection closed.
    pub(crate) fn wake_all(&self) {
        self.cv.notify_all();
    }

    /// Appends protocol bytes (SUB, UNSUB, PONG...) and wakes the flusher.
    pub(crate) fn send_proto(&self, f: impl FnOnce(&mut Vec<u8>)) -> Result<()> {
        let wake = {
            let mut o = self.lock_out();
            if o.stop {
                return Err(closed());
            }
            if o.paused {
                // Subscriptions are re-sent from the table on reconnect.
                return Ok(());
            }
            f(&mut o.buf);
            std::mem::take(&mut o.flusher_waiting)
        };
        if wake {
            self.wake();
        }
        Ok(())
    }

    /// Writes everything buffered, in order, from the calling thread.
    pub(crate) fn write_pending(&self) -> std::result::Result<(), WriteFailed> {
        let mut w = self.lock_sock();
        let Some((stream, epoch)) = w.as_mut() else {
            return Ok(());
        };
        let epoch = *epoch;
        let data = {
            let mut o = self.lock_out();
            if o.buf.is_empty() || o.paused {
                return Ok(());
            }
            o.take_for_write()
        };
        let r = stream.write_all(&data);
        self.recycle_written(data);
        r.map_err(|e| (e, epoch))
    }

    /// Sends a large message straight from `data`: what is buffered, then
    /// its control line, the payload and CRLF, in one vectored write under
    /// the socket lock (so nothing can come between them).
    pub(crate) fn publish_direct(
        &self,
        subj: &[u8],
        reply: Option<&[u8]>,
        headers: Option<&[u8]>,
        data: &[u8],
    ) -> Direct {
        let mut w = self.lock_sock();
        let Some((stream, epoch)) = w.as_mut() else {
            return Direct::Paused;
        };
        let epoch = *epoch;
        let pending = {
            let mut o = self.lock_out();
            if o.stop {
                return Direct::Closed;
            }
            if o.paused {
                return Direct::Paused;
            }
            encode::encode_pub_head(&mut o.buf, subj, reply, headers, data.len());
            o.count_sent((headers.map_or(0, <[u8]>::len) + data.len()) as i64);
            o.take_for_write()
        };
        let r = stream.write_all_parts(&[&pending, data, b"\r\n"]);
        self.recycle_written(pending);
        Direct::Written(r.map_err(|e| (e, epoch)))
    }

    /// Keeps a written buffer's allocation for the next swap, unless a huge
    /// burst grew it.
    fn recycle_written(&self, mut data: Vec<u8>) {
        data.clear();
        if data.capacity() <= 2 * SELF_FLUSH_THRESHOLD {
            self.lock_out().spare = data;
        }
    }

    /// Puts a new socket in place, first writing `head` (the re-sent
    /// subscriptions) and what was buffered while disconnected, so they
    /// come before any newer write. What was buffered is gone if this
    /// fails, as in nats.c: part of it may have reached the server.
    pub(crate) fn attach(
        &self,
        mut stream: WriteHalf,
        epoch: u64,
        mut head: Vec<u8>,
    ) -> std::io::Result<()> {
        let mut w = self.lock_sock();
        let pending = std::mem::take(&mut self.lock_out().buf);
        head.extend_from_slice(&pending);
        if !head.is_empty() {
            stream.write_all(&head)?;
        }
        let mut o = self.lock_out();
        o.paused = false;
        o.pings = 0;
        *w = Some((stream, epoch));
        Ok(())
    }

    /// Drops the socket; `shutdown` also shuts it down.
    pub(crate) fn detach(&self, shutdown: bool) {
        if let Some(s) = self.lock_sock().take() {
            if shutdown {
                let _ = s.0.socket().shutdown(std::net::Shutdown::Both);
            }
        }
    }

    /// For a close: bounds the time the last writes may take, writes what
    /// is buffered, and ends the TLS session before the socket goes.
    pub(crate) fn final_flush(&self, deadline: Duration) -> std::result::Result<(), WriteFailed> {
        if let Some(s) = self.lock_sock().as_ref() {
            let _ = s.0.socket().set_write_timeout(Some(deadline));
        }
        let written = self.write_pending();
        // Before the socket is shut down, or it could not go out.
        if let Some(s) = self.lock_sock().as_mut() {
            s.0.close_notify();
        }
        written
    }

    /// Stops every writer: later appends fail, buffered bytes are dropped.
    pub(crate) fn stop(&self) {
        {
            let mut o = self.lock_out();
            o.stop = true;
            o.buf = Vec::new();
            o.spare = Vec::new();
        }
        self.wake_all();
    }

    /// The flusher's wait: until there are bytes to write (`Write`), the
    /// ping timer `until` is due or it was woken (`Idle`), or the
    /// connection stopped. `busy` (writes are frequent) makes it wait up
    /// to `batch_wait` for more bytes to send together (nats.c's flusher
    /// wait); a lone write (a request, a reply) goes out at once.
    pub(crate) fn next_batch(
        &self,
        until: Option<Instant>,
        busy: bool,
        batch_wait: Duration,
    ) -> FlusherStep {
        let mut o = self.lock_out();
        if o.stop {
            return FlusherStep::Stop;
        }
        if o.buf.is_empty() || o.paused {
            o.flusher_waiting = true;
            let mut o = match until {
                None => self.cv.wait(o).unwrap_or_else(|p| p.into_inner()),
                Some(at) => {
                    let left = at.saturating_duration_since(Instant::now());
                    self.cv
                        .wait_timeout(o, left)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
            };
            o.flusher_waiting = false;
            return FlusherStep::Idle;
        }
        if busy {
            let len = o.buf.len();
            drop(o);
            std::thread::yield_now();
            let o = self.lock_out();
            if o.buf.len() > len && !o.stop {
                drop(self.cv.wait_timeout(o, batch_wait));
            }
        }
        FlusherStep::Write
    }
}
