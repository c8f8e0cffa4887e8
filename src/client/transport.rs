//! The byte stream under a connection: plain TCP, or TLS over TCP, split
//! into a read half for the reader thread and a write half for writers.
//!
//! A TLS session is one state machine for both directions, so the halves
//! share it behind a mutex. The reader never holds that mutex across a
//! blocking socket read: it reads ciphertext unlocked, then locks only to
//! decrypt. Writers encrypt under the mutex and write the records after
//! releasing it, holding the session's write lock so records stay in order.
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex, MutexGuard};

use rustls::ClientConnection;

use super::error::{Error, ErrorKind};

/// A connected stream past the handshake.
pub(crate) enum Transport {
    Plain(TcpStream),
    Tls(Box<ClientConnection>, TcpStream),
}

/// Ciphertext read from the socket but not yet given to rustls.
const RAW_BUF: usize = 64 * 1024;

/// The TLS state shared by both halves.
///
/// Lock order: `write` → `conn`. `conn` is held only to encrypt or
/// decrypt, never across a socket read or write.
pub(crate) struct TlsShared {
    sock: TcpStream,
    write: Mutex<()>,
    conn: Mutex<ClientConnection>,
}

impl TlsShared {
    fn conn(&self) -> MutexGuard<'_, ClientConnection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes `data` (possibly empty, to send what rustls has queued by
    /// itself, such as a key update) as TLS records.
    fn send(&self, data: &[u8], scratch: &mut Vec<u8>) -> io::Result<()> {
        let _order = self.write.lock().unwrap_or_else(|p| p.into_inner());
        let mut off = 0;
        loop {
            scratch.clear();
            let accepted = {
                let mut c = self.conn();
                let n = if off < data.len() {
                    c.writer().write(&data[off..])?
                } else {
                    0
                };
                while c.wants_write() {
                    c.write_tls(scratch)?;
                }
                n
            };
            off += accepted;
            if !scratch.is_empty() {
                (&self.sock).write_all(scratch)?;
            } else if accepted == 0 && off < data.len() {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "the TLS session accepts no more data",
                ));
            }
            if off >= data.len() {
                return Ok(());
            }
        }
    }
}

/// The reader thread's half.
pub(crate) enum ReadHalf {
    Plain(TcpStream),
    Tls {
        shared: Arc<TlsShared>,
        raw: Vec<u8>,
        start: usize,
        end: usize,
    },
}

/// The writers' half (used under the connection's `Writer::sock` lock).
pub(crate) enum WriteHalf {
    Plain(TcpStream),
    Tls {
        shared: Arc<TlsShared>,
        scratch: Vec<u8>,
    },
}

impl Transport {
    pub(crate) fn is_tls(&self) -> bool {
        matches!(self, Transport::Tls(..))
    }

    /// Splits into the reader's half, the writers' half and a socket handle
    /// kept to shut the connection down from any thread.
    pub(crate) fn split(self) -> io::Result<(ReadHalf, WriteHalf, TcpStream)> {
        match self {
            Transport::Plain(s) => {
                let r = s.try_clone()?;
                let ctl = s.try_clone()?;
                Ok((ReadHalf::Plain(r), WriteHalf::Plain(s), ctl))
            }
            Transport::Tls(conn, sock) => {
                let ctl = sock.try_clone()?;
                let shared = Arc::new(TlsShared {
                    sock,
                    write: Mutex::new(()),
                    conn: Mutex::new(*conn),
                });
                Ok((
                    ReadHalf::Tls {
                        shared: shared.clone(),
                        raw: vec![0; RAW_BUF],
                        start: 0,
                        end: 0,
                    },
                    WriteHalf::Tls {
                        shared,
                        scratch: Vec::with_capacity(RAW_BUF),
                    },
                    ctl,
                ))
            }
        }
    }
}

impl WriteHalf {
    pub(crate) fn socket(&self) -> &TcpStream {
        match self {
            WriteHalf::Plain(s) => s,
            WriteHalf::Tls { shared, .. } => &shared.sock,
        }
    }

    /// Tells a TLS peer we are done (best effort, before a close).
    pub(crate) fn close_notify(&mut self) {
        if let WriteHalf::Tls { shared, scratch } = self {
            shared.conn().send_close_notify();
            let _ = shared.send(&[], scratch);
        }
    }

