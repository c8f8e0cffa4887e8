//! The INFO (server to client) and CONNECT (client to server) JSON bodies.

use serde::{Deserialize, Deserializer, Serialize};

use super::parser::ParseError;

/// Server description sent in INFO. Unknown fields are ignored and missing
/// ones default, so newer or older servers parse alike.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ServerInfo {
    pub server_id: String,
    pub server_name: String,
    pub version: String,
    pub proto: i32,
    pub host: String,
    pub port: u16,
    pub headers: bool,
    pub max_payload: i64,
    pub client_id: u64,
    pub client_ip: String,
    pub auth_required: bool,
    pub tls_required: bool,
    pub tls_available: bool,
    #[serde(deserialize_with = "null_as_default")]
    pub connect_urls: Vec<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub ws_connect_urls: Vec<String>,
    pub ldm: bool,
    pub nonce: String,
    pub jetstream: bool,
    pub cluster: String,
    pub domain: String,
}

impl ServerInfo {
    pub fn parse(json: &[u8]) -> Result<ServerInfo, ParseError> {
        serde_json::from_slice(json).map_err(|e| ParseError(format!("invalid INFO JSON: {e}")))
    }
}

/// A JSON `null` list is treated as empty rather than rejecting the INFO.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Options announced in CONNECT. Field names match the wire keys.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ConnectInfo {
    pub verbose: bool,
    pub pedantic: bool,
    pub tls_required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub lang: String,
    pub version: String,
    pub protocol: i32,
    pub echo: bool,
    pub headers: bool,
    pub no_responders: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nkey: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_full_info() {
        let json = br#"{"server_id":"NABC","server_name":"srv","version":"2.10.4","proto":1,
            "go":"go1.21","host":"0.0.0.0","port":4222,"headers":true,"max_payload":1048576,
            "client_id":5,"client_ip":"127.0.0.1","auth_required":true,"tls_required":false,
            "tls_available":true,"connect_urls":["a:4222","b:4222"],"ldm":false,
            "nonce":"xyz","jetstream":true,"cluster":"c1","domain":"d","xkey":"new-field"}"#;
        let i = ServerInfo::parse(json).unwrap();
        assert_eq!(i.server_id, "NABC");
        assert_eq!(i.server_name, "srv");
        assert_eq!(i.version, "2.10.4");
        assert_eq!(i.proto, 1);
        assert_eq!(i.port, 4222);
        assert!(i.headers);
        assert_eq!(i.max_payload, 1_048_576);
        assert_eq!(i.client_id, 5);
        assert_eq!(i.client_ip, "127.0.0.1");
        assert!(i.auth_required && !i.tls_required && i.tls_available);
        assert_eq!(i.connect_urls, vec!["a:4222", "b:4222"]);
        assert!(i.ws_connect_urls.is_empty());
        assert_eq!(i.nonce, "xyz");
        assert!(i.jetstream);
        assert_eq!(i.cluster, "c1");
        assert_eq!(i.domain, "d");
    }

    #[test]
    fn parse_minimal_and_null_lists() {
        let i = ServerInfo::parse(b"{}").unwrap();
        assert_eq!(i.port, 0);
        let i = ServerInfo::parse(br#"{"connect_urls":null,"port":1}"#).unwrap();
        assert!(i.connect_urls.is_empty());
        assert_eq!(i.port, 1);
    }

    #[test]
    fn parse_rejects_garbage() {
        assert!(ServerInfo::parse(b"not json").is_err());
        assert!(ServerInfo::parse(b"{\"port\":70000}").is_err());
        assert!(ServerInfo::parse(b"").is_err());
    }

    #[test]
    fn connect_skips_none() {
        let c = ConnectInfo {
            name: Some("app".into()),
            jwt: Some("J".into()),
            sig: Some("S".into()),
            ..Default::default()
        };
        let v: serde_json::Value = serde_json::to_value(&c).unwrap();
        let o = v.as_object().unwrap();
        assert_eq!(o["name"], "app");
        assert_eq!(o["jwt"], "J");
        assert_eq!(o["sig"], "S");
        for k in ["user", "pass", "auth_token", "nkey"] {
            assert!(!o.contains_key(k), "{k} should be skipped");
        }
        for k in [
            "verbose",
            "pedantic",
            "tls_required",
            "lang",
            "version",
            "protocol",
            "echo",
            "headers",
            "no_responders",
        ] {
            assert!(o.contains_key(k), "{k} missing");
        }
    }
}
