//! Responses, verdict records, the crash-safe store, ASR reports and comparisons (report.h).
//! [`Responses`] and [`Records`] are immutable once read (`Send + Sync`); [`Store`] and [`Report`] are
//! one-thread-at-a-time (`Send` only). Records and responses are copied out as owned values.
use std::ffi::{CStr, CString};
use std::marker::PhantomData;
use std::os::raw::{c_char, c_void};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::ptr::{self, NonNull};

use mirsafety_sys as sys;

use crate::dataset::{Dataset, Item};
use crate::error::{check, Error, Result};
use crate::progress::Progress;

fn cs(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| Error::new(sys::MIRS_E_INVALID_ARGUMENT, "text contains a NUL byte"))
}
fn cpath(p: &Path) -> Result<CString> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| Error::new(sys::MIRS_E_INVALID_ARGUMENT, "NUL in path"))
}
fn opt_cs(s: Option<&str>) -> Result<Option<CString>> {
    s.map(cs).transpose()
}
fn ptr_of(c: &Option<CString>) -> *const c_char {
    c.as_ref().map_or(ptr::null(), |c| c.as_ptr())
}
unsafe fn owned(p: *const c_char) -> Option<String> {
    if p.is_null() {
        None
    } else {
        Some(CStr::from_ptr(p).to_string_lossy().into_owned())
    }
}
/// Library text of `n` bytes (U+0000 included); `n == 0` means a C string.
unsafe fn owned_len(p: *const c_char, n: usize) -> Option<String> {
    if p.is_null() || n == 0 {
        owned(p)
    } else {
        Some(String::from_utf8_lossy(std::slice::from_raw_parts(p as *const u8, n)).into_owned())
    }
}
unsafe fn owned_or_empty(p: *const c_char) -> String {
    owned(p).unwrap_or_default()
}
fn take_string(mut b: sys::mirs_buf) -> String {
    let s = if b.data.is_null() {
        String::new()
    } else {
        String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(b.data, b.size) }).into_owned()
    };
    unsafe { sys::mirs_buf_free(&mut b) };
    s
}
fn strings<T>(
    h: *const T,
    count: unsafe extern "C" fn(*const T) -> usize,
    get: unsafe extern "C" fn(*const T, usize) -> *const c_char,
) -> Vec<String> {
    let n = unsafe { count(h) };
    (0..n).map(|i| unsafe { owned_or_empty(get(h, i)) }).collect()
}

// ---- responses -------------------------------------------------------------------------------------------------------

/// One model response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub key: String,
    pub text: String,
    /// `MIRS_RESPONSE_*`.
    pub status: i32,
    pub finish_reason: String,
    pub error: String,
    pub source: String,
    pub model: String,
    /// `MIRS_RESPONSE_ORIGIN_*`: where the text came from (a completions server's text keeps a leading space).
    pub origin: i32,
}

impl Response {
    unsafe fn from_raw(r: &sys::mirs_response) -> Response {
        let text = if r.text.is_null() {
            String::new()
        } else {
            String::from_utf8_lossy(std::slice::from_raw_parts(r.text as *const u8, r.text_len)).into_owned()
        };
        Response {
            key: owned_or_empty(r.key),
            text,
            status: r.status,
            finish_reason: owned_or_empty(r.finish_reason),
            error: owned_or_empty(r.error),
            source: owned_or_empty(r.source),
            model: owned_or_empty(r.model),
            origin: r.origin,
        }
    }
}

/// Options of [`Responses`]; defaults from `mirs_responses_options_init`.
#[derive(Clone, Copy, Debug)]
pub struct ResponsesOptions {
    pub raw: sys::mirs_responses_options,
}
impl Default for ResponsesOptions {
    fn default() -> Self {
        let mut raw = std::mem::MaybeUninit::zeroed();
        unsafe {
            sys::mirs_responses_options_init(raw.as_mut_ptr(), std::mem::size_of_val(&raw));
            ResponsesOptions { raw: raw.assume_init() }
        }
    }
}

/// Model responses (OpenAI Batch or simple JSONL, or the official results/infer tree).
pub struct Responses {
    ptr: NonNull<sys::mirs_responses>,
}
unsafe impl Send for Responses {}
unsafe impl Sync for Responses {}

