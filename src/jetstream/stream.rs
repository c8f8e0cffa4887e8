//! Stream management: create, update, delete, purge, info (with the paged
//! per-subject state), and the paged listings of infos and names.
use serde::{Deserialize, Serialize};

use crate::client::ErrorKind;

use super::api;
use super::context::JetStream;
use super::error::{codes, JsError, JsResult};
use super::json::{self, is_false, is_zero_u64};
use super::names::check_stream_name;
use super::paging::{dedup_by, Page, PageOf};
use super::stream_config::{ExternalStream, StreamConfig, StreamSource};
use super::stream_info::StreamInfo;

/// nats.c's `jsOptionsStreamPurge`: what a purge removes. All unset purges
/// everything; `sequence` and `keep` exclude each other.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PurgeOptions {
    /// Only messages on subjects matching this.
    #[serde(rename = "filter", skip_serializing_if = "String::is_empty")]
    pub subject: String,
    /// Everything below this sequence.
    #[serde(rename = "seq", skip_serializing_if = "is_zero_u64")]
    pub sequence: u64,
    /// Everything but the last `keep` messages.
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub keep: u64,
}

impl PurgeOptions {
    fn is_empty(&self) -> bool {
        self.subject.is_empty() && self.sequence == 0 && self.keep == 0
    }
}

/// nats.c's `jsOptionsStreamInfo`: extra details in a stream info.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamInfoOptions {
    /// List the deleted sequences (`State.deleted`).
    pub deleted_details: bool,
    /// Count messages per subject for subjects matching this
    /// (`State.subjects`), all pages of them.
    pub subjects_filter: String,
}

#[derive(Serialize)]
struct InfoRequest<'a> {
    #[serde(skip_serializing_if = "is_false")]
    deleted_details: bool,
    #[serde(skip_serializing_if = "str::is_empty")]
    subjects_filter: &'a str,
    #[serde(skip_serializing_if = "not_positive_i64")]
    offset: i64,
}

fn not_positive_i64(v: &i64) -> bool {
    *v <= 0
}

#[derive(Deserialize)]
struct InfoPage {
    #[serde(flatten)]
    info: StreamInfo,
    #[serde(flatten)]
    page: Page,
}

#[derive(Serialize)]
struct ListRequest<'a> {
    offset: i64,
    #[serde(skip_serializing_if = "str::is_empty")]
    subject: &'a str,
}

#[derive(Deserialize)]
struct InfoListPage {
    #[serde(flatten)]
    page: Page,
    #[serde(default, deserialize_with = "json::nullable")]
    streams: Vec<StreamInfo>,
}

impl PageOf<StreamInfo> for InfoListPage {
    fn page(&self) -> &Page {
        &self.page
    }
    fn take(self) -> Vec<StreamInfo> {
        self.streams
    }
}

#[derive(Deserialize)]
struct NamesPage {
    #[serde(flatten)]
    page: Page,
    #[serde(default, deserialize_with = "json::nullable")]
    streams: Vec<String>,
}

impl PageOf<String> for NamesPage {
    fn page(&self) -> &Page {
        &self.page
    }
    fn take(self) -> Vec<String> {
        self.streams
    }
}

/// The answer of calls that only say whether they worked.
#[derive(Deserialize)]
pub(crate) struct Success {
    #[serde(default)]
    pub success: bool,
}

#[derive(Deserialize)]
struct PurgeAnswer {
    #[serde(default)]
    success: bool,
    #[serde(default)]
    purged: u64,
}

/// Codes for which the "did it work" calls answer `NotFound` (nats.c).
pub(crate) const STREAM_OR_CONSUMER: &[u16] = &[codes::STREAM_NOT_FOUND, codes::CONSUMER_NOT_FOUND];

fn encode<T: Serialize>(v: &T) -> JsResult<Vec<u8>> {
    serde_json::to_vec(v)
        .map_err(|e| JsError::new(ErrorKind::Err, format!("encoding the request: {e}")))
}

