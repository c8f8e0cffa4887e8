//! The reader thread: blocking reads into one growing buffer, parsed in
//! place; messages are copied once, into their `Message`, and routed.
use std::io::Read;
use std::sync::atomic::Ordering::Relaxed;

use super::conn::Connection;
use super::error::{Error, ErrorKind};
use super::message::Message;
use super::subscription::SubKind;
use super::transport::ReadHalf;
use crate::proto::{Parsed, Parser, ServerInfo, ServerOp};

pub(crate) fn run(conn: Connection, mut stream: ReadHalf, leftover: Vec<u8>, epoch: u64) {
    let size = conn.options().io_buf_size.max(32 * 1024);
    let mut buf = leftover;
    let mut end = buf.len();
    if buf.len() < size {
        buf.resize(size, 0);
    }
    let mut start = 0;
    let mut parser = Parser::new(crate::proto::parser::DEFAULT_MAX_CONTROL_LINE);
    loop {
        loop {
            match parser.parse(&buf[start..end]) {
                Ok(Parsed::Op(op, n)) => {
                    handle(&conn, op, epoch);
                    start += n;
                }
                Ok(Parsed::Incomplete(need)) => {
                    if start > 0 {
                        buf.copy_within(start..end, 0);
                        end -= start;
                        start = 0;
                    }
                    if need > buf.len() {
                        buf.resize(need, 0);
                    }
                    break;
                }
                Err(e) => {
                    conn.connection_lost(epoch, Error::new(ErrorKind::ProtocolError, e.0));
                    return;
                }
            }
        }
        if end == buf.len() {
            let n = buf.len() * 2;
            buf.resize(n, 0);
        }
        match stream.read(&mut buf[end..]) {
            Ok(0) => {
                conn.connection_lost(
                    epoch,
                    Error::new(
                        ErrorKind::ConnectionClosed,
                        "connection closed by the server",
                    ),
                );
                return;
            }
            Ok(n) => end += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                conn.connection_lost(
                    epoch,
                    Error::new(ErrorKind::IoError, format!("read failed: {e}")),
                );
                return;
            }
        }
        if conn.is_closed() {
            return;
        }
    }
}

fn handle(conn: &Connection, op: ServerOp<'_>, epoch: u64) {
    match op {
        ServerOp::Msg {
            subject,
            sid,
            reply,
            headers,
            payload,
        } => {
            let c = &conn.0.counters;
            c.in_msgs.fetch_add(1, Relaxed);
            c.in_bytes.fetch_add(
                (payload.len() + headers.map_or(0, <[u8]>::len)) as u64,
                Relaxed,
            );
            let Some(sub) = conn.lookup_sub(sid) else {
                return;
            };
            let msg = Message::from_wire(
                subject,
                reply,
                headers,
                payload,
                sid,
                conn.options().message_padding,
            );
            if let SubKind::Replies = sub.0.kind {
                conn.route_reply(msg);
            } else {
                sub.enqueue(msg);
            }
        }
        ServerOp::Ping => conn.on_ping(),
        ServerOp::Pong => conn.on_pong(epoch),
        ServerOp::Info(json) => {
            if let Ok(info) = ServerInfo::parse(json) {
                conn.on_info(info, epoch);
            }
        }
        ServerOp::Err(text) => conn.on_server_error(&String::from_utf8_lossy(text), epoch),
        ServerOp::Ok => {}
    }
}
