//! Generates `include/nats_rs.h` from the `extern "C"` items in `src/ffi/`.
//! The file is rewritten only when its content changes, so that builds do not
//! touch a committed header needlessly.
use std::{env, fs, path::PathBuf};

/// Programs linked against `target/<profile>/libnats_rs.so` (the examples,
/// the C tests) record its SONAME, so the build directories get the
/// `libnats_rs.so.0` link that `make install` also creates.
fn link_soname_in_target() {
    let Some(out) = env::var_os("OUT_DIR").map(PathBuf::from) else {
        return;
    };
    // OUT_DIR is <target>/<profile>/build/<pkg>-<hash>/out.
    let Some(profile) = out.ancestors().nth(3) else {
        return;
    };
    for dir in [profile.to_path_buf(), profile.join("deps")] {
        let link = dir.join("libnats_rs.so.0");
        if fs::symlink_metadata(&link).is_err() && dir.is_dir() {
            #[cfg(unix)]
            let _ = std::os::unix::fs::symlink("libnats_rs.so", &link);
        }
    }
}

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    // The shared library's SONAME, so that `make install` can lay out
    // libnats_rs.so.<version> with the usual libnats_rs.so.0 / libnats_rs.so
    // links and programs record the major version they were linked against.
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libnats_rs.so.0");
        link_soname_in_target();
    }
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
