//! client.h: runs request files (or any iterator of request lines) against a served model, appending each outcome
//! to a resumable responses file (docs/running.md). The transfers run inside the call, on the calling thread.
//!
//! ```no_run
//! let mut o = mirsafety::client::Options::new("http://127.0.0.1:8000/v1");
//! o.concurrency = 16;
//! let s = mirsafety::client::run_file("requests.jsonl", "responses.jsonl", &o, None)?;
//! println!("{} ok, {} failed", s.ok, s.failed);
//! # Ok::<(), mirsafety::Error>(())
//! ```
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_void};
use std::path::Path;
use std::sync::atomic::AtomicI32;

use crate::error::{check, cpath, cstring, Result};
use crate::sys;

/// Whether the library was built with libcurl (otherwise every run fails with `MIRS_E_UNSUPPORTED`).
pub fn available() -> bool {
    unsafe { sys::mirs_client_available() == 1 }
}

/// The options of a run; [`Options::new`] fills the library's defaults (`mirs_client_options_init`).
#[derive(Clone, Debug)]
pub struct Options {
    pub endpoint: String,
    pub model: Option<String>,
    /// The NAME of the environment variable holding the API key (never the key).
    pub api_key_env: Option<String>,
    /// `sys::MIRS_CLIENT_API_*`
    pub api: i32,
    /// `sys::MIRS_CLIENT_OUTPUT_*`
    pub output: i32,
    pub concurrency: u32,
    pub max_retries: u32,
    pub blank_retries: u32,
    pub tls_verify: bool,
    pub timeout_ms: i64,
    pub backoff_base_ms: i64,
    pub backoff_cap_ms: i64,
    pub backoff_jitter: f64,
    pub rpm: u64,
    pub tpm: u64,
    pub max_body_bytes: u64,
    /// `sys::MIRS_CLIENT_DURABLE_*`
    pub durability: i32,
    pub seed: u64,
}

impl Options {
    pub fn new(endpoint: &str) -> Options {
        let mut o: sys::mirs_client_options = unsafe { std::mem::zeroed() };
        unsafe { sys::mirs_client_options_init(&mut o, std::mem::size_of::<sys::mirs_client_options>()) };
        Options {
            endpoint: endpoint.to_string(),
            model: None,
            api_key_env: None,
            api: o.api,
            output: o.output,
            concurrency: o.concurrency,
            max_retries: o.max_retries,
            blank_retries: o.blank_retries,
            tls_verify: o.tls_verify != 0,
            timeout_ms: o.timeout_ms,
            backoff_base_ms: o.backoff_base_ms,
            backoff_cap_ms: o.backoff_cap_ms,
            backoff_jitter: o.backoff_jitter,
            rpm: o.rpm,
            tpm: o.tpm,
            max_body_bytes: o.max_body_bytes,
            durability: o.durability,
            seed: o.seed,
        }
    }
}

/// What a run did (`mirs_client_summary`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub requests: u64,
    pub already_done: u64,
    pub ok: u64,
    pub failed: u64,
    pub attempts: u64,
    pub retries: u64,
    pub blank_retries: u64,
    pub torn_bytes: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cancelled: bool,
}

struct Raw {
    o: sys::mirs_client_options,
    _keep: Vec<CString>,
}