impl Responses {
    fn wrap(p: *mut sys::mirs_responses) -> Result<Responses> {
        NonNull::new(p)
            .map(|ptr| Responses { ptr })
            .ok_or_else(|| Error::new(sys::MIRS_E_INTERNAL, "NULL"))
    }
    pub fn open<P: AsRef<Path>>(path: P, opts: &ResponsesOptions) -> Result<Responses> {
        let c = cpath(path.as_ref())?;
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_responses_open(c.as_ptr(), &opts.raw, &mut out) })?;
        Self::wrap(out)
    }
    pub fn parse(data: &[u8], what: Option<&str>, opts: &ResponsesOptions) -> Result<Responses> {
        let w = opt_cs(what)?;
        let mut out = ptr::null_mut();
        check(unsafe {
            sys::mirs_responses_parse(
                data.as_ptr() as *const c_char,
                data.len(),
                ptr_of(&w),
                &opts.raw,
                &mut out,
            )
        })?;
        Self::wrap(out)
    }
    pub fn parse_official(data: &[u8], category: &str, relation: &str, opts: &ResponsesOptions) -> Result<Responses> {
        let (c, r) = (cs(category)?, cs(relation)?);
        let mut out = ptr::null_mut();
        check(unsafe {
            sys::mirs_responses_parse_official(
                data.as_ptr() as *const c_char,
                data.len(),
                c.as_ptr(),
                r.as_ptr(),
                &opts.raw,
                &mut out,
            )
        })?;
        Self::wrap(out)
    }
    fn p(&self) -> *const sys::mirs_responses {
        self.ptr.as_ptr()
    }
    pub fn format(&self) -> i32 {
        unsafe { sys::mirs_responses_format(self.p()) }
    }
    pub fn len(&self) -> usize {
        unsafe { sys::mirs_responses_count(self.p()) }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn get(&self, i: usize) -> Option<Response> {
        let r = unsafe { sys::mirs_responses_get(self.p(), i) };
        if r.is_null() {
            None
        } else {
            Some(unsafe { Response::from_raw(&*r) })
        }
    }
    /// Whether response `i` is the one that counts for its key (the last with that key).
    pub fn latest(&self, i: usize) -> bool {
        unsafe { sys::mirs_responses_latest(self.p(), i) != 0 }
    }
    /// The last response with this key.
    pub fn find(&self, key: &str) -> Result<Response> {
        let k = cs(key)?;
        let mut out: *const sys::mirs_response = ptr::null();
        check(unsafe { sys::mirs_responses_find(self.p(), k.as_ptr(), &mut out) })?;
        Ok(unsafe { Response::from_raw(&*out) })
    }
    pub fn duplicates(&self) -> Vec<String> {
        strings(
            self.p(),
            sys::mirs_responses_duplicate_count,
            sys::mirs_responses_duplicate,
        )
    }
    pub fn diagnostics(&self) -> Vec<String> {
        strings(
            self.p(),
            sys::mirs_responses_diagnostic_count,
            sys::mirs_responses_diagnostic,
        )
    }
    /// Matches the responses to a dataset's items.
    pub fn match_dataset<'d>(&self, ds: &'d Dataset) -> Result<ResponseMatch<'d>> {
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_responses_match(self.p(), ds.as_ptr(), &mut out) })?;
        let ptr = NonNull::new(out).ok_or_else(|| Error::new(sys::MIRS_E_INTERNAL, "NULL"))?;
        Ok(ResponseMatch { ptr, _ds: PhantomData })
    }
}
impl Drop for Responses {
    fn drop(&mut self) {
        unsafe { sys::mirs_responses_free(self.ptr.as_ptr()) }
    }
}

/// Responses matched to a dataset (borrows the dataset, whose items it hands out).
pub struct ResponseMatch<'d> {
    ptr: NonNull<sys::mirs_response_match>,
    _ds: PhantomData<&'d Dataset>,
}
impl<'d> ResponseMatch<'d> {
    fn p(&self) -> *const sys::mirs_response_match {
        self.ptr.as_ptr()
    }
    pub fn matched_count(&self) -> usize {
        unsafe { sys::mirs_response_match_matched_count(self.p()) }
    }
    /// The item of response i (None when its key names no item).
    pub fn item(&self, response_index: usize) -> Option<Item<'d>> {
        let it = unsafe { sys::mirs_response_match_item(self.p(), response_index) };
        Item::from_raw(it)
    }
    pub fn unknown(&self) -> Vec<String> {
        strings(
            self.p(),
            sys::mirs_response_match_unknown_count,
            sys::mirs_response_match_unknown,
        )
    }
    pub fn missing(&self) -> Vec<String> {
        strings(
            self.p(),
            sys::mirs_response_match_missing_count,
            sys::mirs_response_match_missing,
        )
    }
    pub fn duplicates(&self) -> Vec<String> {
        strings(
            self.p(),
            sys::mirs_response_match_duplicate_count,
            sys::mirs_response_match_duplicate,
        )
    }
}
impl Drop for ResponseMatch<'_> {
    fn drop(&mut self) {
        unsafe { sys::mirs_response_match_free(self.ptr.as_ptr()) }
    }
}

