//! Consumer management: create (the named `CONSUMER.CREATE` API of
//! server 2.9+ when the config has a name), update, info, delete, the paged
//! listings, and pause, reset and unpin.
use serde::{Deserialize, Serialize};

use crate::client::ErrorKind;

use super::api;
use super::consumer_config::ConsumerConfig;
use super::consumer_info::{ConsumerInfo, ConsumerPauseResponse, ConsumerResetResponse};
use super::context::JetStream;
use super::error::{codes, JsError, JsResult};
use super::json;
use super::names::{check_consumer_name, check_limited_term, check_stream_name};
use super::paging::{dedup_by, Page, PageOf};
use super::stream::{Success, STREAM_OR_CONSUMER};
use super::time::rfc3339;

#[derive(Serialize)]
struct CreateRequest<'a> {
    stream_name: &'a str,
    config: &'a ConsumerConfig,
}

#[derive(Serialize)]
struct OffsetRequest {
    offset: i64,
}

#[derive(Serialize)]
struct PauseRequest {
    #[serde(with = "rfc3339", skip_serializing_if = "json::not_positive")]
    pause_until: i64,
}

#[derive(Serialize)]
struct ResetRequest {
    seq: u64,
}

#[derive(Serialize)]
struct UnpinRequest<'a> {
    group: &'a str,
}

#[derive(Deserialize)]
struct InfoListPage {
    #[serde(flatten)]
    page: Page,
    #[serde(default, deserialize_with = "json::nullable")]
    consumers: Vec<ConsumerInfo>,
}

impl PageOf<ConsumerInfo> for InfoListPage {
    fn page(&self) -> &Page {
        &self.page
    }
    fn take(self) -> Vec<ConsumerInfo> {
        self.consumers
    }
}

#[derive(Deserialize)]
struct NamesPage {
    #[serde(flatten)]
    page: Page,
    #[serde(default, deserialize_with = "json::nullable")]
    consumers: Vec<String>,
}

impl PageOf<String> for NamesPage {
    fn page(&self) -> &Page {
        &self.page
    }
    fn take(self) -> Vec<String> {
        self.consumers
    }
}

fn encode<T: Serialize>(v: &T) -> JsResult<Vec<u8>> {
    serde_json::to_vec(v)
        .map_err(|e| JsError::new(ErrorKind::Err, format!("encoding the request: {e}")))
}

/// The create subject nats.c 3.14 picks: with a name,
/// `CONSUMER.CREATE.<stream>.<name>` (plus the filter when it is the only
/// one); without, the durable API or the ephemeral one.
fn create_suffix(stream: &str, cfg: &ConsumerConfig) -> String {
    if !cfg.name.is_empty() {
        if !cfg.filter_subject.is_empty() && cfg.filter_subjects.is_empty() {
            format!(
                "CONSUMER.CREATE.{stream}.{}.{}",
                cfg.name, cfg.filter_subject
            )
        } else {
            format!("CONSUMER.CREATE.{stream}.{}", cfg.name)
        }
    } else if cfg.durable.is_empty() {
        format!("CONSUMER.CREATE.{stream}")
    } else {
        format!("CONSUMER.DURABLE.CREATE.{stream}.{}", cfg.durable)
    }
}

fn check_names(stream: &str, consumer: &str) -> JsResult<()> {
    check_stream_name(stream)?;
    check_consumer_name(consumer, false)
}

impl JetStream {
    /// Creates a consumer on `stream`, or updates it if it exists with a
    /// compatible config (`js_AddConsumer`).
    pub fn add_consumer(&self, stream: &str, cfg: &ConsumerConfig) -> JsResult<ConsumerInfo> {
        check_stream_name(stream)?;
        if !cfg.name.is_empty() {
            check_consumer_name(&cfg.name, false)?;
        }
        if !cfg.durable.is_empty() {
            check_consumer_name(&cfg.durable, true)?;
        }
        let body = encode(&CreateRequest {
            stream_name: stream,
            config: cfg,
        })?;
        let answer = self.api_request_raw(&create_suffix(stream, cfg), &body)?;
        let ci: ConsumerInfo =
            api::decode(&answer).map_err(|e| e.not_found_if(&[codes::CONSUMER_NOT_FOUND]))?;
        // A server before 2.10 ignores `filter_subjects` instead of failing.
        if !cfg.filter_subjects.is_empty() && ci.config.filter_subjects.is_empty() {
            return Err(JsError::invalid_arg(
                "multiple consumer filter subjects not supported by the server",
            ));
        }
        Ok(ci)
    }

