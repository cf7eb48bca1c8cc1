//! Text-level scoring (score.h): reasoning stripping, refusal-phrase matching, judge prompts and output parsers,
//! response types. Text is passed as `&[u8]`/`&str` without copying. A [`Matcher`] is immutable and `Send + Sync`;
//! a [`MatcherStream`] borrows its matcher and is `Send` only (one thread at a time).
use std::ffi::{CStr, CString};
use std::marker::PhantomData;
use std::os::raw::c_char;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::ptr::{self, NonNull};

use mirsafety_sys as sys;

use crate::error::{check, Error, Result};
use crate::{Judge, MatchFlags, ParseMode, Preset, ResponseType, StripFlags, StripMode, Unterminated, Verdict};

fn cstring(s: &str, what: &str) -> Result<CString> {
    CString::new(s).map_err(|_| Error::new(sys::MIRS_E_INVALID_ARGUMENT, format!("{} contains a NUL byte", what)))
}

fn cstrings(v: &[&str], what: &str) -> Result<(Vec<CString>, Vec<*const c_char>)> {
    let owned = v.iter().map(|s| cstring(s, what)).collect::<Result<Vec<_>>>()?;
    let ptrs = owned.iter().map(|c| c.as_ptr()).collect();
    Ok((owned, ptrs))
}

unsafe fn opt_static(p: *const c_char) -> Option<&'static str> {
    if p.is_null() {
        None
    } else {
        CStr::from_ptr(p).to_str().ok()
    }
}

/// Copies a filled mirs_buf into a String and frees it.
fn take_string(mut b: sys::mirs_buf) -> String {
    let s = if b.data.is_null() {
        String::new()
    } else {
        String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(b.data, b.size) }).into_owned()
    };
    unsafe { sys::mirs_buf_free(&mut b) };
    s
}

fn empty_buf() -> sys::mirs_buf {
    sys::mirs_buf {
        data: ptr::null_mut(),
        size: 0,
    }
}

// ---- stripping -------------------------------------------------------------------------------------------------------

/// Options of the stripping functions (custom tag pairs for [`StripMode::Tags`], the finish reason, what to do
/// with an unterminated tag). Plain Rust values: the C struct is built for each call.
#[derive(Clone, Debug)]
pub struct StripOptions<'a> {
    pub tags: Vec<(&'a str, &'a str)>,
    pub finish_reason: Option<&'a str>,
    pub unterminated: Unterminated,
}

impl Default for StripOptions<'_> {
    fn default() -> Self {
        StripOptions {
            tags: Vec::new(),
            finish_reason: None,
            unterminated: Unterminated::Keep,
        }
    }
}

fn with_strip_opts<T>(o: &StripOptions<'_>, f: impl FnOnce(&sys::mirs_strip_options) -> Result<T>) -> Result<T> {
    let mut raw = std::mem::MaybeUninit::<sys::mirs_strip_options>::zeroed();
    let mut raw = unsafe {
        sys::mirs_strip_options_init(raw.as_mut_ptr(), std::mem::size_of_val(&raw));
        raw.assume_init()
    };
    let opens: Vec<&str> = o.tags.iter().map(|t| t.0).collect();
    let closes: Vec<&str> = o.tags.iter().map(|t| t.1).collect();
    let (_ko, po) = cstrings(&opens, "tag")?;
    let (_kc, pc) = cstrings(&closes, "tag")?;
    if !o.tags.is_empty() {
        raw.open_tags = po.as_ptr();
        raw.close_tags = pc.as_ptr();
        raw.ntags = o.tags.len();
    }
    let fr = match o.finish_reason {
        Some(s) => Some(cstring(s, "finish_reason")?),
        None => None,
    };
    if let Some(c) = &fr {
        raw.finish_reason = c.as_ptr();
    }
    raw.unterminated = o.unterminated.raw();
    f(&raw)
}

/// The answer's byte range `start..end` in `text` and what was found; nothing is copied.
pub fn strip_reasoning_span(
    text: &[u8],
    mode: StripMode,
    opts: &StripOptions<'_>,
) -> Result<(usize, usize, StripFlags)> {
    with_strip_opts(opts, |raw| {
        let (mut s, mut e, mut f) = (0usize, 0usize, 0u32);
        check(unsafe {
            sys::mirs_strip_reasoning_span(
                text.as_ptr() as *const c_char,
                text.len(),
                mode.raw(),
                raw,
                &mut s,
                &mut e,
                &mut f,
            )
        })?;
        if s > e || e > text.len() {
            return Err(Error::new(sys::MIRS_E_INTERNAL, "the answer range is outside the text"));
        }
        Ok((s, e, StripFlags::from_bits(f).unwrap_or(StripFlags::NONE)))
    })
}