    /// Writes `parts` in order, as one vectored write where the socket
    /// allows (a large payload goes out from the caller's buffer).
    pub(crate) fn write_all_parts(&mut self, parts: &[&[u8]]) -> io::Result<()> {
        match self {
            WriteHalf::Plain(s) => write_all_vectored(s, parts),
            WriteHalf::Tls { shared, scratch } => {
                for p in parts {
                    shared.send(p, scratch)?;
                }
                Ok(())
            }
        }
    }

    pub(crate) fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            WriteHalf::Plain(s) => s.write_all(data),
            WriteHalf::Tls { shared, scratch } => shared.send(data, scratch),
        }
    }
}

fn write_all_vectored(s: &TcpStream, parts: &[&[u8]]) -> io::Result<()> {
    let mut idx = 0; // first part not fully written
    let mut off = 0; // bytes of parts[idx] already written
    while idx < parts.len() {
        let mut slices = Vec::with_capacity(parts.len() - idx);
        slices.push(io::IoSlice::new(&parts[idx][off..]));
        slices.extend(parts[idx + 1..].iter().map(|p| io::IoSlice::new(p)));
        // Not `write_vectored`: that is `writev`, which raises SIGPIPE on a
        // connection the server dropped, killing a C program that did not
        // ignore it; sendmsg with MSG_NOSIGNAL reports EPIPE instead.
        let sock = socket2::SockRef::from(s);
        let mut n = match sock.send_vectored_with_flags(&slices, libc::MSG_NOSIGNAL) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        while idx < parts.len() && n >= parts[idx].len() - off {
            n -= parts[idx].len() - off;
            idx += 1;
            off = 0;
        }
        off += n;
    }
    Ok(())
}

/// What one look at the TLS session found.
enum Decrypted {
    Data(usize),
    NeedMore,
}

impl Read for ReadHalf {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let (shared, raw, start, end) = match self {
            ReadHalf::Plain(s) => return s.read(out),
            ReadHalf::Tls {
                shared,
                raw,
                start,
                end,
            } => (shared, raw, start, end),
        };
        loop {
            let (found, wants_write) = {
                let mut c = shared.conn();
                let found = decrypt(&mut c, raw, start, end, out)?;
                (found, c.wants_write())
            };
            if wants_write {
                // rustls queued a record of its own (a key update reply).
                let mut scratch = Vec::new();
                shared.send(&[], &mut scratch)?;
            }
            if let Decrypted::Data(n) = found {
                return Ok(n);
            }
            // `decrypt` hands every raw byte to rustls before it asks for
            // more, so the buffer is empty here and starts over.
            debug_assert_eq!(*start, *end);
            *start = 0;
            *end = 0;
            let n = (&shared.sock).read(&mut raw[*end..])?;
            if n == 0 {
                return Ok(0);
            }
            *end += n;
        }
    }
}

/// Feeds buffered ciphertext to rustls and copies out what plaintext it
/// yields. Plaintext is drained before more ciphertext is fed, so rustls'
/// bounded plaintext buffer never overflows.
fn decrypt(
    c: &mut ClientConnection,
    raw: &[u8],
    start: &mut usize,
    end: &mut usize,
    out: &mut [u8],
) -> io::Result<Decrypted> {
    loop {
        match c.reader().read(out) {
            Ok(n) => return Ok(Decrypted::Data(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        if *start == *end {
            return Ok(Decrypted::NeedMore);
        }
        let n = c.read_tls(&mut &raw[*start..*end])?;
        *start += n;
        c.process_new_packets()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    }
}

/// Grows `buf` (zero-filled) to at least `len` bytes; running out of memory
/// is `NoMemory`, not an abort.
pub(crate) fn grow(buf: &mut Vec<u8>, len: usize) -> Result<(), Error> {
    if len > buf.len() {
        buf.try_reserve_exact(len - buf.len()).map_err(|_| {
            Error::new(
                ErrorKind::NoMemory,
                format!("cannot grow the read buffer to {len} bytes"),
            )
        })?;
        buf.resize(len, 0);
    }
    Ok(())
}