    /// Changes a durable consumer (`js_UpdateConsumer`).
    pub fn update_consumer(&self, stream: &str, cfg: &ConsumerConfig) -> JsResult<ConsumerInfo> {
        if cfg.durable.is_empty() {
            return Err(JsError::invalid_arg("durable name is required"));
        }
        self.add_consumer(stream, cfg)
    }

    /// A consumer's config and state (`js_GetConsumerInfo`).
    pub fn consumer_info(&self, stream: &str, consumer: &str) -> JsResult<ConsumerInfo> {
        check_names(stream, consumer)?;
        let answer = self.api_request_raw(&format!("CONSUMER.INFO.{stream}.{consumer}"), b"")?;
        api::decode(&answer).map_err(|e| e.not_found_if(&[codes::CONSUMER_NOT_FOUND]))
    }

    /// Deletes a consumer (`js_DeleteConsumer`).
    pub fn delete_consumer(&self, stream: &str, consumer: &str) -> JsResult<()> {
        check_names(stream, consumer)?;
        let answer = self.api_request_raw(&format!("CONSUMER.DELETE.{stream}.{consumer}"), b"")?;
        let ok: Success = api::decode(&answer).map_err(|e| e.not_found_if(STREAM_OR_CONSUMER))?;
        if !ok.success {
            return Err(JsError::new(
                ErrorKind::Err,
                format!("failed to delete consumer '{consumer}'"),
            ));
        }
        Ok(())
    }

    /// The infos of all consumers of `stream` (`js_Consumers`); none is
    /// `NotFound`, as in nats.c.
    pub fn consumers(&self, stream: &str) -> JsResult<Vec<ConsumerInfo>> {
        check_stream_name(stream)?;
        let list = self.paged::<ConsumerInfo, InfoListPage>(
            &format!("CONSUMER.LIST.{stream}"),
            |offset| encode(&OffsetRequest { offset }),
            &[codes::STREAM_NOT_FOUND],
        )?;
        if list.iter().any(|ci| ci.name.is_empty()) {
            return Err(JsError::new(ErrorKind::Err, "consumer name missing"));
        }
        let list = dedup_by(list, |ci| &ci.name);
        if list.is_empty() {
            return Err(JsError::new(ErrorKind::NotFound, "no consumer found"));
        }
        Ok(list)
    }

    /// The names of all consumers of `stream` (`js_ConsumerNames`); none is
    /// `NotFound`.
    pub fn consumer_names(&self, stream: &str) -> JsResult<Vec<String>> {
        check_stream_name(stream)?;
        let names = self.paged::<String, NamesPage>(
            &format!("CONSUMER.NAMES.{stream}"),
            |offset| encode(&OffsetRequest { offset }),
            &[codes::STREAM_NOT_FOUND],
        )?;
        let names = dedup_by(names, |n| n);
        if names.is_empty() {
            return Err(JsError::new(ErrorKind::NotFound, "no consumer found"));
        }
        Ok(names)
    }

    /// Pauses a consumer until `pause_until` (UTC nanoseconds); 0 resumes
    /// it (`js_PauseConsumer`).
    pub fn pause_consumer(
        &self,
        stream: &str,
        consumer: &str,
        pause_until: i64,
    ) -> JsResult<ConsumerPauseResponse> {
        check_names(stream, consumer)?;
        let body = encode(&PauseRequest { pause_until })?;
        let answer = self.api_request_raw(&format!("CONSUMER.PAUSE.{stream}.{consumer}"), &body)?;
        api::decode(&answer).map_err(|e| e.not_found_if(&[codes::CONSUMER_NOT_FOUND]))
    }

