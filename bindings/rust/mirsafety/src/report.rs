//! Responses, verdict records, the crash-safe store, ASR reports and comparisons (report.h).
//! [`Responses`] and [`Records`] are immutable once read (`Send + Sync`); [`Store`] and [`Report`] are
//! one-thread-at-a-time (`Send` only). Records and responses are copied out as owned values.
use std::ffi::{CStr, CString};
use std::marker::PhantomData;
use std::os::raw::{c_char, c_void};
use std::path::Path;
use std::ptr::{self, NonNull};

use mirsafety_sys as sys;

use crate::dataset::{Dataset, Item};
use crate::error::{check, cpath, cstring, Error, Result};
use crate::progress::Progress;
use crate::{
    Category, Denominator, Durability, Group, Judge, JudgeComparison, MergePolicy, ModelComparison, ParseMode,
    ReadMode, RecordFlags, Relation, ReportBy, ReportFormat, ResponseOrigin, ResponseStatus, ResponsesFormat,
    ScoreSummary, StripMode, TornPolicy, Verdict,
};

fn cs(s: &str) -> Result<CString> {
    cstring(s, "text")
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
    count: unsafe fn(*const T) -> usize,
    get: unsafe fn(*const T, usize) -> *const c_char,
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
    pub status: ResponseStatus,
    pub finish_reason: String,
    pub error: String,
    pub source: String,
    pub model: String,
    /// Where the text came from (a completions server's text keeps a leading space).
    pub origin: ResponseOrigin,
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
            // The library writes only the header's values; an unknown one (a newer library) counts as failed.
            status: ResponseStatus::from_raw(r.status).unwrap_or(ResponseStatus::Failed),
            finish_reason: owned_or_empty(r.finish_reason),
            error: owned_or_empty(r.error),
            source: owned_or_empty(r.source),
            model: owned_or_empty(r.model),
            origin: ResponseOrigin::from_raw(r.origin).unwrap_or(ResponseOrigin::Given),
        }
    }
}

/// Options of [`Responses`]; defaults from `mirs_responses_options_init`, one builder method per field.
#[derive(Clone, Copy, Debug)]
pub struct ResponsesOptions {
    raw: sys::mirs_responses_options,
}
impl ResponsesOptions {
    pub fn new() -> Self {
        Self::default()
    }
    /// The file format (default [`ResponsesFormat::Auto`]).
    pub fn format(mut self, f: ResponsesFormat) -> Self {
        self.raw.format = f.raw();
        self
    }
    /// [`ReadMode::Strict`] (default) or [`ReadMode::Lenient`]: skip bad lines (kept as diagnostics).
    pub fn mode(mut self, mode: ReadMode) -> Self {
        self.raw.mode = mode.raw();
        self
    }
    /// Deepest JSON nesting accepted.
    pub fn max_json_depth(mut self, n: u32) -> Self {
        self.raw.max_json_depth = n;
        self
    }
    /// Longest line accepted, in bytes.
    pub fn max_line_bytes(mut self, n: u64) -> Self {
        self.raw.max_line_bytes = n;
        self
    }
    /// Largest file accepted, in bytes.
    pub fn max_file_bytes(mut self, n: u64) -> Self {
        self.raw.max_file_bytes = n;
        self
    }
    /// Most records accepted.
    pub fn max_records(mut self, n: u64) -> Self {
        self.raw.max_records = n;
        self
    }
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

/// A collection read by position whose values are copied out one at a time ([`Responses`], [`Records`]): what
/// [`IndexedIter`] walks.
pub trait Indexed {
    /// What one position holds.
    type Item;
    /// Number of positions.
    fn count(&self) -> usize;
    /// The value at position `i` (`None` out of range).
    fn at(&self, i: usize) -> Option<Self::Item>;
}

/// The values of an [`Indexed`] collection in order: exact length, from both ends, fused.
pub struct IndexedIter<'a, C: Indexed> {
    c: &'a C,
    front: usize,
    back: usize,
}
impl<'a, C: Indexed> IndexedIter<'a, C> {
    fn new(c: &'a C) -> Self {
        IndexedIter {
            c,
            front: 0,
            back: c.count(),
        }
    }
}
impl<C: Indexed> Iterator for IndexedIter<'_, C> {
    type Item = C::Item;
    fn next(&mut self) -> Option<C::Item> {
        if self.front >= self.back {
            return None;
        }
        self.front += 1;
        self.c.at(self.front - 1)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}