// ---- records -----------------------------------------------------------------------------------------------------------

/// A store record (owned). `verdict` is `MIRS_VERDICT_*` or `MIRS_RECORD_NO_VERDICT`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub key: String,
    pub model: String,
    pub judge: String,
    pub verdict: i32,
    pub flags: u32,
    pub response_type: Option<String>,
    pub finish_reason: Option<String>,
    pub response: Option<String>,
    pub judge_output: Option<String>,
    pub categories: Option<String>,
    pub timestamp_ms: i64,
}

impl Record {
    pub fn new(key: &str, model: &str, judge: &str, verdict: i32) -> Record {
        Record {
            key: key.into(),
            model: model.into(),
            judge: judge.into(),
            verdict,
            flags: 0,
            response_type: None,
            finish_reason: None,
            response: None,
            judge_output: None,
            categories: None,
            timestamp_ms: 0,
        }
    }
    unsafe fn from_raw(r: &sys::mirs_record) -> Record {
        Record {
            key: owned_or_empty(r.key),
            model: owned_or_empty(r.model),
            judge: owned_or_empty(r.judge),
            verdict: r.verdict,
            flags: r.flags,
            response_type: owned(r.response_type),
            finish_reason: owned(r.finish_reason),
            response: owned_len(r.response, r.response_len),
            judge_output: owned_len(r.judge_output, r.judge_output_len),
            categories: owned(r.categories),
            timestamp_ms: r.timestamp_ms,
        }
    }
    /// Calls f with the C view of this record (valid during the call).
    fn with_raw<T>(&self, f: impl FnOnce(&sys::mirs_record) -> Result<T>) -> Result<T> {
        let (k, m, j) = (cs(&self.key)?, cs(&self.model)?, cs(&self.judge)?);
        let opt = |s: &Option<String>| s.as_deref().map(cs).transpose();
        // response and judge_output may hold U+0000: passed as bytes with their length (and a NUL after them).
        let text = |s: &Option<String>| {
            s.as_ref().map(|x| {
                let mut v = x.as_bytes().to_vec();
                v.push(0);
                v
            })
        };
        let (rt, fr, ca) = (
            opt(&self.response_type)?,
            opt(&self.finish_reason)?,
            opt(&self.categories)?,
        );
        let (re, jo) = (text(&self.response), text(&self.judge_output));
        let mut raw = std::mem::MaybeUninit::<sys::mirs_record>::zeroed();
        let mut raw = unsafe {
            sys::mirs_record_init(raw.as_mut_ptr(), std::mem::size_of_val(&raw));
            raw.assume_init()
        };
        raw.key = k.as_ptr();
        raw.model = m.as_ptr();
        raw.judge = j.as_ptr();
        raw.verdict = self.verdict;
        raw.flags = self.flags;
        raw.response_type = ptr_of(&rt);
        raw.finish_reason = ptr_of(&fr);
        raw.response = re.as_ref().map_or(ptr::null(), |v| v.as_ptr() as *const c_char);
        raw.response_len = re.as_ref().map_or(0, |v| v.len() - 1);
        raw.judge_output = jo.as_ref().map_or(ptr::null(), |v| v.as_ptr() as *const c_char);
        raw.judge_output_len = jo.as_ref().map_or(0, |v| v.len() - 1);
        raw.categories = ptr_of(&ca);
        raw.timestamp_ms = self.timestamp_ms;
        f(&raw)
    }
    /// The store's JSON line (with its newline).
    pub fn to_json(&self) -> Result<String> {
        self.with_raw(|raw| {
            let mut b = sys::mirs_buf {
                data: ptr::null_mut(),
                size: 0,
            };
            check(unsafe { sys::mirs_record_to_json(raw, &mut b) })?;
            Ok(take_string(b))
        })
    }
}

