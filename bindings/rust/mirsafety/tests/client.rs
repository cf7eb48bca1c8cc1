//! client.h through the safe layer, against the loopback test server of tests/client/server.py.
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicI32;

use mirsafety::{client, sys};

struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start() -> Server {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../tests/client/server.py");
        let mut child = Command::new("/usr/bin/python3")
            .args([script, "--lifetime", "60"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the test server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = format!("http://127.0.0.1:{}/v1", line.trim());
        Server { child, url }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines(n: usize, tag: &str) -> Vec<String> {
    (0..n)
        .map(|i| {
            format!(
                "{{\"custom_id\":\"{tag}/{i}\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{{\"model\":\"m\",\"messages\":[{{\"role\":\"user\",\"content\":\"{tag} {i}\"}}]}}}}"
            )
        })
        .collect()
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("mirs-rust-client-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join(name);
    let _ = std::fs::remove_file(&p);
    p
}

#[test]
fn defaults() {
    let o = client::Options::new("http://127.0.0.1:1/v1");
    assert_eq!(
        (o.concurrency, o.max_retries, o.blank_retries, o.timeout_ms),
        (1, 8, 10, 149000)
    );
    assert_eq!(
        (o.backoff_base_ms, o.backoff_cap_ms, o.backoff_jitter),
        (5000, 120000, 0.2)
    );
    assert!(o.tls_verify);
}

#[test]
fn run_and_resume() {
    if !client::available() {
        let o = client::Options::new("http://127.0.0.1:1/v1");
        let e = client::run(lines(1, "x").into_iter(), tmp("u.jsonl"), &o, None).unwrap_err();
        assert_eq!(e.status(), sys::MIRS_E_UNSUPPORTED);
        return;
    }
    let srv = Server::start();
    let mut o = client::Options::new(&srv.url);
    o.concurrency = 3;
    let out = tmp("iter.jsonl");
    let s = client::run(lines(4, "iter").into_iter(), &out, &o, None).unwrap();
    assert_eq!((s.requests, s.ok, s.attempts, s.cancelled), (4, 4, 4, false));
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().count(), 4);
    assert!(text
        .lines()
        .all(|l| l.contains("\"status\":\"ok\"") && l.contains("\"response\":\"Answer ")));

    let req = tmp("req.jsonl");
    let mut f = std::fs::File::create(&req).unwrap();
    for l in lines(4, "iter") {
        writeln!(f, "{}", l).unwrap();
    }
    drop(f);
    let s = client::run_file(&req, &out, &o, None).unwrap();
    assert_eq!((s.already_done, s.attempts), (4, 0));

    let cancel = AtomicI32::new(1);
    let e = client::run_file(&req, tmp("c.jsonl"), &o, Some(&cancel)).unwrap_err();
    assert_eq!(e.status(), sys::MIRS_E_STATE);
}