/// A source's domain goes on the wire as `external` with that domain's
/// API prefix, as nats.c sends it.
fn with_domain_as_external(src: &StreamSource, what: &str) -> JsResult<StreamSource> {
    if src.domain.is_empty() {
        return Ok(src.clone());
    }
    if src.external.is_some() {
        return Err(JsError::invalid_arg(format!(
            "{what}'s domain and external are both set"
        )));
    }
    Ok(StreamSource {
        external: Some(ExternalStream {
            api_prefix: format!("$JS.{}.API", src.domain),
            deliver_prefix: String::new(),
        }),
        ..src.clone()
    })
}

fn wire_config(cfg: &StreamConfig) -> JsResult<Vec<u8>> {
    check_stream_name(&cfg.name)?;
    let mut wire = cfg.clone();
    if let Some(m) = &cfg.mirror {
        wire.mirror = Some(with_domain_as_external(m, "mirror")?);
    }
    wire.sources = cfg
        .sources
        .iter()
        .map(|s| with_domain_as_external(s, "source"))
        .collect::<JsResult<_>>()?;
    encode(&wire)
}

impl JetStream {
    /// Creates a stream (`js_AddStream`).
    pub fn add_stream(&self, cfg: &StreamConfig) -> JsResult<StreamInfo> {
        let body = wire_config(cfg)?;
        self.stream_call(&format!("STREAM.CREATE.{}", cfg.name), &body)
    }

    /// Changes a stream's configuration (`js_UpdateStream`).
    pub fn update_stream(&self, cfg: &StreamConfig) -> JsResult<StreamInfo> {
        let body = wire_config(cfg)?;
        self.stream_call(&format!("STREAM.UPDATE.{}", cfg.name), &body)
    }

    fn stream_call(&self, suffix: &str, body: &[u8]) -> JsResult<StreamInfo> {
        api::decode(&self.api_request_raw(suffix, body)?)
            .map_err(|e| e.not_found_if(&[codes::STREAM_NOT_FOUND]))
    }

    /// Deletes a stream and its messages (`js_DeleteStream`).
    pub fn delete_stream(&self, name: &str) -> JsResult<()> {
        check_stream_name(name)?;
        let answer = self.api_request_raw(&format!("STREAM.DELETE.{name}"), b"")?;
        let ok: Success = api::decode(&answer).map_err(|e| e.not_found_if(STREAM_OR_CONSUMER))?;
        if !ok.success {
            return Err(JsError::new(
                ErrorKind::Err,
                format!("failed to delete stream '{name}'"),
            ));
        }
        Ok(())
    }

    /// Removes messages from a stream (`js_PurgeStream`); answers how many
    /// went.
    pub fn purge_stream(&self, name: &str, opts: &PurgeOptions) -> JsResult<u64> {
        check_stream_name(name)?;
        if opts.sequence > 0 && opts.keep > 0 {
            return Err(JsError::invalid_arg(format!(
                "Sequence ({}) and Keep ({}) are mutually exclusive",
                opts.sequence, opts.keep
            )));
        }
        let body = if opts.is_empty() {
            Vec::new()
        } else {
            encode(opts)?
        };
        let answer = self.api_request_raw(&format!("STREAM.PURGE.{name}"), &body)?;
        let a: PurgeAnswer =
            api::decode(&answer).map_err(|e| e.not_found_if(STREAM_OR_CONSUMER))?;
        if !a.success {
            return Err(JsError::new(
                ErrorKind::Err,
                format!("failed to purge stream '{name}'"),
            ));
        }
        Ok(a.purged)
    }

    /// A stream's configuration and state (`js_GetStreamInfo`). With a
    /// subjects filter the server sends the per-subject counts in pages;
    /// this asks until it has them all.
    pub fn stream_info(&self, name: &str, opts: &StreamInfoOptions) -> JsResult<StreamInfo> {
        check_stream_name(name)?;
        let suffix = format!("STREAM.INFO.{name}");
        let paged = !opts.subjects_filter.is_empty();
        let mut subjects = Vec::new();
        let mut offset = 0;
        loop {
            let body = if opts.deleted_details || paged {
                encode(&InfoRequest {
                    deleted_details: opts.deleted_details,
                    subjects_filter: &opts.subjects_filter,
                    offset,
                })?
            } else {
                Vec::new()
            };
            let answer = self.api_request_raw(&suffix, &body)?;
            let page: InfoPage =
                api::decode(&answer).map_err(|e| e.not_found_if(&[codes::STREAM_NOT_FOUND]))?;
            let mut info = page.info;
            if !paged {
                return Ok(info);
            }
            let got = std::mem::take(&mut info.state.subjects);
            let brought = got.len();
            offset += brought as i64;
            subjects.extend(got);
            // Each page has its own `Wait`, as in nats.c. A page without
            // subjects cannot advance: stop rather than spin.
            if offset >= page.page.total || brought == 0 {
                info.state.subjects = subjects;
                return Ok(info);
            }
        }
    }

