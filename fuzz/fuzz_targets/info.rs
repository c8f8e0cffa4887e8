//! INFO JSON as the server (or anything posing as one) sends it, and the
//! server URLs it announces, which the client merges into its pool.
//!
//! Checked: no panic in decoding the JSON or in parsing any announced URL.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nats_rs::client::url::ServerUrl;
use nats_rs::proto::ServerInfo;

fuzz_target!(|data: &[u8]| {
    let Ok(info) = ServerInfo::parse(data) else {
        return;
    };
    for u in info.connect_urls.iter().chain(&info.ws_connect_urls) {
        if let Ok(url) = ServerUrl::parse(u) {
            let _ = url.display();
            let _ = url.host_port();
        }
    }
});