impl<C: Indexed> DoubleEndedIterator for IndexedIter<'_, C> {
    fn next_back(&mut self) -> Option<C::Item> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        self.c.at(self.back)
    }
}
impl<C: Indexed> ExactSizeIterator for IndexedIter<'_, C> {}
impl<C: Indexed> std::iter::FusedIterator for IndexedIter<'_, C> {}

/// The [`Indexed`] impl of a collection with `len` and `get`, its iterator alias and `IntoIterator for &C`.
macro_rules! indexed {
    ($coll:ident, $item:ident, $iter:ident, $doc:literal) => {
        impl Indexed for $coll {
            type Item = $item;
            fn count(&self) -> usize {
                self.len()
            }
            fn at(&self, i: usize) -> Option<$item> {
                self.get(i)
            }
        }
        #[doc = $doc]
        pub type $iter<'a> = IndexedIter<'a, $coll>;
        impl<'a> IntoIterator for &'a $coll {
            type Item = $item;
            type IntoIter = $iter<'a>;
            fn into_iter(self) -> $iter<'a> {
                self.iter()
            }
        }
    };
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
    /// The format the responses were read as.
    pub fn format(&self) -> ResponsesFormat {
        ResponsesFormat::from_raw(unsafe { sys::mirs_responses_format(self.p()) }).unwrap_or(ResponsesFormat::Auto)
    }
    /// Every response in file order (copied out one at a time).
    pub fn iter(&self) -> ResponsesIter<'_> {
        IndexedIter::new(self)
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
    /// Matches the responses to a dataset's items. The match refers to both (the header): it borrows them.
    pub fn match_dataset<'r, 'd>(&'r self, ds: &'d Dataset) -> Result<ResponseMatch<'r, 'd>> {
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_responses_match(self.p(), ds.as_ptr(), &mut out) })?;
        let ptr = NonNull::new(out).ok_or_else(|| Error::new(sys::MIRS_E_INTERNAL, "NULL"))?;
        Ok(ResponseMatch {
            ptr,
            _r: PhantomData,
            _ds: PhantomData,
        })
    }
}
impl Drop for Responses {
    fn drop(&mut self) {
        unsafe { sys::mirs_responses_free(self.ptr.as_ptr()) }
    }
}

indexed!(
    Responses,
    Response,
    ResponsesIter,
    "The responses of a [`Responses`] in order ([`Responses::iter`]); exact length, from both ends."
);

/// Responses matched to a dataset: borrows both (the library's match refers to them), and hands out items that
/// live as long as the dataset. Immutable: `Send + Sync`.
pub struct ResponseMatch<'r, 'd> {
    ptr: NonNull<sys::mirs_response_match>,
    _r: PhantomData<&'r Responses>,
    _ds: PhantomData<&'d Dataset>,
}
// The header: "the match may be read from many threads"; it is freed only in Drop.
unsafe impl Send for ResponseMatch<'_, '_> {}
unsafe impl Sync for ResponseMatch<'_, '_> {}
impl<'d> ResponseMatch<'_, 'd> {
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
impl Drop for ResponseMatch<'_, '_> {
    fn drop(&mut self) {
        unsafe { sys::mirs_response_match_free(self.ptr.as_ptr()) }
    }
}

// ---- records -----------------------------------------------------------------------------------------------------------

