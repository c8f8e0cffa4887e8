//! Generates `include/nats_rs.h` from the `extern "C"` items in `src/ffi/`.
//! The file is rewritten only when its content changes, so that builds do not
//! touch a committed header needlessly.
use std::{env, fs, path::PathBuf};

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let config =
        cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("read cbindgen.toml");
    let bindings = match cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
    {
        Ok(b) => b,
        Err(e) => {
            // A syntax error in src/ is reported by rustc with better context.
            println!("cargo:warning=cbindgen: {e}");
            return;
        }
    };
    let mut text = Vec::new();
    bindings.write(&mut text);
    let out = dir.join("include").join("nats_rs.h");
    if fs::read(&out).ok().as_deref() != Some(&text[..]) {
        fs::write(&out, &text).expect("write include/nats_rs.h");
    }
}
