//! mTLS with a client certificate made the usual way with the openssl
//! command line (`openssl req -newkey ...`, then `openssl x509 -req -CA ...`
//! with no extensions file), which is X.509 version 1. nats.c and
//! nats-server accept it; so must we. Skipped with a note when `openssl` is
//! not installed.
mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use nats_rs::client::{Connection, ErrorKind, Options};
use support::certs::TestPki;
use support::{manifest_dir, our_lib, run_guarded, unique_temp_dir, NatsServer};

const WAIT: Duration = Duration::from_secs(5);

/// A scratch directory removed on drop.
struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The files openssl made: a CA, a v1 client certificate it signed, the
/// client's key, and an unrelated key.
struct OpensslPki {
    dir: Dir,
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
    other_key: PathBuf,
}

fn openssl_pki() -> Option<OpensslPki> {
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("v1 client certificate tests skipped: no openssl command");
        return None;
    }
    let dir = Dir(unique_temp_dir("openssl-pki"));
    let d = &dir.0;
    let subj_ca = "/CN=nats_rs openssl CA";
    openssl(
        d,
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", subj_ca,
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "client.key",
            "-out",
            "client.csr",
            "-subj",
            "/CN=client",
        ],
    );
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "client.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "client.pem",
            "-days",
            "2",
        ],
    );
    openssl(d, &["genrsa", "-out", "other.key", "2048"]);
    let text = Command::new("openssl")
        .args(["x509", "-in", "client.pem", "-noout", "-text"])
        .current_dir(d)
        .output()
        .expect("run openssl x509 -text");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Version: 1 (0x0)"),
        "openssl did not make a version 1 certificate:\n{text}"
    );
    Some(OpensslPki {
        ca: d.join("ca.pem"),
        cert: d.join("client.pem"),
        key: d.join("client.key"),
        other_key: d.join("other.key"),
        dir,
    })
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// A server with the rcgen PKI's server certificate that requires client
/// certificates signed by the openssl CA.
fn mtls_server(pki: &TestPki, clients: &OpensslPki) -> NatsServer {
    NatsServer::with_config(&format!(
        "tls {{\n  cert_file: \"{}\"\n  key_file: \"{}\"\n  ca_file: \"{}\"\n  verify: true\n  timeout: 2\n}}",
        pki.server_cert.display(),
        pki.server_key.display(),
        clients.ca.display(),
    ))
}

fn trusting(pki: &TestPki, url: String) -> Options {
    let mut o = Options {
        url: Some(url),
        timeout: Duration::from_secs(3),
        allow_reconnect: false,
        ..Options::default()
    };
    o.tls.add_ca_file(path(&pki.ca_pem)).expect("load CA");
    o
}

fn round_trip(nc: &Connection) {
    let sub = nc.subscribe_sync("v1.echo", None).unwrap();
    nc.publish("v1.echo", b"hello").unwrap();
    nc.flush_timeout(WAIT).unwrap();
    assert_eq!(sub.next_msg(WAIT).unwrap().data(), b"hello");
}

#[test]
fn v1_client_certificate_is_accepted_for_mtls() {
    let Some(clients) = openssl_pki() else { return };
    let pki = TestPki::new();
    let server = mtls_server(&pki, &clients);

    let mut o = trusting(&pki, server.url());
    o.tls
        .set_client_chain_files(path(&clients.cert), path(&clients.key))
        .expect("a v1 certificate and its key load");
    round_trip(&Connection::connect(o).expect("mTLS with the v1 certificate"));

    let mut o = trusting(&pki, server.url());
    let (cert, key) = (TestPki::read(&clients.cert), TestPki::read(&clients.key));
    o.tls
        .set_client_chain_pem(&cert, &key)
        .expect("the same from memory");
    round_trip(&Connection::connect(o).expect("mTLS from memory"));

    let mut o = trusting(&pki, server.url());
    o.tls
        .set_client_chain_dynamic(path(&clients.cert), path(&clients.key))
        .unwrap();
    round_trip(&Connection::connect(o).expect("mTLS, files read at connect"));
}

#[test]
fn v1_certificate_with_another_key_is_refused() {
    let Some(clients) = openssl_pki() else { return };
    let mut o = Options::default();
    let e = nats_rs::client::Error::from(
        o.tls
            .set_client_chain_files(path(&clients.cert), path(&clients.other_key))
            .unwrap_err(),
    );
    assert_eq!(e.kind, ErrorKind::SslError);
    assert!(
        e.text.contains("does not match the certificate"),
        "unclear text: {}",
        e.text
    );
    // Read at the handshake: the connect fails the same way.
    let pki = TestPki::new();
    let server = mtls_server(&pki, &clients);
    let mut o = trusting(&pki, server.url());
    o.tls
        .set_client_chain_dynamic(path(&clients.cert), path(&clients.other_key))
        .unwrap();
    let e = Connection::connect(o).unwrap_err();
    assert_eq!(e.kind, ErrorKind::SslError, "{e}");
    assert!(e.text.contains("does not match the certificate"), "{e}");
}

/// `tests/c/tls_client_cert.c` (refused without a certificate, accepted
/// with one from files and from memory) with the v1 certificate, on our
/// library and on Debian's nats.c 3.4.1.
#[test]
fn v1_client_certificate_c_program_on_both_libraries() {
    let Some(clients) = openssl_pki() else { return };
    let pki = TestPki::new();
    let server = mtls_server(&pki, &clients);
    let src = manifest_dir()
        .join("tests")
        .join("c")
        .join("tls_client_cert.c");
    let libdir = our_lib().parent().expect("library dir").to_path_buf();
    let mut builds = vec![(
        "nats_rs",
        vec![
            format!("-I{}", manifest_dir().join("include").display()),
            format!("-L{}", libdir.display()),
            "-lnats_rs".to_string(),
            format!("-Wl,-rpath,{}", libdir.display()),
        ],
    )];
    if Path::new("/usr/include/nats/nats.h").exists() {
        builds.push((
            "nats.c",
            vec!["-I/usr/include/nats".to_string(), "-lnats".to_string()],
        ));
    } else {
        eprintln!("nats.c run skipped: /usr/include/nats/nats.h missing");
    }
    for (name, flags) in builds {
        let exe = clients.dir.0.join(format!("tls_client_cert-{name}"));
        let (inc, libs): (Vec<&String>, Vec<&String>) =
            flags.iter().partition(|f| f.starts_with("-I"));
        let out = Command::new(std::env::var_os("CC").unwrap_or_else(|| "cc".into()))
            .args([
                "-std=c99",
                "-D_POSIX_C_SOURCE=200809L",
                "-Wall",
                "-Wextra",
                "-Werror",
            ])
            .arg(format!(
                "-I{}",
                manifest_dir().join("tests").join("c").display()
            ))
            .args(inc)
            .arg(&src)
            .args(libs)
            .arg("-lpthread")
            .arg("-o")
            .arg(&exe)
            .output()
            .expect("run the C compiler");
        assert!(
            out.status.success(),
            "compiling for {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut cmd = Command::new(&exe);
        cmd.arg(server.url())
            .env_remove("LD_LIBRARY_PATH")
            .env("NATS_RS_CA_FILE", &pki.ca_pem)
            .env("NATS_RS_CLIENT_CERT", &clients.cert)
            .env("NATS_RS_CLIENT_KEY", &clients.key);
        let r = run_guarded(cmd, &clients.dir.0, Duration::from_secs(60));
        assert!(
            r.success(),
            "{name}: tls_client_cert with a v1 certificate failed ({:?}):\n{}{}",
            r.status,
            r.stdout,
            r.stderr
        );
    }
}
