//! The `NATS/1.0` header block parser (HMSG headers, as any publisher can
//! send them to every subscriber).
//!
//! Checked: no panic; `encoded_len` is what `encode` writes; what `encode`
//! writes parses back to the same keys with the same number of values, and
//! after that one round trip encoding is stable (the first parse may
//! normalise values: trimming, folded lines; bytes are kept as they are).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nats_rs::proto::Headers;

fn encoded(h: &Headers) -> Vec<u8> {
    let mut out = Vec::new();
    h.encode(&mut out);
    assert_eq!(
        out.len(),
        h.encoded_len(),
        "encoded_len disagrees with encode"
    );
    out
}

fn shape(h: &Headers) -> Vec<(Vec<u8>, usize)> {
    h.keys()
        .map(|k| (k.to_vec(), h.values(k).map_or(0, <[Vec<u8>]>::len)))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(h1) = Headers::parse(data) else {
        return;
    };
    let _ = h1.status();
    let _ = h1.is_no_responders();
    for k in h1.keys() {
        assert!(h1.get(k).is_some(), "listed key {k:?} has no value");
    }
    let e1 = encoded(&h1);
    let h2 = Headers::parse(&e1).expect("what encode wrote parses");
    assert_eq!(shape(&h1), shape(&h2), "keys changed in a round trip");
    let e2 = encoded(&h2);
    let h3 = Headers::parse(&e2).expect("what encode wrote parses");
    assert_eq!(h2, h3, "a second round trip changed the headers");
});