/// The answer part of `text` (a sub-slice of it: the library guarantees one contiguous piece) and the flags.
pub fn strip_reasoning<'t>(text: &'t str, mode: StripMode, opts: &StripOptions<'_>) -> Result<(&'t str, StripFlags)> {
    let (s, e, f) = strip_reasoning_span(text.as_bytes(), mode, opts)?;
    text.get(s..e)
        .map(|a| (a, f))
        .ok_or_else(|| Error::new(sys::MIRS_E_INTERNAL, "the answer range is not on character boundaries"))
}

/// Same through `mirs_strip_reasoning`, as an owned copy.
pub fn strip_reasoning_owned(text: &str, mode: StripMode, opts: &StripOptions<'_>) -> Result<(String, StripFlags)> {
    with_strip_opts(opts, |raw| {
        let mut b = empty_buf();
        let mut f = 0u32;
        check(unsafe {
            sys::mirs_strip_reasoning(
                text.as_ptr() as *const c_char,
                text.len(),
                mode.raw(),
                raw,
                &mut b,
                &mut f,
            )
        })?;
        Ok((take_string(b), StripFlags::from_bits(f).unwrap_or(StripFlags::NONE)))
    })
}

/// Python's `str.isspace()` for one character.
pub fn is_python_space(c: char) -> bool {
    unsafe { sys::mirs_is_python_space(c as u32) != 0 }
}

// ---- matching --------------------------------------------------------------------------------------------------------

fn static_name(p: *const c_char) -> &'static str {
    unsafe { opt_static(p) }.unwrap_or("")
}

impl Preset {
    /// The phrases of the built-in list, exactly as published.
    pub fn phrases(self) -> Vec<&'static str> {
        let n = unsafe { sys::mirs_preset_size(self.raw()) };
        (0..n)
            .filter_map(|i| unsafe { opt_static(sys::mirs_preset_phrase(self.raw(), i)) })
            .collect()
    }
}

/// [`Preset::name`].
pub fn preset_name(preset: Preset) -> &'static str {
    preset.name()
}
/// [`Preset::from_name`].
pub fn preset_from_name(name: &str) -> Result<Preset> {
    Preset::from_name(name)
}
/// [`Preset::phrases`].
pub fn preset_phrases(preset: Preset) -> Vec<&'static str> {
    preset.phrases()
}

/// A search result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    pub matched: bool,
    /// Index of the first match's phrase ([`Matcher::phrase`]), `None` when nothing matched.
    pub phrase: Option<usize>,
    /// Byte offset and length of the first match.
    pub offset: usize,
    pub length: usize,
    /// Number of all matches.
    pub count: u64,
}

impl From<sys::mirs_match> for Match {
    fn from(m: sys::mirs_match) -> Match {
        Match {
            matched: m.matched != 0,
            phrase: usize::try_from(m.phrase).ok(),
            offset: m.offset,
            length: m.length,
            count: m.count,
        }
    }
}

fn zero_match() -> sys::mirs_match {
    sys::mirs_match {
        matched: 0,
        phrase: -1,
        offset: 0,
        length: 0,
        count: 0,
    }
}

/// A compiled phrase set. Freed on drop.
pub struct Matcher {
    ptr: NonNull<sys::mirs_matcher>,
}

// The header: "Immutable after construction: one matcher may be used from any number of threads at once."
unsafe impl Send for Matcher {}
unsafe impl Sync for Matcher {}

