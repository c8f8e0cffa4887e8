//! The NATS wire protocol: pure encoding and decoding, no I/O.

pub mod encode;
pub mod headers;
pub mod info;
pub mod nuid;
pub mod parser;
pub mod server_error;
pub mod subject;

pub use headers::Headers;
pub use info::{ConnectInfo, ServerInfo};
pub use parser::{ParseError, Parsed, Parser, ServerOp};