    /// The infos of all streams, or of those with a subject matching
    /// `subject` when not empty (`js_Streams`). No stream is `NotFound`,
    /// as in nats.c.
    pub fn streams(&self, subject: &str) -> JsResult<Vec<StreamInfo>> {
        let list = self.paged::<StreamInfo, InfoListPage>(
            "STREAM.LIST",
            |offset| encode(&ListRequest { offset, subject }),
            &[codes::STREAM_NOT_FOUND],
        )?;
        for si in &list {
            if si.config.name.is_empty() {
                return Err(JsError::new(
                    ErrorKind::Err,
                    "stream name missing from configuration",
                ));
            }
        }
        let list = dedup_by(list, |si| &si.config.name);
        if list.is_empty() {
            return Err(JsError::new(ErrorKind::NotFound, "no stream found"));
        }
        Ok(list)
    }

    /// The names of all streams, or of those with a subject matching
    /// `subject` when not empty (`js_StreamNames`). None is `NotFound`.
    pub fn stream_names(&self, subject: &str) -> JsResult<Vec<String>> {
        let names = self.paged::<String, NamesPage>(
            "STREAM.NAMES",
            |offset| encode(&ListRequest { offset, subject }),
            &[codes::STREAM_NOT_FOUND],
        )?;
        let names = dedup_by(names, |n| n);
        if names.is_empty() {
            return Err(JsError::new(ErrorKind::NotFound, "no stream found"));
        }
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purge_bodies() {
        let o = PurgeOptions {
            subject: "a.*".into(),
            keep: 3,
            ..PurgeOptions::default()
        };
        assert_eq!(encode(&o).unwrap(), br#"{"filter":"a.*","keep":3}"#);
        let o = PurgeOptions {
            sequence: 9,
            ..PurgeOptions::default()
        };
        assert_eq!(encode(&o).unwrap(), br#"{"seq":9}"#);
    }

    #[test]
    fn domains_become_external() {
        let mut cfg = StreamConfig::new("S", &[]);
        cfg.sources.push(StreamSource {
            name: "O".into(),
            domain: "leaf".into(),
            ..StreamSource::default()
        });
        let v: serde_json::Value = serde_json::from_slice(&wire_config(&cfg).unwrap()).unwrap();
        assert_eq!(v["sources"][0]["external"]["api"], "$JS.leaf.API");
        cfg.sources[0].external = Some(ExternalStream::default());
        let e = wire_config(&cfg).unwrap_err();
        assert_eq!(e.text, "source's domain and external are both set");
    }

    #[test]
    fn malformed_answers_are_errors_with_a_text() {
        for answer in [
            &b""[..],
            b"{\"config\":{\"name\":\"S\"",
            b"{\"config\":{\"retention\":\"forever\"}}",
            b"{\"state\":{\"deleted\":[\"2\"]}}",
            b"{\"total\":\"many\"}",
            b"{\"streams\":[{\"created\":\"then\"}]}",
            b"{\"purged\":-4}",
            b"null",
        ] {
            let text = String::from_utf8_lossy(answer);
            let errs = [
                api::decode::<InfoPage>(answer).err(),
                api::decode::<InfoListPage>(answer).err(),
                api::decode::<PurgeAnswer>(answer).err(),
                api::decode::<Success>(answer).err(),
            ];
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
    }

    #[test]
    fn listing_pages_decode() {
        let p: NamesPage =
            serde_json::from_str(r#"{"total":3,"offset":0,"limit":1024,"streams":null}"#).unwrap();
        assert_eq!(p.page.total, 3);
        assert!(p.streams.is_empty());
        assert!(serde_json::from_str::<NamesPage>(r#"{"streams":[1]}"#).is_err());
    }
}
