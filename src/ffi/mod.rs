//! The `extern "C"` shell: nats.c's API as a thin translation of `client`.
#![allow(non_camel_case_types, non_snake_case, clippy::missing_safety_doc)]

mod auth_options;
mod boundary;
mod c_tree;
mod connect_options;
mod connection;
mod handles;
mod header;
mod js_ack;
mod js_batch;
mod js_boundary;
mod js_consumer;
mod js_consumer_config;
mod js_context;
mod js_handles;
mod js_metadata;
mod js_msg;
mod js_publish;
mod js_publish_async;
mod js_pull;
mod js_stream;
mod js_stream_config;
mod js_stream_info;
mod js_sub_options;
mod js_subscribe;
mod js_types;
mod kv_entry;
mod kv_handles;
mod kv_store;
mod kv_watch;
mod lent;
mod library;
mod lifecycle;
mod msg;
mod objstore;
mod objstore_get;
mod objstore_handles;
mod objstore_info;
mod objstore_put;
mod objstore_watch;
mod options;
mod status;
mod subscription;
mod tls_options;

pub use js_types::*;
pub(crate) use status::natsStatus;
