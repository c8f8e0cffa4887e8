//! The `$SRV.PING`, `$SRV.INFO` and `$SRV.STATS` subjects and the JSON
//! ADR-32 defines for their answers.
use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::config::{EndpointConfig, RequestHandler};
use super::error::{ServiceError, ServiceResult};
use super::request::Request;
use super::service::{Service, ServiceInfo, ServiceStats};
use crate::jetstream::time::format_rfc3339;

pub const API_PREFIX: &str = "$SRV";
pub const PING_VERB: &str = "PING";
pub const INFO_VERB: &str = "INFO";
pub const STATS_VERB: &str = "STATS";
pub const PING_RESPONSE_TYPE: &str = "io.nats.micro.v1.ping_response";
pub const INFO_RESPONSE_TYPE: &str = "io.nats.micro.v1.info_response";
pub const STATS_RESPONSE_TYPE: &str = "io.nats.micro.v1.stats_response";

/// `$SRV.<verb>`, `$SRV.<verb>.<name>` or `$SRV.<verb>.<name>.<id>`.
pub fn control_subject(verb: &str, name: Option<&str>, id: Option<&str>) -> ServiceResult<String> {
    match (name, id) {
        (None, None) => Ok(format!("{API_PREFIX}.{verb}")),
        (Some(n), None) => Ok(format!("{API_PREFIX}.{verb}.{n}")),
        (Some(n), Some(i)) => Ok(format!("{API_PREFIX}.{verb}.{n}.{i}")),
        (None, Some(i)) => Err(ServiceError::invalid_arg(format!(
            "service name is required when id is provided: '{i}'"
        ))),
    }
}

/// Subscribes the three subjects of each verb (all services, this
/// service's name, this instance).
pub(crate) fn add_handlers(service: &Service) -> ServiceResult<()> {
    let verbs: [(&str, RequestHandler); 3] = [
        (PING_VERB, Arc::new(handle_ping)),
        (STATS_VERB, Arc::new(handle_stats)),
        (INFO_VERB, Arc::new(handle_info)),
    ];
    for (verb, handler) in verbs {
        let name = service.name();
        let id = service.id();
        let subjects = [
            (format!("{verb}-all"), control_subject(verb, None, None)?),
            (
                format!("{verb}-kind"),
                control_subject(verb, Some(name), None)?,
            ),
            (
                verb.to_string(),
                control_subject(verb, Some(name), Some(id))?,
            ),
        ];
        for (ep_name, subject) in subjects {
            let cfg = EndpointConfig {
                name: ep_name,
                subject,
                handler: Some(handler.clone()),
                ..EndpointConfig::default()
            };
            service.add_endpoint_as(None, cfg, true)?;
        }
    }
    Ok(())
}

type Metadata<'a> = BTreeMap<&'a str, &'a str>;

fn metadata(pairs: &[(String, String)]) -> Metadata<'_> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[derive(Serialize)]
struct Ping<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    name: &'a str,
    id: &'a str,
    version: &'a str,
    metadata: Metadata<'a>,
}

#[derive(Serialize)]
struct InfoEndpoint<'a> {
    name: &'a str,
    subject: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    queue_group: Option<&'a str>,
    metadata: Metadata<'a>,
}

#[derive(Serialize)]
struct Info<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    name: &'a str,
    id: &'a str,
    version: &'a str,
    description: &'a str,
    metadata: Metadata<'a>,
    endpoints: Vec<InfoEndpoint<'a>>,
}

#[derive(Serialize)]
struct StatsEndpoint<'a> {
    name: &'a str,
    subject: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    queue_group: Option<&'a str>,
    metadata: Metadata<'a>,
    num_requests: u64,
    num_errors: u64,
    last_error: &'a str,
    processing_time: u128,
    average_processing_time: u128,
}

#[derive(Serialize)]
struct Stats<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    name: &'a str,
    id: &'a str,
    version: &'a str,
    metadata: Metadata<'a>,
    started: String,
    endpoints: Vec<StatsEndpoint<'a>>,
}

fn to_json(v: &impl Serialize) -> ServiceResult<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| ServiceError::new(0, format!("failed to marshal: {e}")))
}

pub fn ping_json(service: &Service) -> ServiceResult<Vec<u8>> {
    to_json(&Ping {
        kind: PING_RESPONSE_TYPE,
        name: service.name(),
        id: service.id(),
        version: service.version(),
        metadata: metadata(service.metadata()),
    })
}

pub fn info_json(info: &ServiceInfo) -> ServiceResult<Vec<u8>> {
    to_json(&Info {
        kind: INFO_RESPONSE_TYPE,
        name: &info.name,
        id: &info.id,
        version: &info.version,
        description: &info.description,
        metadata: metadata(&info.metadata),
        endpoints: info
            .endpoints
            .iter()
            .map(|e| InfoEndpoint {
                name: &e.name,
                subject: &e.subject,
                queue_group: e.queue_group.as_deref(),
                metadata: metadata(&e.metadata),
            })
            .collect(),
    })
}

pub fn stats_json(stats: &ServiceStats) -> ServiceResult<Vec<u8>> {
    to_json(&Stats {
        kind: STATS_RESPONSE_TYPE,
        name: &stats.name,
        id: &stats.id,
        version: &stats.version,
        metadata: metadata(&stats.metadata),
        started: format_rfc3339(stats.started),
        endpoints: stats
            .endpoints
            .iter()
            .map(|e| StatsEndpoint {
                name: &e.name,
                subject: &e.subject,
                queue_group: e.queue_group.as_deref(),
                metadata: metadata(&e.metadata),
                num_requests: e.num_requests,
                num_errors: e.num_errors,
                last_error: &e.last_error,
                processing_time: e.processing_time,
                average_processing_time: e.average_processing_time,
            })
            .collect(),
    })
}

fn handle_ping(req: &mut Request) -> ServiceResult<()> {
    let body = ping_json(req.service())?;
    req.respond(&body)
}

fn handle_info(req: &mut Request) -> ServiceResult<()> {
    let body = info_json(&req.service().info())?;
    req.respond(&body)
}

fn handle_stats(req: &mut Request) -> ServiceResult<()> {
    if let Some(custom) = req.service().stats_handler().cloned() {
        return custom(req);
    }
    let body = stats_json(&req.service().stats())?;
    req.respond(&body)
}
