//! One `$JS.API` round trip: send a request, wait `Wait`, and turn the
//! answer into a value or a [`JsError`]. The server answers every API call
//! with a JSON object that holds either the result or an `error` object
//! (`code`, `err_code`, `description`).
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use std::time::Duration;

use crate::client::{ErrorKind, Message};

use super::context::JetStream;
use super::error::{codes, ErrorCode, JsError, JsResult};

/// The `error` object of an API answer.
#[derive(Debug, Deserialize)]
struct ApiErrorBody {
    #[serde(default)]
    code: u16,
    #[serde(default)]
    err_code: ErrorCode,
    #[serde(default)]
    description: String,
}

/// Only the part of an answer that says whether it failed.
#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(default)]
    error: Option<ApiErrorBody>,
}

/// The error an API answer carries, if any. A malformed answer is an error
/// too: the caller could not learn whether its call took effect.
pub fn check(answer: &[u8]) -> JsResult<()> {
    let env: Envelope = serde_json::from_slice(answer).map_err(|e| malformed(&e))?;
    match env.error {
        None => Ok(()),
        Some(err) => {
            let text = if err.description.is_empty() {
                format!("JetStream API error {} (code {})", err.err_code, err.code)
            } else {
                err.description
            };
            Err(JsError::api(ErrorKind::Err, err.err_code, text))
        }
    }
}

/// Decodes an API answer into `R`, or into the error it carries.
pub fn decode<R: DeserializeOwned>(answer: &[u8]) -> JsResult<R> {
    check(answer)?;
    serde_json::from_slice(answer).map_err(|e| malformed(&e))
}

fn malformed(e: &serde_json::Error) -> JsError {
    JsError::new(ErrorKind::Err, format!("invalid JetStream API answer: {e}"))
}

impl JetStream {
    /// Sends `body` to the API subject `suffix` and returns the raw answer.
    /// No responders means JetStream is not enabled here: nats.c keeps the
    /// status and reports the code `JSNotEnabledErr`.
    pub fn api_request_raw(&self, suffix: &str, body: &[u8]) -> JsResult<Vec<u8>> {
        self.api_request_within(suffix, body, self.options().wait)
            .map(|msg| msg.data().to_vec())
    }

    /// [`JetStream::api_request_raw`] with its own timeout, answering the
    /// whole reply message (direct gets answer with headers; paged listings
    /// share one `Wait` across their requests).
    pub fn api_request_within(
        &self,
        suffix: &str,
        body: &[u8],
        timeout: Duration,
    ) -> JsResult<Message> {
        let subject = self.api_subject(suffix);
        match self.connection().request(&subject, None, body, timeout) {
            Ok(msg) => Ok(msg),
            Err(e) if e.kind == ErrorKind::NoResponders => Err(JsError::api(
                ErrorKind::NoResponders,
                codes::JETSTREAM_NOT_ENABLED,
                "JetStream not enabled: no responders for the JetStream API",
            )
            .at("JetStream::api_request")),
            Err(e) => Err(JsError::from(e).at("JetStream::api_request")),
        }
    }

    /// A request with a JSON body (`None`: an empty body) and a decoded answer.
    pub fn api_request<Q: Serialize, R: DeserializeOwned>(
        &self,
        suffix: &str,
        req: Option<&Q>,
    ) -> JsResult<R> {
        let body = match req {
            Some(q) => serde_json::to_vec(q)
                .map_err(|e| JsError::new(ErrorKind::Err, format!("encoding the request: {e}")))?,
            None => Vec::new(),
        };
        decode(&self.api_request_raw(suffix, &body)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Thing {
        n: u64,
    }

    #[test]
    fn error_object_becomes_code_and_description() {
        let e = decode::<Thing>(
            br#"{"type":"x","error":{"code":404,"err_code":10059,"description":"stream not found"}}"#,
        )
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Err);
        assert_eq!(e.code, codes::STREAM_NOT_FOUND);
        assert_eq!(e.text, "stream not found");
    }

    #[test]
    fn answers_decode_and_unknown_fields_are_ignored() {
        let t: Thing = decode(br#"{"n":7,"from_a_newer_server":{"x":[1]}}"#).unwrap();
        assert_eq!(t.n, 7);
    }

    #[test]
    fn malformed_and_truncated_answers_are_errors() {
        for bad in [
            &b""[..],
            b"{",
            b"{\"n\":",
            b"[1,2]",
            b"\xff\xfe",
            b"{\"n\":\"seven\"}",
        ] {
            let e = decode::<Thing>(bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Err, "{bad:?}");
            assert!(
                e.text.starts_with("invalid JetStream API answer"),
                "{}",
                e.text
            );
        }
    }
}