/// Options of [`Store::open`]; defaults from `mirs_store_options_init`.
#[derive(Clone, Copy, Debug)]
pub struct StoreOptions {
    pub raw: sys::mirs_store_options,
}
impl Default for StoreOptions {
    fn default() -> Self {
        let mut raw = std::mem::MaybeUninit::zeroed();
        unsafe {
            sys::mirs_store_options_init(raw.as_mut_ptr(), std::mem::size_of_val(&raw));
            StoreOptions { raw: raw.assume_init() }
        }
    }
}

/// An append-only, crash-safe record file with an exclusive lock. Dropping closes it (ignoring the status of
/// the last write: call [`Store::close`] to see it).
pub struct Store {
    ptr: Option<NonNull<sys::mirs_store>>,
}
unsafe impl Send for Store {}

impl Store {
    pub fn open<P: AsRef<Path>>(path: P, opts: &StoreOptions) -> Result<Store> {
        let c = cpath(path.as_ref())?;
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_store_open(c.as_ptr(), &opts.raw, &mut out) })?;
        Ok(Store { ptr: NonNull::new(out) })
    }
    fn p(&self) -> *mut sys::mirs_store {
        self.ptr.map_or(ptr::null_mut(), |p| p.as_ptr())
    }
    pub fn append(&mut self, rec: &Record) -> Result<()> {
        let p = self.p();
        rec.with_raw(|raw| check(unsafe { sys::mirs_store_append(p, raw) }).map(|_| ()))
    }
    pub fn sync(&mut self) -> Result<()> {
        check(unsafe { sys::mirs_store_sync(self.p()) }).map(|_| ())
    }
    /// Writes, syncs per the policy, unlocks and frees; the status of that last write.
    pub fn close(mut self) -> Result<()> {
        let p = self.ptr.take();
        check(unsafe { sys::mirs_store_close(p.map_or(ptr::null_mut(), |p| p.as_ptr())) }).map(|_| ())
    }
    pub fn torn_bytes(&self) -> u64 {
        unsafe { sys::mirs_store_torn_bytes(self.p()) }
    }
    pub fn record_count(&self) -> u64 {
        unsafe { sys::mirs_store_record_count(self.p()) }
    }
    /// Whether a record for this key (and model / judge) with a verdict is stored.
    pub fn done(&self, key: &str, model: Option<&str>, judge: Option<&str>) -> Result<bool> {
        let (k, m, j) = (cs(key)?, opt_cs(model)?, opt_cs(judge)?);
        let r = unsafe { sys::mirs_store_done(self.p(), k.as_ptr(), ptr_of(&m), ptr_of(&j)) };
        if r < 0 {
            check(r)?;
        }
        Ok(r == 1)
    }
}
impl Drop for Store {
    fn drop(&mut self) {
        if let Some(p) = self.ptr.take() {
            unsafe { sys::mirs_store_close(p.as_ptr()) };
        }
    }
}

/// The records of a store, read without modifying it.
pub struct Records {
    ptr: NonNull<sys::mirs_records>,
}
unsafe impl Send for Records {}
unsafe impl Sync for Records {}

