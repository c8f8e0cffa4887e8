//! TLS on rustls (ring provider): the trust and identity settings that
//! `natsOptions_*` TLS setters fill in, and the client configuration built
//! from them at every handshake.
pub mod ciphers;
pub mod error;
pub mod settings;
mod spki;
pub mod verify;

pub use error::{TlsError, TlsErrorKind};
pub use settings::TlsSettings;
pub use verify::VerifyCallback;
