//! A 64 MiB object put from a file and got back into one, alone in its
//! test binary so the process's memory is this test's: the resident
//! memory growth and the throughput are printed (the bound belongs in
//! `bench/`), the bytes must come back the same.
mod support;

use std::io::Write;
use std::time::{Duration, Instant};

use nats_rs::client::{Connection, Options};
use nats_rs::jetstream::*;
use support::NatsServer;

const SIZE: usize = 64 * 1024 * 1024;

/// VmRSS and VmHWM of this process, KiB.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn block(i: usize) -> Vec<u8> {
    (0..1 << 20)
        .map(|j| ((i * 31 + j * 7 + j / 4099) % 256) as u8)
        .collect()
}

#[test]
fn a_64_mib_object_streams_through_files() {
    let server = NatsServer::builder().jetstream().start();
    let opts = Options {
        url: Some(server.url()),
        ..Options::default()
    };
    let conn = Connection::connect(opts).expect("connect");
    let js = JetStream::new(
        conn,
        JsOptions {
            wait: Duration::from_secs(60),
            ..JsOptions::default()
        },
    )
    .unwrap();
    js.add_stream(&StreamConfig {
        name: "OBJ_big".into(),
        subjects: vec!["$O.big.C.>".into(), "$O.big.M.>".into()],
        storage: StorageType::File,
        discard: DiscardPolicy::New,
        allow_rollup: true,
        allow_direct: true,
        ..StreamConfig::default()
    })
    .unwrap();
    let obs = js.object_store("big").unwrap();

    let dir = std::env::temp_dir().join(format!("objstore-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("in.bin");
    {
        let mut f = std::fs::File::create(&src).unwrap();
        for i in 0..SIZE >> 20 {
            f.write_all(&block(i)).unwrap();
        }
    }
    let name = src.to_str().unwrap();

    let (rss0, _) = memory();
    let t = Instant::now();
    let info = obs.put_file(name).unwrap();
    let put_secs = t.elapsed().as_secs_f64();
    let (rss1, hwm1) = memory();
    assert_eq!(info.size, SIZE as u64);
    assert_eq!(info.chunks, (SIZE / (128 * 1024)) as u32);

    let out = dir.join("out.bin");
    let t = Instant::now();
    obs.get_file(name, out.to_str().unwrap(), false).unwrap();
    let get_secs = t.elapsed().as_secs_f64();
    let (rss2, hwm2) = memory();

    let mib = (SIZE >> 20) as f64;
    println!(
        "64 MiB put: {put_secs:.2} s ({:.0} MiB/s), RSS {} -> {} KiB (+{} KiB), peak {} KiB",
        mib / put_secs,
        rss0,
        rss1,
        rss1.saturating_sub(rss0),
        hwm1
    );
    println!(
        "64 MiB get: {get_secs:.2} s ({:.0} MiB/s), RSS -> {} KiB (+{} KiB over the start), peak {} KiB (+{} KiB over the start)",
        mib / get_secs,
        rss2,
        rss2.saturating_sub(rss0),
        hwm2,
        hwm2.saturating_sub(rss0)
    );

    // Compare a block at a time.
    let got = std::fs::File::open(&out).unwrap();
    assert_eq!(got.metadata().unwrap().len(), SIZE as u64);
    let mut got = std::io::BufReader::new(got);
    let mut buf = vec![0u8; 1 << 20];
    for i in 0..SIZE >> 20 {
        std::io::Read::read_exact(&mut got, &mut buf).unwrap();
        assert!(buf == block(i), "block {i} differs");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