impl Records {
    fn wrap(p: *mut sys::mirs_records) -> Result<Records> {
        NonNull::new(p)
            .map(|ptr| Records { ptr })
            .ok_or_else(|| Error::new(sys::MIRS_E_INTERNAL, "NULL"))
    }
    pub fn read<P: AsRef<Path>>(path: P, lenient: bool) -> Result<Records> {
        let c = cpath(path.as_ref())?;
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_records_read(c.as_ptr(), lenient as i32, &mut out) })?;
        Self::wrap(out)
    }
    /// The verdicts of an official results/harmbench/<model> folder as records, read on `threads` threads
    /// (1 is the library's default; all joined before it returns).
    pub fn from_official<P: AsRef<Path>>(harmbench_model_dir: P, model: &str, threads: u32) -> Result<Records> {
        let (c, m) = (cpath(harmbench_model_dir.as_ref())?, cs(model)?);
        let o = official_options(threads);
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_records_from_official(c.as_ptr(), m.as_ptr(), &o, &mut out) })?;
        Self::wrap(out)
    }
    pub fn parse(data: &[u8], what: Option<&str>, lenient: bool) -> Result<Records> {
        let w = opt_cs(what)?;
        let mut out = ptr::null_mut();
        check(unsafe {
            sys::mirs_records_parse(
                data.as_ptr() as *const c_char,
                data.len(),
                ptr_of(&w),
                lenient as i32,
                &mut out,
            )
        })?;
        Self::wrap(out)
    }
    fn p(&self) -> *const sys::mirs_records {
        self.ptr.as_ptr()
    }
    pub fn len(&self) -> usize {
        unsafe { sys::mirs_records_count(self.p()) }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn get(&self, i: usize) -> Option<Record> {
        let r = unsafe { sys::mirs_records_get(self.p(), i) };
        if r.is_null() {
            None
        } else {
            Some(unsafe { Record::from_raw(&*r) })
        }
    }
    pub fn torn_bytes(&self) -> u64 {
        unsafe { sys::mirs_records_torn_bytes(self.p()) }
    }
    pub fn diagnostics(&self) -> Vec<String> {
        strings(
            self.p(),
            sys::mirs_records_diagnostic_count,
            sys::mirs_records_diagnostic,
        )
    }
    /// Whether record `i` is the verdict that counts for its (key, model, judge): the latest final verdict,
    /// else the latest error (`mirs_records_counted`).
    pub fn counted(&self, i: usize) -> bool {
        unsafe { sys::mirs_records_counted(self.p(), i) != 0 }
    }
}
impl Drop for Records {
    fn drop(&mut self) {
        unsafe { sys::mirs_records_free(self.ptr.as_ptr()) }
    }
}

/// Merges stores into `output` atomically: (records, duplicates, conflicts). policy: `MIRS_MERGE_*`.
pub fn store_merge<P: AsRef<Path>>(inputs: &[P], output: P, policy: i32) -> Result<(u64, u64, u64)> {
    let ins = inputs.iter().map(|p| cpath(p.as_ref())).collect::<Result<Vec<_>>>()?;
    let ptrs: Vec<*const c_char> = ins.iter().map(|c| c.as_ptr()).collect();
    let o = cpath(output.as_ref())?;
    let (mut r, mut d, mut c) = (0u64, 0u64, 0u64);
    check(unsafe { sys::mirs_store_merge(ptrs.as_ptr(), ptrs.len(), o.as_ptr(), policy, &mut r, &mut d, &mut c) })?;
    Ok((r, d, c))
}

// ---- reports -----------------------------------------------------------------------------------------------------------

/// An ASR accumulator for one (model, judge).
pub struct Report {
    ptr: NonNull<sys::mirs_report>,
}
unsafe impl Send for Report {}