impl Matcher {
    fn wrap(p: *mut sys::mirs_matcher) -> Result<Matcher> {
        NonNull::new(p)
            .map(|ptr| Matcher { ptr })
            .ok_or_else(|| Error::new(sys::MIRS_E_INTERNAL, "NULL matcher"))
    }
    /// Compiles phrases.
    pub fn new(phrases: &[&str], flags: MatchFlags) -> Result<Matcher> {
        let (_k, p) = cstrings(phrases, "phrase")?;
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_matcher_new(p.as_ptr(), p.len(), flags.bits(), &mut out) })?;
        Self::wrap(out)
    }
    /// Compiles a built-in list.
    pub fn preset(preset: Preset, flags: MatchFlags) -> Result<Matcher> {
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_matcher_new_preset(preset.raw(), flags.bits(), &mut out) })?;
        Self::wrap(out)
    }
    /// Compiles a phrase file (one phrase per line).
    pub fn from_file<P: AsRef<Path>>(path: P, flags: MatchFlags) -> Result<Matcher> {
        let c = CString::new(path.as_ref().as_os_str().as_bytes())
            .map_err(|_| Error::new(sys::MIRS_E_INVALID_ARGUMENT, "path contains a NUL byte"))?;
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_matcher_load_file(c.as_ptr(), flags.bits(), &mut out) })?;
        Self::wrap(out)
    }
    /// Compiles phrases from text (one per line); `what` names the source in messages.
    pub fn from_text(text: &[u8], flags: MatchFlags, what: Option<&str>) -> Result<Matcher> {
        let w = match what {
            Some(s) => Some(cstring(s, "what")?),
            None => None,
        };
        let mut out = ptr::null_mut();
        check(unsafe {
            sys::mirs_matcher_load_text(
                text.as_ptr() as *const c_char,
                text.len(),
                flags.bits(),
                w.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
                &mut out,
            )
        })?;
        Self::wrap(out)
    }
    pub fn len(&self) -> usize {
        unsafe { sys::mirs_matcher_size(self.ptr.as_ptr()) }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Phrase i as given.
    pub fn phrase(&self, i: usize) -> Option<&str> {
        let p = unsafe { sys::mirs_matcher_phrase(self.ptr.as_ptr(), i) };
        if p.is_null() {
            None
        } else {
            unsafe { CStr::from_ptr(p) }.to_str().ok()
        }
    }
    /// The first match and the count of all matches.
    pub fn find(&self, text: &[u8]) -> Result<Match> {
        let mut m = zero_match();
        check(unsafe {
            sys::mirs_matcher_find(self.ptr.as_ptr(), text.as_ptr() as *const c_char, text.len(), &mut m)
        })?;
        Ok(m.into())
    }
    /// Whether any phrase occurs (the fastest test).
    pub fn test(&self, text: &[u8]) -> bool {
        // 1 yes, 0 no; negative only for a NULL matcher or text, which a live matcher and a slice never are.
        unsafe { sys::mirs_matcher_test(self.ptr.as_ptr(), text.as_ptr() as *const c_char, text.len()) == 1 }
    }
    /// A streaming search over this matcher.
    pub fn stream(&self) -> Result<MatcherStream<'_>> {
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_matcher_stream_new(self.ptr.as_ptr(), &mut out) })?;
        let ptr = NonNull::new(out).ok_or_else(|| Error::new(sys::MIRS_E_INTERNAL, "NULL stream"))?;
        Ok(MatcherStream { ptr, _m: PhantomData })
    }
}

impl Drop for Matcher {
    fn drop(&mut self) {
        unsafe { sys::mirs_matcher_free(self.ptr.as_ptr()) }
    }
}

/// A streaming search (borrows its matcher). `Send`, not `Sync`.
pub struct MatcherStream<'m> {
    ptr: NonNull<sys::mirs_matcher_stream>,
    _m: PhantomData<&'m Matcher>,
}

unsafe impl Send for MatcherStream<'_> {}

impl MatcherStream<'_> {
    pub fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        check(unsafe {
            sys::mirs_matcher_stream_feed(self.ptr.as_ptr(), chunk.as_ptr() as *const c_char, chunk.len())
        })?;
        Ok(())
    }
    pub fn result(&self) -> Result<Match> {
        let mut m = zero_match();
        check(unsafe { sys::mirs_matcher_stream_result(self.ptr.as_ptr(), &mut m) })?;
        Ok(m.into())
    }
    pub fn reset(&mut self) {
        unsafe { sys::mirs_matcher_stream_reset(self.ptr.as_ptr()) }
    }
}

impl Drop for MatcherStream<'_> {
    fn drop(&mut self) {
        unsafe { sys::mirs_matcher_stream_free(self.ptr.as_ptr()) }
    }
}

// ---- judges ----------------------------------------------------------------------------------------------------------

impl Judge {
    /// The judge's template as published.
    pub fn template(self) -> &'static str {
        static_name(unsafe { sys::mirs_judge_template(self.raw()) })
    }
    /// The max_new_tokens the judge is run with.
    pub fn max_new_tokens(self) -> i32 {
        unsafe { sys::mirs_judge_max_new_tokens(self.raw()) }
    }
}

/// [`Judge::name`].
pub fn judge_name(judge: Judge) -> &'static str {
    judge.name()
}
/// [`Judge::from_name`].
pub fn judge_from_name(name: &str) -> Result<Judge> {
    Judge::from_name(name)
}
/// [`Judge::template`].
pub fn judge_template(judge: Judge) -> &'static str {
    judge.template()
}
/// [`Judge::max_new_tokens`].
pub fn judge_max_new_tokens(judge: Judge) -> i32 {
    judge.max_new_tokens()
}

