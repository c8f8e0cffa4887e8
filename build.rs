//! Generates `include/nats_rs.h` from the `extern "C"` items in `src/ffi/`.
//! The file is rewritten only when its content changes, so that builds do not
//! touch a committed header needlessly.
use std::{
    env, fs,
    path::{Path, PathBuf},
};

/// Tells cargo to rerun this script when any file below `dir` changes:
/// cbindgen parses the whole crate, so a constant or type anywhere in `src/`
/// can reach the header, not only the items in `src/ffi/`.
fn rerun_if_any_changed(dir: &Path) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => panic!("build.rs: cannot list {}: {e}", dir.display()),
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            rerun_if_any_changed(&path);
        } else {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}

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

/// The C definitions of the API's variadic functions and static errors
/// (stable Rust cannot define C variadic functions).
const SHIM_SYMBOLS: &[&str] = &[
    "micro_Errorf",
    "micro_ErrorfCode",
    "microError_Wrapf",
    "micro_ErrorOutOfMemory",
    "micro_ErrorInvalidArg",
];

/// Compiles `src/ffi/micro_error_format.c` into the library. rustc's
/// version script exports only Rust symbols from the shared library, so a
/// second script (merged by the linker) exports the shim's.
fn compile_variadic_shim(dir: &Path) {
    cc::Build::new()
        .file(dir.join("src/ffi/micro_error_format.c"))
        .warnings(true)
        .extra_warnings(true)
        .compile("nats_rs_variadic");
    if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    let Some(out) = env::var_os("OUT_DIR").map(PathBuf::from) else {
        return;
    };
    let script = out.join("variadic_exports.map");
    let globals: String = SHIM_SYMBOLS.iter().map(|s| format!(" {s};")).collect();
    fs::write(&script, format!("{{ global:{globals} }};\n")).expect("write the export script");
    for s in SHIM_SYMBOLS {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-u,{s}");
    }
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        script.display()
    );
}

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    // A new file only matters once a `mod` line in an existing file names
    // it, and that edit reruns the script.
    rerun_if_any_changed(&dir.join("src"));
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");
    // The shared library's SONAME, so that `make install` can lay out
    // libnats_rs.so.<version> with the usual libnats_rs.so.0 / libnats_rs.so
    // links and programs record the major version they were linked against.
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libnats_rs.so.0");
        link_soname_in_target();
    }
    compile_variadic_shim(&dir);
    let config =
        cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("read cbindgen.toml");
    // A failure fails the build: a warning would leave the previous header
    // in place, silently out of date with the library being built.
    let bindings = match cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
    {
        Ok(b) => b,
        Err(e) => panic!("cbindgen could not generate include/nats_rs.h: {e}"),
    };
    let mut text = Vec::new();
    bindings.write(&mut text);
    let out = dir.join("include").join("nats_rs.h");
    if fs::read(&out).ok().as_deref() != Some(&text[..]) {
        fs::write(&out, &text).expect("write include/nats_rs.h");
    }
}
