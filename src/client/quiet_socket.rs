//! A TCP socket whose writes never raise SIGPIPE. A Rust program ignores
//! SIGPIPE from its start, but a C program that links us usually does not:
//! a plain `writev` on a connection the server has dropped would kill it.
//! rustls writes TLS records with `write_vectored`, so the handshake's TLS
//! stream goes through this type; every write is `sendmsg` with
//! `MSG_NOSIGNAL`, which reports `EPIPE` instead.
use std::io::{self, IoSlice, Read, Write};
use std::net::TcpStream;

pub(crate) struct QuietSocket(pub(crate) TcpStream);

impl Read for QuietSocket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for QuietSocket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        socket2::SockRef::from(&self.0).send_with_flags(buf, libc::MSG_NOSIGNAL)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        socket2::SockRef::from(&self.0).send_vectored_with_flags(bufs, libc::MSG_NOSIGNAL)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn writes_to_a_dropped_peer_fail_instead_of_signalling() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        drop(listener.accept().unwrap());
        let mut sock = QuietSocket(client);
        // As in a C program: the default action of SIGPIPE ends the process.
        // SAFETY: changing a signal's disposition has no memory effects; the
        // Rust runtime's SIG_IGN is put back below.
        let old = unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
        // The first write after the peer's reset fails with ECONNRESET; the
        // ones after it are the EPIPE that would raise the signal.
        let mut errors = Vec::new();
        for _ in 0..200 {
            let parts = [IoSlice::new(b"CONNECT {}\r\n"), IoSlice::new(b"PING\r\n")];
            if let Err(e) = sock.write_vectored(&parts) {
                errors.push(e.kind());
                if errors.len() == 3 {
                    break;
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        // SAFETY: as above.
        unsafe { libc::signal(libc::SIGPIPE, old) };
        assert_eq!(errors.len(), 3, "writes to a closed connection fail");
        assert!(errors.contains(&io::ErrorKind::BrokenPipe), "{errors:?}");
    }
}