/// The exact prompt a judge builds. `categories`: custom Llama Guard 3 categories. The texts are passed with their
/// lengths (`mirs_judge_prompt_len`), so a U+0000 in them is kept, as Python's `str.format()` keeps it.
pub fn judge_prompt(
    judge: Judge,
    behavior: &str,
    generation: Option<&str>,
    context: Option<&str>,
    categories: Option<&[&str]>,
) -> Result<String> {
    let mut raw = std::mem::MaybeUninit::<sys::mirs_judge_options>::zeroed();
    let mut raw = unsafe {
        sys::mirs_judge_options_init(raw.as_mut_ptr(), std::mem::size_of_val(&raw));
        raw.assume_init()
    };
    let (_kc, pc) = cstrings(categories.unwrap_or(&[]), "category")?;
    if categories.is_some() {
        raw.categories = pc.as_ptr();
        raw.ncategories = pc.len();
    }
    let text = |s: Option<&str>| s.map_or((ptr::null(), 0), |x| (x.as_ptr() as *const c_char, x.len()));
    let (g, gl) = text(generation);
    let (c, cl) = text(context);
    let mut out = empty_buf();
    check(unsafe {
        sys::mirs_judge_prompt_len(
            judge.raw(),
            behavior.as_ptr() as *const c_char,
            behavior.len(),
            g,
            gl,
            c,
            cl,
            &raw,
            &mut out,
        )
    })?;
    Ok(take_string(out))
}

/// [`Verdict::name`].
pub fn verdict_name(verdict: Verdict) -> &'static str {
    verdict.name()
}
/// [`Verdict::from_name`].
pub fn verdict_from_name(name: &str) -> Result<Verdict> {
    Verdict::from_name(name)
}

/// The verdict of a judge's output (`None`: the judge call produced nothing) and, for llamaguard3, the
/// unsafe category codes ("S1,S10").
pub fn judge_parse(judge: Judge, mode: ParseMode, output: Option<&[u8]>) -> Result<(Verdict, String)> {
    let (p, n) = match output {
        Some(o) => (o.as_ptr() as *const c_char, o.len()),
        None => (ptr::null(), 0),
    };
    let mut v = 0;
    let mut cats = empty_buf();
    check(unsafe { sys::mirs_judge_parse(judge.raw(), mode.raw(), p, n, &mut v, &mut cats) })?;
    let cats = take_string(cats);
    Ok((Verdict::try_from(v)?, cats))
}

/// The official harmbench-mir answer an output stands for: `Some(true)` (`"Yes"`), `Some(false)` (`"No"`) or `None`
/// (anything else, which the official rule counts as safe: count and warn). `MIRS_PARSE_OFFICIAL_SERVER` first drops one leading space, the
/// marker a server's completion text keeps and HF `batch_decode` drops.
pub fn judge_official_answer(output: Option<&[u8]>, mode: ParseMode) -> Option<bool> {
    let (p, n) = match output {
        Some(o) => (o.as_ptr() as *const c_char, o.len()),
        None => (ptr::null(), 0),
    };
    match unsafe { sys::mirs_judge_official_answer(p, n, mode.raw()) } {
        1 => Some(true),
        0 => Some(false),
        _ => None,
    }
}

// ---- response types --------------------------------------------------------------------------------------------------

/// [`ResponseType::name`].
pub fn response_type_name(rtype: ResponseType) -> &'static str {
    rtype.name()
}
/// [`ResponseType::from_name`].
pub fn response_type_from_name(name: &str) -> Result<ResponseType> {
    ResponseType::from_name(name)
}
/// This project's rubric prompt for the response-type judge. The question and the answer are passed with their
/// lengths (`mirs_response_type_prompt_len`), so a U+0000 in them is kept; descriptions are C strings.
pub fn response_type_prompt(question: &str, descriptions: &[&str], answer: &str) -> Result<String> {
    let (_k, d) = cstrings(descriptions, "description")?;
    let mut out = empty_buf();
    check(unsafe {
        sys::mirs_response_type_prompt_len(
            question.as_ptr() as *const c_char,
            question.len(),
            if d.is_empty() { ptr::null() } else { d.as_ptr() },
            d.len(),
            answer.as_ptr() as *const c_char,
            answer.len(),
            &mut out,
        )
    })?;
    Ok(take_string(out))
}
/// The response type of the judge's reply (`None`: no output).
pub fn response_type_parse(output: Option<&[u8]>) -> Result<ResponseType> {
    let (p, n) = match output {
        Some(o) => (o.as_ptr() as *const c_char, o.len()),
        None => (ptr::null(), 0),
    };
    let mut out = 0;
    check(unsafe { sys::mirs_response_type_parse(p, n, &mut out) })?;
    ResponseType::try_from(out)
}