impl Report {
    pub fn new(model: &str, judge: &str) -> Result<Report> {
        let (m, j) = (cs(model)?, cs(judge)?);
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_report_new(m.as_ptr(), j.as_ptr(), &mut out) })?;
        NonNull::new(out)
            .map(|ptr| Report { ptr })
            .ok_or_else(|| Error::new(sys::MIRS_E_INTERNAL, "NULL"))
    }
    fn p(&self) -> *mut sys::mirs_report {
        self.ptr.as_ptr()
    }
    pub fn model(&self) -> String {
        unsafe { owned_or_empty(sys::mirs_report_model(self.p())) }
    }
    pub fn judge(&self) -> String {
        unsafe { owned_or_empty(sys::mirs_report_judge(self.p())) }
    }
    /// Adds one verdict (category/relation -1 when unknown).
    pub fn add(
        &mut self,
        category: i32,
        relation: i32,
        verdict: i32,
        flags: u32,
        response_type: Option<&str>,
        official_file: Option<&str>,
    ) -> Result<()> {
        let (rt, of) = (opt_cs(response_type)?, opt_cs(official_file)?);
        check(unsafe { sys::mirs_report_add(self.p(), category, relation, verdict, flags, ptr_of(&rt), ptr_of(&of)) })
            .map(|_| ())
    }
    pub fn add_record(&mut self, rec: &Record) -> Result<()> {
        let p = self.p();
        rec.with_raw(|raw| check(unsafe { sys::mirs_report_add_record(p, raw) }).map(|_| ()))
    }
    /// Adds an official results/harmbench/<model> folder as statics.py reads it, on `threads` threads (1 is the
    /// library's default; all joined before it returns).
    pub fn add_official<P: AsRef<Path>>(&mut self, dir: P, threads: u32) -> Result<()> {
        let c = cpath(dir.as_ref())?;
        let o = official_options(threads);
        check(unsafe { sys::mirs_report_add_official(self.p(), c.as_ptr(), &o) }).map(|_| ())
    }
    pub fn add_official_json(&mut self, data: &[u8], category: &str, file_name: &str) -> Result<()> {
        let (c, f) = (cs(category)?, cs(file_name)?);
        check(unsafe {
            sys::mirs_report_add_official_json(
                self.p(),
                data.as_ptr() as *const c_char,
                data.len(),
                c.as_ptr(),
                f.as_ptr(),
            )
        })
        .map(|_| ())
    }
    pub fn skipped_files(&self) -> u64 {
        unsafe { sys::mirs_report_skipped_files(self.p()) }
    }
    /// self += other.
    pub fn merge(&mut self, other: &Report) -> Result<()> {
        check(unsafe { sys::mirs_report_merge(self.p(), other.p()) }).map(|_| ())
    }
    /// Covers every item of `ds`: those no record was added for count as not unsafe (as the official code counts
    /// a failed inference) and are listed by `missing`. Once, after every verdict.
    pub fn add_dataset(&mut self, ds: &Dataset) -> Result<()> {
        check(unsafe { sys::mirs_report_add_dataset(self.p(), ds.as_ptr()) }).map(|_| ())
    }
    pub fn dataset_items(&self) -> u64 {
        unsafe { sys::mirs_report_dataset_items(self.p()) }
    }
    /// Keys of the dataset items without a verdict (dataset order).
    pub fn missing(&self) -> Vec<String> {
        strings(self.p() as *const sys::mirs_report, sys::mirs_report_missing_count, sys::mirs_report_missing)
    }
    /// (unsafe, total) of a cell (-1 = all).
    pub fn counts(&self, category: i32, relation: i32, group: i32, denominator: i32) -> Result<(u64, u64)> {
        let (mut u, mut t) = (0u64, 0u64);
        check(unsafe { sys::mirs_report_counts(self.p(), category, relation, group, denominator, &mut u, &mut t) })?;
        Ok((u, t))
    }
    /// The rendered report (`MIRS_REPORT_*`, `MIRS_BY_*` bits, `MIRS_DENOM_*`).
    pub fn write(&self, format: i32, by: u32, denominator: i32, confidence: f64) -> Result<String> {
        let mut b = sys::mirs_buf {
            data: ptr::null_mut(),
            size: 0,
        };
        check(unsafe { sys::mirs_report_write(self.p(), format, by, denominator, confidence, &mut b) })?;
        Ok(take_string(b))
    }
}
impl Drop for Report {
    fn drop(&mut self) {
        unsafe { sys::mirs_report_free(self.ptr.as_ptr()) }
    }
}

// ---- scoring a run ---------------------------------------------------------------------------------------------------

/// Options of [`score_responses`]; defaults from `mirs_score_options_init` (judge harmbench-mir, official parsing).
pub struct ScoreOptions {
    pub raw: sys::mirs_score_options,
    model: CString,
}

impl ScoreOptions {
    /// The options for records written under `model`.
    pub fn new(model: &str) -> Result<ScoreOptions> {
        let model = cs(model)?;
        let mut raw = std::mem::MaybeUninit::<sys::mirs_score_options>::zeroed();
        let mut raw = unsafe {
            sys::mirs_score_options_init(raw.as_mut_ptr(), std::mem::size_of_val(&raw));
            raw.assume_init()
        };
        raw.model = model.as_ptr();
        Ok(ScoreOptions { raw, model })
    }
}

/// Turns judge outputs into verdict records appended to `store` for the items of `ds` passing `filter`
/// (what `mirsafety score` runs); the run's summary.
pub fn score_responses(
    ds: &Dataset,
    filter: &crate::dataset::Filter,
    responses: &Responses,
    judge_outputs: &Responses,
    rtype_outputs: Option<&Responses>,
    opts: &ScoreOptions,
    store: &mut Store,
) -> Result<sys::mirs_score_summary> {
    score_raw(ds, filter, responses, judge_outputs, rtype_outputs, opts, (None, ptr::null_mut()), store)
}

/// [`score_responses`] that calls `progress(done, total)` now and then with the responses looked at (at most about
/// 1000 times, never going back, the last time with done == total). A panic in `progress` is resumed after the run.
#[allow(clippy::too_many_arguments)]
pub fn score_responses_with_progress<F: FnMut(usize, usize)>(
    ds: &Dataset,
    filter: &crate::dataset::Filter,
    responses: &Responses,
    judge_outputs: &Responses,
    rtype_outputs: Option<&Responses>,
    opts: &ScoreOptions,
    store: &mut Store,
    progress: F,
) -> Result<sys::mirs_score_summary> {
    let mut state = Progress::new(progress);
    let r = score_raw(ds, filter, responses, judge_outputs, rtype_outputs, opts, state.raw(), store);
    state.finish();
    r
}

