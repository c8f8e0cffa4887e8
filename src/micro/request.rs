//! A request as an endpoint's handler sees it, and the ways to answer it.
use std::sync::Arc;

use super::config::UserState;
use super::endpoint::{Endpoint, EndpointSpec};
use super::error::{ServiceError, ServiceResult};
use super::service::Service;
use crate::client::{Connection, ErrorKind, Message};

/// The header carrying a service error's text.
pub const ERROR_HDR: &str = "Nats-Service-Error";
/// The header carrying a service error's code.
pub const ERROR_CODE_HDR: &str = "Nats-Service-Error-Code";
/// The header carrying the NATS status behind a service error.
pub const STATUS_HDR: &str = "Nats-Status";

pub struct Request {
    service: Service,
    endpoint: Arc<Endpoint>,
    spec: Arc<EndpointSpec>,
    subject: String,
    reply: Option<String>,
    /// Lent out while a C handler holds it as a `natsMsg`.
    msg: Option<Message>,
}

impl Request {
    pub(crate) fn new(
        service: Service,
        endpoint: Arc<Endpoint>,
        spec: Arc<EndpointSpec>,
        msg: Message,
    ) -> Request {
        Request {
            service,
            endpoint,
            spec,
            subject: msg.subject().to_string(),
            reply: msg.reply().map(str::to_string),
            msg: Some(msg),
        }
    }

    pub fn service(&self) -> &Service {
        &self.service
    }

    pub fn connection(&self) -> &Connection {
        self.service.connection()
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    pub fn reply(&self) -> Option<&str> {
        self.reply.as_deref()
    }

    /// The request message (`None` while it is lent out).
    pub fn message(&self) -> Option<&Message> {
        self.msg.as_ref()
    }

    pub fn message_mut(&mut self) -> Option<&mut Message> {
        self.msg.as_mut()
    }

    /// Takes the message out (to lend it), to be put back after.
    pub fn take_message(&mut self) -> Option<Message> {
        self.msg.take()
    }

    pub fn put_message(&mut self, msg: Message) {
        self.msg = Some(msg);
    }

    /// The endpoint's name (a monitoring subject's internal name for those).
    pub fn endpoint_name(&self) -> &str {
        &self.spec.name
    }

    pub fn endpoint_state(&self) -> Option<&UserState> {
        self.spec.state.as_ref()
    }

    /// Sends `data` to the request's reply subject.
    pub fn respond(&self, data: &[u8]) -> ServiceResult<()> {
        self.send(None, data)
    }

    /// Sends `err` (as the `Nats-Service-Error*` headers) with `data`, and
    /// counts it as the endpoint's last error.
    pub fn respond_error(&self, err: &ServiceError, data: &[u8]) -> ServiceResult<()> {
        self.endpoint.record_error(err);
        self.send(Some(err), data)
    }

    /// `respond_error` without counting (the caller counts).
    pub(crate) fn respond_error_unrecorded(
        &self,
        err: &ServiceError,
        data: &[u8],
    ) -> ServiceResult<()> {
        self.send(Some(err), data)
    }

    fn send(&self, err: Option<&ServiceError>, data: &[u8]) -> ServiceResult<()> {
        let reply = self.reply.as_deref().ok_or_else(|| {
            ServiceError::invalid_arg("the request has no reply subject").wrap("respond failed")
        })?;
        let mut msg = Message::try_new(reply.as_bytes(), None, data).map_err(ServiceError::from)?;
        if let Some(e) = err {
            let h = msg.headers_mut().map_err(ServiceError::from)?;
            if let Some(kind) = e.status {
                h.set(STATUS_HDR, kind.text());
            }
            h.set(ERROR_HDR, &e.message);
            h.set(ERROR_CODE_HDR, e.code.to_string());
        }
        self.connection()
            .publish_msg(&msg)
            .map_err(|e| ServiceError::from(e).wrap("respond failed"))
    }
}

/// The service error a reply carries in its headers, if any (what a
/// service client turns a reply into).
pub fn error_of_reply(msg: &mut Message) -> Option<ServiceError> {
    let h = msg.headers().ok().flatten()?;
    let text = String::from_utf8_lossy(h.get(ERROR_HDR).unwrap_or_default()).into_owned();
    let code = h
        .get(ERROR_CODE_HDR)
        .and_then(|c| std::str::from_utf8(c).ok())
        .and_then(|c| c.trim().parse::<i64>().ok())
        .map(|c| c.clamp(i32::MIN.into(), i32::MAX.into()) as i32)
        .unwrap_or(0);
    (code != 0 || !text.is_empty()).then(|| ServiceError::new(code, text))
}

/// A request that got no reply is `NoResponders` / `Timeout` as a service
/// error.
pub(crate) fn request_failed(kind: ErrorKind, text: String) -> ServiceError {
    let mut e = ServiceError::from_status(kind);
    if !text.is_empty() {
        e.message = text;
    }
    e.wrap("request failed")
}
