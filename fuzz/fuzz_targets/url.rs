//! Server URLs and URL lists, from the user (`natsOptions_SetURL`,
//! `SetServers`) or from the server (INFO `connect_urls`).
//!
//! Checked: no panic; a list parses into the entries it has; a parsed URL
//! with an ordinary host (letters, digits, `.-_`, or an IPv6 literal) parses
//! back from its display form to the same scheme, host and port.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nats_rs::client::url::ServerUrl;

fn ordinary_host(h: &str) -> bool {
    !h.is_empty()
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-_:".contains(&b))
}

fn ordinary_scheme(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(list) = ServerUrl::parse_list(&text) {
        let entries = text.split(',').filter(|s| !s.trim().is_empty()).count();
        assert_eq!(list.len(), entries, "list length");
    }
    let Ok(url) = ServerUrl::parse(&text) else {
        return;
    };
    let shown = url.display();
    let _ = url.host_port();
    let _ = url.has_credentials();
    let _ = url.wants_tls();
    if ordinary_host(&url.host) && ordinary_scheme(&url.scheme) {
        let again = ServerUrl::parse(&shown)
            .unwrap_or_else(|e| panic!("{shown:?} (shown for {text:?}) does not parse: {e:?}"));
        assert_eq!(
            (&again.scheme, &again.host, again.port),
            (&url.scheme, &url.host, url.port),
            "{shown:?} does not parse back"
        );
    }
});