    /// Moves a consumer back to stream sequence `seq`, or to its start when
    /// 0 (`js_ResetConsumer`, server 2.14+).
    pub fn reset_consumer(
        &self,
        stream: &str,
        consumer: &str,
        seq: u64,
    ) -> JsResult<ConsumerResetResponse> {
        check_names(stream, consumer)?;
        let body = if seq > 0 {
            encode(&ResetRequest { seq })?
        } else {
            Vec::new()
        };
        let answer = self.api_request_raw(&format!("CONSUMER.RESET.{stream}.{consumer}"), &body)?;
        api::decode(&answer).map_err(|e| e.not_found_if(&[codes::CONSUMER_NOT_FOUND]))
    }

    /// Releases the client pinned to `group` of a consumer with the
    /// `pinned_client` priority policy (`js_UnpinConsumer`).
    pub fn unpin_consumer(&self, stream: &str, consumer: &str, group: &str) -> JsResult<()> {
        check_names(stream, consumer)?;
        check_limited_term("group", group)?;
        let body = encode(&UnpinRequest { group })?;
        let answer = self.api_request_raw(&format!("CONSUMER.UNPIN.{stream}.{consumer}"), &body)?;
        // The server's unpin answer has no `success` field (nats.c 3.14
        // looks for one): an answer without an error is the success.
        api::check(&answer).map_err(|e| e.not_found_if(STREAM_OR_CONSUMER))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_subjects() {
        let mut c = ConsumerConfig::default();
        assert_eq!(create_suffix("S", &c), "CONSUMER.CREATE.S");
        c.durable = "D".into();
        assert_eq!(create_suffix("S", &c), "CONSUMER.DURABLE.CREATE.S.D");
        c.name = "N".into();
        assert_eq!(create_suffix("S", &c), "CONSUMER.CREATE.S.N");
        c.filter_subject = "a.*".into();
        assert_eq!(create_suffix("S", &c), "CONSUMER.CREATE.S.N.a.*");
        c.filter_subjects = vec!["b".into()];
        assert_eq!(create_suffix("S", &c), "CONSUMER.CREATE.S.N");
    }

    #[test]
    fn malformed_answers_are_errors_with_a_text() {
        let bad: [&[u8]; 6] = [
            b"",
            b"{\"stream_name\":\"S\",\"config\":{",
            b"{\"config\":{\"deliver_policy\":\"sideways\"}}",
            b"{\"consumers\":{}}",
            b"{\"paused\":\"yes\"}",
            b"{\"reset_seq\":-1}",
        ];
        for answer in bad {
            let errs = [
                api::decode::<ConsumerInfo>(answer).err(),
                api::decode::<InfoListPage>(answer).err(),
                api::decode::<NamesPage>(answer).err(),
                api::decode::<ConsumerPauseResponse>(answer).err(),
                api::decode::<ConsumerResetResponse>(answer).err(),
            ];
            let text = String::from_utf8_lossy(answer);
            assert!(errs.iter().any(Option::is_some), "{text}");
            for e in errs.into_iter().flatten() {
                assert_eq!(e.kind, ErrorKind::Err, "{text}");
                assert!(
                    e.text.starts_with("invalid JetStream API answer"),
                    "{}",
                    e.text
                );
            }
        }
        // Truncated or empty answers fail for every type.
        for answer in [&b""[..], b"{\"name\":\"C\""] {
            assert!(api::decode::<ConsumerInfo>(answer).is_err());
            assert!(api::decode::<ConsumerPauseResponse>(answer).is_err());
            assert!(api::decode::<ConsumerResetResponse>(answer).is_err());
            assert!(api::decode::<NamesPage>(answer).is_err());
        }
    }

    #[test]
    fn pause_bodies() {
        assert_eq!(encode(&PauseRequest { pause_until: 0 }).unwrap(), b"{}");
        assert_eq!(
            encode(&PauseRequest {
                pause_until: 1_500_000_000
            })
            .unwrap(),
            br#"{"pause_until":"1970-01-01T00:00:01.5Z"}"#
        );
    }
}