fn raw(opts: &Options, cancel: Option<&AtomicI32>) -> Result<Raw> {
    let mut o: sys::mirs_client_options = unsafe { std::mem::zeroed() };
    check(unsafe { sys::mirs_client_options_init(&mut o, std::mem::size_of::<sys::mirs_client_options>()) })?;
    let mut keep = Vec::new();
    let e = cstring(&opts.endpoint, "endpoint")?;
    o.endpoint = e.as_ptr();
    keep.push(e);
    if let Some(m) = &opts.model {
        let c = cstring(m, "model")?;
        o.model = c.as_ptr();
        keep.push(c);
    }
    if let Some(k) = &opts.api_key_env {
        let c = cstring(k, "api_key_env")?;
        o.api_key_env = c.as_ptr();
        keep.push(c);
    }
    o.api = opts.api;
    o.output = opts.output;
    o.concurrency = opts.concurrency;
    o.max_retries = opts.max_retries;
    o.blank_retries = opts.blank_retries;
    o.tls_verify = opts.tls_verify as i32;
    o.timeout_ms = opts.timeout_ms;
    o.backoff_base_ms = opts.backoff_base_ms;
    o.backoff_cap_ms = opts.backoff_cap_ms;
    o.backoff_jitter = opts.backoff_jitter;
    o.rpm = opts.rpm;
    o.tpm = opts.tpm;
    o.max_body_bytes = opts.max_body_bytes;
    o.durability = opts.durability;
    o.seed = opts.seed;
    // AtomicI32 has the layout of i32; the library only reads it.
    o.cancel = cancel.map_or(std::ptr::null(), |c| {
        c as *const std::sync::atomic::AtomicI32 as *const i32
    });
    Ok(Raw { o, _keep: keep })
}

fn new_summary() -> sys::mirs_client_summary {
    let mut s: sys::mirs_client_summary = unsafe { std::mem::zeroed() };
    s.struct_size = std::mem::size_of::<sys::mirs_client_summary>();
    s
}

fn summary(s: &sys::mirs_client_summary) -> Summary {
    Summary {
        requests: s.requests,
        already_done: s.already_done,
        ok: s.ok,
        failed: s.failed,
        attempts: s.attempts,
        retries: s.retries,
        blank_retries: s.blank_retries,
        torn_bytes: s.torn_bytes,
        prompt_tokens: s.prompt_tokens,
        completion_tokens: s.completion_tokens,
        cancelled: s.cancelled != 0,
    }
}

/// Sends every request of the JSONL file whose key has no ok record in `output` yet; one record per item is
/// appended. `cancel`, once set non-zero (from another thread), stops the run with `MIRS_E_STATE`.
pub fn run_file(
    requests: impl AsRef<Path>,
    output: impl AsRef<Path>,
    opts: &Options,
    cancel: Option<&AtomicI32>,
) -> Result<Summary> {
    let r = raw(opts, cancel)?;
    let (rq, out) = (cpath(requests.as_ref())?, cpath(output.as_ref())?);
    let mut s = new_summary();
    check(unsafe { sys::mirs_client_run_file(rq.as_ptr(), out.as_ptr(), &r.o, &mut s) })?;
    Ok(summary(&s))
}

struct Source<'a> {
    it: &'a mut dyn Iterator<Item = String>,
    cur: String,
}

unsafe extern "C" fn next_line(ud: *mut c_void, line: *mut *const c_char, len: *mut usize) -> c_int {
    let src = &mut *(ud as *mut Source);
    // A panic must not unwind into C: stop the run with MIRS_E_STATE instead.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| src.it.next())) {
        Ok(Some(s)) => {
            src.cur = s;
            *line = src.cur.as_ptr() as *const c_char;
            *len = src.cur.len();
            sys::MIRS_OK
        }
        Ok(None) => sys::MIRS_DONE,
        Err(_) => sys::MIRS_E_STATE,
    }
}

/// Same as [`run_file`] with the request lines (one JSON object each) taken from an iterator, pulled only as the
/// run has room for them.
pub fn run<I: Iterator<Item = String>>(
    lines: I,
    output: impl AsRef<Path>,
    opts: &Options,
    cancel: Option<&AtomicI32>,
) -> Result<Summary> {
    let r = raw(opts, cancel)?;
    let out = cpath(output.as_ref())?;
    let mut it = lines;
    let mut src = Source {
        it: &mut it,
        cur: String::new(),
    };
    let mut s = new_summary();
    check(unsafe {
        sys::mirs_client_run(
            Some(next_line),
            &mut src as *mut Source as *mut c_void,
            out.as_ptr(),
            &r.o,
            &mut s,
        )
    })?;
    Ok(summary(&s))
}