/// A store record (owned). `verdict` is `None` for a record without one (`MIRS_RECORD_NO_VERDICT`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub key: String,
    pub model: String,
    pub judge: String,
    pub verdict: Option<Verdict>,
    pub flags: RecordFlags,
    pub response_type: Option<String>,
    pub finish_reason: Option<String>,
    pub response: Option<String>,
    pub judge_output: Option<String>,
    pub categories: Option<String>,
    /// Unix time in ms; `None` when the record has none (stored as 0, which C reads as absent: `Some(0)` is
    /// written as absent too).
    pub timestamp_ms: Option<i64>,
}

impl Record {
    pub fn new(key: &str, model: &str, judge: &str, verdict: Option<Verdict>) -> Record {
        Record {
            key: key.into(),
            model: model.into(),
            judge: judge.into(),
            verdict,
            flags: RecordFlags::NONE,
            response_type: None,
            finish_reason: None,
            response: None,
            judge_output: None,
            categories: None,
            timestamp_ms: None,
        }
    }
    unsafe fn from_raw(r: &sys::mirs_record) -> Record {
        Record {
            key: owned_or_empty(r.key),
            model: owned_or_empty(r.model),
            judge: owned_or_empty(r.judge),
            verdict: Verdict::from_raw(r.verdict),
            flags: RecordFlags::from_bits(r.flags & RecordFlags::KNOWN).unwrap_or(RecordFlags::NONE),
            response_type: owned(r.response_type),
            finish_reason: owned(r.finish_reason),
            response: owned_len(r.response, r.response_len),
            judge_output: owned_len(r.judge_output, r.judge_output_len),
            categories: owned(r.categories),
            timestamp_ms: Some(r.timestamp_ms).filter(|&t| t != 0),
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
        raw.verdict = self.verdict.map_or(sys::MIRS_RECORD_NO_VERDICT, Verdict::raw);
        raw.flags = self.flags.bits();
        raw.response_type = ptr_of(&rt);
        raw.finish_reason = ptr_of(&fr);
        raw.response = re.as_ref().map_or(ptr::null(), |v| v.as_ptr() as *const c_char);
        raw.response_len = re.as_ref().map_or(0, |v| v.len() - 1);
        raw.judge_output = jo.as_ref().map_or(ptr::null(), |v| v.as_ptr() as *const c_char);
        raw.judge_output_len = jo.as_ref().map_or(0, |v| v.len() - 1);
        raw.categories = ptr_of(&ca);
        raw.timestamp_ms = self.timestamp_ms.unwrap_or(0);
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

/// Options of [`Store::open`]; defaults from `mirs_store_options_init`, one builder method per field.
#[derive(Clone, Copy, Debug)]
pub struct StoreOptions {
    raw: sys::mirs_store_options,
}
impl StoreOptions {
    pub fn new() -> Self {
        Self::default()
    }
    /// When appended records reach the disk.
    pub fn durability(mut self, d: Durability) -> Self {
        self.raw.durability = d.raw();
        self
    }
    /// Records between syncs with [`Durability::FsyncEvery`].
    pub fn fsync_every(mut self, n: u32) -> Self {
        self.raw.fsync_every = n;
        self
    }
    /// What opening a store with a torn last line does.
    pub fn torn(mut self, t: TornPolicy) -> Self {
        self.raw.torn = t.raw();
        self
    }
    /// Deepest JSON nesting accepted.
    pub fn max_json_depth(mut self, n: u32) -> Self {
        self.raw.max_json_depth = n;
        self
    }
    /// Longest line accepted, in bytes.
    pub fn max_line_bytes(mut self, n: u64) -> Self {
        self.raw.max_line_bytes = n;
        self
    }
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

/// Options of [`Records::read`] and [`Records::parse`]; defaults from `mirs_records_options_init`.
#[derive(Clone, Copy, Debug)]
pub struct RecordsOptions {
    raw: sys::mirs_records_options,
}
options_type!(
    RecordsOptions,
    sys::mirs_records_options,
    sys::mirs_records_options_init
);
impl RecordsOptions {
    /// [`ReadMode::Strict`] (default: a bad line is [`crate::ErrorKind::Corrupt`]) or [`ReadMode::Lenient`] (bad
    /// lines are skipped and listed in [`Records::diagnostics`]).
    pub fn mode(mut self, mode: ReadMode) -> Self {
        self.raw.mode = mode.raw();
        self
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
    /// Reads a store file without modifying it.
    pub fn read<P: AsRef<Path>>(path: P, opts: &RecordsOptions) -> Result<Records> {
        let c = cpath(path.as_ref())?;
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_records_read(c.as_ptr(), &opts.raw, &mut out) })?;
        Self::wrap(out)
    }
    /// The verdicts of an official `results/harmbench/<model>` folder as records, read on `threads` threads
    /// (1 is the library's default; all joined before it returns).
    pub fn from_official<P: AsRef<Path>>(harmbench_model_dir: P, model: &str, threads: u32) -> Result<Records> {
        let (c, m) = (cpath(harmbench_model_dir.as_ref())?, cs(model)?);
        let o = official_options(threads);
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_records_from_official(c.as_ptr(), m.as_ptr(), &o, &mut out) })?;
        Self::wrap(out)
    }
    /// Records from store text in memory (`what` names it in messages).
    pub fn parse(data: &[u8], what: Option<&str>, opts: &RecordsOptions) -> Result<Records> {
        let w = opt_cs(what)?;
        let mut out = ptr::null_mut();
        check(unsafe {
            sys::mirs_records_parse(
                data.as_ptr() as *const c_char,
                data.len(),
                ptr_of(&w),
                &opts.raw,
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
    /// Every record in file order (copied out one at a time).
    pub fn iter(&self) -> RecordsIter<'_> {
        IndexedIter::new(self)
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

indexed!(
    Records,
    Record,
    RecordsIter,
    "The records of a [`Records`] in order ([`Records::iter`]); exact length, from both ends."
);

/// Merges stores into `output` atomically: (records, duplicates, conflicts).
pub fn store_merge<P: AsRef<Path>, Q: AsRef<Path>>(
    inputs: &[P],
    output: Q,
    policy: MergePolicy,
) -> Result<(u64, u64, u64)> {
    let ins = inputs.iter().map(|p| cpath(p.as_ref())).collect::<Result<Vec<_>>>()?;
    let ptrs: Vec<*const c_char> = ins.iter().map(|c| c.as_ptr()).collect();
    let o = cpath(output.as_ref())?;
    let (mut r, mut d, mut c) = (0u64, 0u64, 0u64);
    check(unsafe {
        sys::mirs_store_merge(
            ptrs.as_ptr(),
            ptrs.len(),
            o.as_ptr(),
            policy.raw(),
            &mut r,
            &mut d,
            &mut c,
        )
    })?;
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
    /// Adds one verdict (category/relation None when unknown).
    pub fn add(
        &mut self,
        category: Option<Category>,
        relation: Option<Relation>,
        verdict: Verdict,
        flags: RecordFlags,
        response_type: Option<&str>,
        official_file: Option<&str>,
    ) -> Result<()> {
        let (rt, of) = (opt_cs(response_type)?, opt_cs(official_file)?);
        check(unsafe {
            sys::mirs_report_add(
                self.p(),
                category.map_or(-1, Category::raw),
                relation.map_or(-1, Relation::raw),
                verdict.raw(),
                flags.bits(),
                ptr_of(&rt),
                ptr_of(&of),
            )
        })
        .map(|_| ())
    }
    pub fn add_record(&mut self, rec: &Record) -> Result<()> {
        let p = self.p();
        rec.with_raw(|raw| check(unsafe { sys::mirs_report_add_record(p, raw) }).map(|_| ()))
    }
    /// Adds an official `results/harmbench/<model>` folder as statics.py reads it, on `threads` threads (1 is the
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
        strings(
            self.p() as *const sys::mirs_report,
            sys::mirs_report_missing_count,
            sys::mirs_report_missing,
        )
    }
    /// (unsafe, total) of a cell (None = all).
    pub fn counts(
        &self,
        category: Option<Category>,
        relation: Option<Relation>,
        group: Option<Group>,
        denominator: Denominator,
    ) -> Result<(u64, u64)> {
        let (mut u, mut t) = (0u64, 0u64);
        check(unsafe {
            sys::mirs_report_counts(
                self.p(),
                category.map_or(-1, Category::raw),
                relation.map_or(-1, Relation::raw),
                group.map_or(-1, Group::raw),
                denominator.raw(),
                &mut u,
                &mut t,
            )
        })?;
        Ok((u, t))
    }
    /// The rendered report.
    pub fn write(
        &self,
        format: ReportFormat,
        by: ReportBy,
        denominator: Denominator,
        confidence: f64,
    ) -> Result<String> {
        let mut b = sys::mirs_buf {
            data: ptr::null_mut(),
            size: 0,
        };
        check(unsafe {
            sys::mirs_report_write(self.p(), format.raw(), by.bits(), denominator.raw(), confidence, &mut b)
        })?;
        Ok(take_string(b))
    }
}
impl Drop for Report {
    fn drop(&mut self) {
        unsafe { sys::mirs_report_free(self.ptr.as_ptr()) }
    }
}

// ---- scoring a run ---------------------------------------------------------------------------------------------------

/// Options of [`score_responses`]; defaults from `mirs_score_options_init` (judge harmbench-mir, official
/// parsing), one builder method per field (the progress callback is the closure of
/// [`score_responses_with_progress`]).
#[derive(Clone, Debug)]
pub struct ScoreOptions {
    raw: sys::mirs_score_options,
    model: CString,
}
// The C struct's pointers are filled in per call (the model from the CString kept here).
unsafe impl Send for ScoreOptions {}
unsafe impl Sync for ScoreOptions {}

impl ScoreOptions {
    /// The options for records written under `model`.
    pub fn new(model: &str) -> Result<ScoreOptions> {
        let model = cs(model)?;
        let mut raw = std::mem::MaybeUninit::<sys::mirs_score_options>::zeroed();
        let mut raw = unsafe {
            sys::mirs_score_options_init(raw.as_mut_ptr(), std::mem::size_of_val(&raw));
            raw.assume_init()
        };
        raw.model = ptr::null();
        Ok(ScoreOptions { raw, model })
    }
    /// The judge whose outputs are parsed (default [`Judge::HarmbenchMir`]).
    pub fn judge(mut self, j: Judge) -> Self {
        self.raw.judge = j.raw();
        self
    }
    /// How judge outputs are parsed (default [`ParseMode::Official`]).
    pub fn parse_mode(mut self, m: ParseMode) -> Self {
        self.raw.parse_mode = m.raw();
        self
    }
    /// How reasoning is stripped from responses before judging.
    pub fn strip_mode(mut self, m: StripMode) -> Self {
        self.raw.strip_mode = m.raw();
        self
    }
    /// Keep the response text in the records.
    pub fn keep_response(mut self, yes: bool) -> Self {
        self.raw.keep_response = yes as i32;
        self
    }
    /// The records' timestamp in ms since the epoch (0: now).
    pub fn timestamp_ms(mut self, t: i64) -> Self {
        self.raw.timestamp_ms = t;
        self
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
) -> Result<ScoreSummary> {
    score_raw(
        ds,
        filter,
        responses,
        judge_outputs,
        rtype_outputs,
        opts,
        (None, ptr::null_mut()),
        store,
    )
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
) -> Result<ScoreSummary> {
    let mut state = Progress::new(progress);
    let r = score_raw(
        ds,
        filter,
        responses,
        judge_outputs,
        rtype_outputs,
        opts,
        state.raw(),
        store,
    );
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
) -> Result<ScoreSummary> {
    let mut raw = opts.raw;
    raw.model = opts.model.as_ptr();
    (raw.progress, raw.progress_userdata) = progress;
    let (mut keys, mut ptrs) = (Vec::new(), Vec::new());
    let f = filter.to_raw(&mut keys, &mut ptrs)?;
    let mut out = ScoreSummary::out();
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
    Ok(ScoreSummary::from_raw(&out))
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
) -> Result<ModelComparison> {
    let (ma, ja, mb, jb) = (cs(model_a)?, cs(judge_a)?, cs(model_b)?, cs(judge_b)?);
    let mut out = ModelComparison::out();
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
    Ok(ModelComparison::from_raw(&out))
}

/// Two judges on the same responses.
pub fn compare_judges(
    a: &Records,
    judge_a: &str,
    b: &Records,
    judge_b: &str,
    model: Option<&str>,
) -> Result<JudgeComparison> {
    let (ja, jb, m) = (cs(judge_a)?, cs(judge_b)?, opt_cs(model)?);
    let mut out = JudgeComparison::out();
    check(unsafe { sys::mirs_compare_judges(a.p(), ja.as_ptr(), b.p(), jb.as_ptr(), ptr_of(&m), &mut out) })?;
    Ok(JudgeComparison::from_raw(&out))
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

/// Options of [`write_html`]: the page's title and note, the denominator and the interval level.
#[derive(Clone, Debug)]
pub struct HtmlOptions {
    title: Option<CString>,
    note: Option<CString>,
    denominator: Denominator,
    confidence: f64,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions {
            title: None,
            note: None,
            denominator: Denominator::All,
            confidence: 0.95,
        }
    }
}

impl HtmlOptions {
    pub fn new() -> Self {
        Self::default()
    }
    /// The page's title (default "Attack success rates").
    pub fn title(mut self, title: &str) -> Result<Self> {
        self.title = Some(cs(title)?);
        Ok(self)
    }
    /// A sentence under the title, e.g. the data source (default none).
    pub fn note(mut self, note: &str) -> Result<Self> {
        self.note = Some(cs(note)?);
        Ok(self)
    }
    /// Which answers count in every ASR (default [`Denominator::All`]).
    pub fn denominator(mut self, d: Denominator) -> Self {
        self.denominator = d;
        self
    }
    /// The level of every interval, in (0, 1) (default 0.95).
    pub fn confidence(mut self, c: f64) -> Self {
        self.confidence = c;
        self
    }
}

/// One accumulator drawn on the page of [`write_html`]: `(name, accumulator, unit)`, the unit of its values
/// being "nats", "bits" or "normalised".
pub type HtmlEntropy<'a> = (&'a str, &'a crate::entropy::Accumulator, &'a str);

/// The self-contained HTML page of `reports` and the `entropy` accumulators (`mirs_report_write_html`, what
/// `mirsafety report --format html` writes), line by line (newline included) to `sink`, which returns false to
/// stop early. Every figure is the JSON rendering's ([`Report::write`]); the bytes depend only on the inputs.
pub fn write_html<F: FnMut(&[u8]) -> bool>(
    reports: &[&Report],
    entropy: &[HtmlEntropy<'_>],
    opts: &HtmlOptions,
    sink: F,
) -> Result<()> {
    let mut raw = std::mem::MaybeUninit::<sys::mirs_report_html_options>::zeroed();
    let mut raw = unsafe {
        sys::mirs_report_html_options_init(raw.as_mut_ptr(), std::mem::size_of::<sys::mirs_report_html_options>());
        raw.assume_init()
    };
    raw.title = ptr_of(&opts.title);
    raw.note = ptr_of(&opts.note);
    raw.denominator = opts.denominator.raw();
    raw.confidence = opts.confidence;
    let reps: Vec<*const sys::mirs_report> = reports.iter().map(|r| r.p() as *const sys::mirs_report).collect();
    let mut names = Vec::with_capacity(entropy.len() * 2);
    for (name, _, unit) in entropy {
        names.push(cs(name)?);
        names.push(cs(unit)?);
    }
    let ents: Vec<sys::mirs_report_html_entropy> = entropy
        .iter()
        .enumerate()
        .map(|(i, (_, acc, _))| sys::mirs_report_html_entropy {
            name: names[2 * i].as_ptr(),
            unit: names[2 * i + 1].as_ptr(),
            acc: acc.p() as *const sys::mirs_entropy_acc,
        })
        .collect();
    let mut state = crate::prompt::SinkState { f: sink, panic: None };
    let st = unsafe {
        sys::mirs_report_write_html(
            reps.as_ptr(),
            reps.len(),
            ents.as_ptr(),
            ents.len(),
            &raw,
            Some(crate::prompt::sink_tramp::<F>),
            &mut state as *mut crate::prompt::SinkState<F> as *mut c_void,
        )
    };
    if let Some(p) = state.panic.take() {
        std::panic::resume_unwind(p);
    }
    check(st).map(|_| ())
}

/// Options of [`judge_requests`]: which judge (or the response-type rubric), the request body form, the
/// stripping applied to answers, whether failed responses are left out, and the body's model name.
#[derive(Clone, Debug)]
pub struct JudgeRequestsOptions {
    judge: Judge,
    rubric: bool,
    chat: bool,
    strip: StripMode,
    skip_failed: bool,
    model: Option<CString>,
}

impl Default for JudgeRequestsOptions {
    fn default() -> Self {
        JudgeRequestsOptions {
            judge: Judge::HarmbenchMir,
            rubric: false,
            chat: false,
            strip: StripMode::Mir,
            skip_failed: false,
            model: None,
        }
    }
}

impl JudgeRequestsOptions {
    /// The judge whose prompt is built (default harmbench-mir).
    pub fn judge(mut self, judge: Judge) -> Self {
        self.judge = judge;
        self
    }
    /// The response-type rubric's requests instead of the judge's.
    pub fn rubric(mut self, yes: bool) -> Self {
        self.rubric = yes;
        self
    }
    /// `/v1/chat/completions` bodies instead of `/v1/completions`.
    pub fn chat(mut self, yes: bool) -> Self {
        self.chat = yes;
        self
    }
    /// The stripping applied to each answer (default [`StripMode::Mir`], the official judge's).
    pub fn strip(mut self, mode: StripMode) -> Self {
        self.strip = mode;
        self
    }
    /// Leave failed and crashed responses out (the official code judges them).
    pub fn skip_failed(mut self, yes: bool) -> Self {
        self.skip_failed = yes;
        self
    }
    /// The body's `model` (default: the judge's name).
    pub fn model(mut self, name: &str) -> Result<Self> {
        self.model = Some(cs(name)?);
        Ok(self)
    }
}

/// What [`judge_requests`] wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JudgeRequestsSummary {
    pub written: u64,
    pub skipped_failed: u64,
    pub unmatched: u64,
    pub superseded: u64,
}

/// One judge request line (OpenAI batch input, newline included) per item with a response, the last response
/// of each key, to `sink` (`mirs_judge_requests_write`); `sink` returns false to stop early.
pub fn judge_requests<F: FnMut(&[u8]) -> bool>(
    resp: &Responses,
    m: &ResponseMatch<'_, '_>,
    opts: &JudgeRequestsOptions,
    sink: F,
) -> Result<JudgeRequestsSummary> {
    let mut raw = std::mem::MaybeUninit::<sys::mirs_judge_requests_options>::zeroed();
    let mut raw = unsafe {
        sys::mirs_judge_requests_options_init(
            raw.as_mut_ptr(),
            std::mem::size_of::<sys::mirs_judge_requests_options>(),
        );
        raw.assume_init()
    };
    raw.judge = opts.judge.raw();
    raw.rubric = opts.rubric as i32;
    raw.chat = opts.chat as i32;
    raw.strip_mode = opts.strip.raw();
    raw.skip_failed = opts.skip_failed as i32;
    raw.model = ptr_of(&opts.model);
    let sum = std::mem::MaybeUninit::<sys::mirs_judge_requests_summary>::zeroed();
    let mut sum = unsafe { sum.assume_init() };
    sum.struct_size = std::mem::size_of::<sys::mirs_judge_requests_summary>();
    let mut state = crate::prompt::SinkState { f: sink, panic: None };
    let st = unsafe {
        sys::mirs_judge_requests_write(
            resp.ptr.as_ptr(),
            m.ptr.as_ptr(),
            &raw,
            Some(crate::prompt::sink_tramp::<F>),
            &mut state as *mut crate::prompt::SinkState<F> as *mut c_void,
            &mut sum,
        )
    };
    if let Some(p) = state.panic.take() {
        std::panic::resume_unwind(p);
    }
    check(st)?;
    Ok(JudgeRequestsSummary {
        written: sum.written,
        skipped_failed: sum.skipped_failed,
        unmatched: sum.unmatched,
        superseded: sum.superseded,
    })
}

/// Capability scores, one per model, from a `model,score` CSV (RFC 4180 quoting, an optional header row):
/// what [`compare_capability`] correlates ASR with. Errors name the file and line.
pub struct Capability {
    ptr: NonNull<sys::mirs_capability>,
}
// SAFETY: immutable once made; the header allows any number of readers.
unsafe impl Send for Capability {}
unsafe impl Sync for Capability {}

impl Capability {
    fn wrap(p: *mut sys::mirs_capability) -> Result<Capability> {
        NonNull::new(p)
            .map(|ptr| Capability { ptr })
            .ok_or_else(|| Error::new(sys::MIRS_E_INTERNAL, "NULL"))
    }
    /// Reads the CSV at `path`.
    pub fn read<P: AsRef<Path>>(path: P) -> Result<Capability> {
        let c = cpath(path.as_ref())?;
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_capability_read(c.as_ptr(), &mut out) })?;
        Self::wrap(out)
    }
    /// Parses CSV text; `what` names it in errors.
    pub fn parse(data: &[u8], what: Option<&str>) -> Result<Capability> {
        let w = opt_cs(what)?;
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_capability_parse(data.as_ptr() as *const c_char, data.len(), ptr_of(&w), &mut out) })?;
        Self::wrap(out)
    }
    /// The number of models.
    pub fn len(&self) -> usize {
        unsafe { sys::mirs_capability_count(self.ptr.as_ptr()) }
    }
    /// Whether there are no models.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Row `i`: (model, score), in file order.
    pub fn get(&self, i: usize) -> Option<(&str, f64)> {
        let m = unsafe { sys::mirs_capability_model(self.ptr.as_ptr(), i) };
        if m.is_null() {
            return None;
        }
        // SAFETY: the model name lives as long as self and is valid UTF-8 (the reader checks).
        let name = unsafe { CStr::from_ptr(m) }.to_str().unwrap_or("");
        Some((name, unsafe { sys::mirs_capability_score(self.ptr.as_ptr(), i) }))
    }
    /// The score of a model (exact name), if it has one.
    pub fn score_of(&self, model: &str) -> Option<f64> {
        let c = cs(model).ok()?;
        let mut i = 0usize;
        if unsafe { sys::mirs_capability_find(self.ptr.as_ptr(), c.as_ptr(), &mut i) } != 0 {
            return None;
        }
        self.get(i).map(|(_, v)| v)
    }
    /// The rows in file order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, f64)> + '_ {
        (0..self.len()).map(move |i| self.get(i).expect("index below len"))
    }
}

impl Drop for Capability {
    fn drop(&mut self) {
        unsafe { sys::mirs_capability_free(self.ptr.as_ptr()) }
    }
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
