//! A client of services: a request whose service error (in the reply's
//! headers) comes back as an error.
use std::time::Duration;

use super::error::ServiceResult;
use super::request::{error_of_reply, request_failed};
use crate::client::{Connection, Message};

/// How long `request` waits for the reply (nats.c's fixed 5 seconds).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct ServiceClient {
    conn: Connection,
}

impl ServiceClient {
    pub fn new(conn: &Connection) -> ServiceClient {
        ServiceClient { conn: conn.clone() }
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Sends `data` to `subject` and waits for the reply: a reply with
    /// `Nats-Service-Error` / `Nats-Service-Error-Code` headers is that
    /// error instead.
    pub fn request(&self, subject: &str, data: &[u8]) -> ServiceResult<Message> {
        let mut reply = self
            .conn
            .request(subject, None, data, REQUEST_TIMEOUT)
            .map_err(|e| request_failed(e.kind, e.text))?;
        match error_of_reply(&mut reply) {
            Some(e) => Err(e),
            None => Ok(reply),
        }
    }
}
