//! Services (ADR-32): endpoints answering requests on a queue group, and
//! the `$SRV` subjects through which tools discover, ping and measure them.
//! Built on `client/`; `ffi/micro_*.rs` translates nats.c's `micro*` API.
//!
//! Threads: each endpoint's subscription delivers on its own dispatcher
//! thread (or the shared pool, when the connection's options ask for it);
//! the nine monitoring subscriptions of a service always use the shared
//! pool. Async errors reach the service on the library's event thread.
pub mod client;
pub mod config;
pub mod endpoint;
pub mod error;
pub mod monitoring;
pub mod request;
pub mod service;

pub use client::ServiceClient;
pub use config::{
    DoneHandler, EndpointConfig, ErrorHandler, GroupConfig, QueuePolicy, RequestHandler,
    ServiceConfig, UserState,
};
pub use endpoint::{Endpoint, EndpointInfo, EndpointStats};
pub use error::{ServiceError, ServiceResult};
pub use request::Request;
pub use service::{Group, Service, ServiceInfo, ServiceStats};