#[allow(clippy::too_many_arguments)]
fn score_raw(
    ds: &Dataset,
    filter: &crate::dataset::Filter,
    responses: &Responses,
    judge_outputs: &Responses,
    rtype_outputs: Option<&Responses>,
    opts: &ScoreOptions,
    progress: (sys::mirs_score_progress_fn, *mut c_void),
    store: &mut Store,
) -> Result<sys::mirs_score_summary> {
    let mut raw = opts.raw;
    raw.model = opts.model.as_ptr();
    (raw.progress, raw.progress_userdata) = progress;
    let (mut keys, mut ptrs) = (Vec::new(), Vec::new());
    let f = filter.to_raw(&mut keys, &mut ptrs)?;
    let mut out: sys::mirs_score_summary = unsafe { std::mem::zeroed() };
    out.struct_size = std::mem::size_of::<sys::mirs_score_summary>();
    check(unsafe {
        sys::mirs_score_responses(
            ds.as_ptr(),
            &f,
            responses.p(),
            judge_outputs.p(),
            rtype_outputs.map_or(ptr::null(), |r| r.p()),
            &raw,
            store.p(),
            &mut out,
        )
    })?;
    Ok(out)
}

// ---- comparisons -------------------------------------------------------------------------------------------------------

/// Two models' verdicts over their common keys.
pub fn compare_models(
    a: &Records,
    model_a: &str,
    judge_a: &str,
    b: &Records,
    model_b: &str,
    judge_b: &str,
    confidence: f64,
) -> Result<sys::mirs_model_comparison> {
    let (ma, ja, mb, jb) = (cs(model_a)?, cs(judge_a)?, cs(model_b)?, cs(judge_b)?);
    let mut out: sys::mirs_model_comparison = unsafe { std::mem::zeroed() };
    out.struct_size = std::mem::size_of::<sys::mirs_model_comparison>();
    check(unsafe {
        sys::mirs_compare_models(
            a.p(),
            ma.as_ptr(),
            ja.as_ptr(),
            b.p(),
            mb.as_ptr(),
            jb.as_ptr(),
            confidence,
            &mut out,
        )
    })?;
    Ok(out)
}

/// Two judges on the same responses.
pub fn compare_judges(
    a: &Records,
    judge_a: &str,
    b: &Records,
    judge_b: &str,
    model: Option<&str>,
) -> Result<sys::mirs_judge_comparison> {
    let (ja, jb, m) = (cs(judge_a)?, cs(judge_b)?, opt_cs(model)?);
    let mut out: sys::mirs_judge_comparison = unsafe { std::mem::zeroed() };
    out.struct_size = std::mem::size_of::<sys::mirs_judge_comparison>();
    check(unsafe { sys::mirs_compare_judges(a.p(), ja.as_ptr(), b.p(), jb.as_ptr(), ptr_of(&m), &mut out) })?;
    Ok(out)
}

/// (spearman_rho, spearman_p, kendall_tau, kendall_p) of models' ASRs against a capability score.
pub fn compare_capability(asr: &[f64], capability: &[f64]) -> Result<(f64, f64, f64, f64)> {
    if asr.len() != capability.len() {
        return Err(Error::new(sys::MIRS_E_MISMATCH, "asr and capability differ in length"));
    }
    let (mut a, mut b, mut c, mut d) = (0.0, 0.0, 0.0, 0.0);
    check(unsafe {
        sys::mirs_compare_capability(
            asr.as_ptr(),
            capability.as_ptr(),
            asr.len(),
            &mut a,
            &mut b,
            &mut c,
            &mut d,
        )
    })?;
    Ok((a, b, c, d))
}

fn official_options(threads: u32) -> sys::mirs_official_options {
    let mut o = std::mem::MaybeUninit::<sys::mirs_official_options>::zeroed();
    unsafe {
        sys::mirs_official_options_init(o.as_mut_ptr(), std::mem::size_of::<sys::mirs_official_options>());
        let mut o = o.assume_init();
        o.threads = threads;
        o
    }
}
