//! Prompts and API requests (prompt.h): chat formats, templates, variants, streaming a dataset to a closure or
//! a file. A [`Template`] is immutable (`Send + Sync`).
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_void};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::Path;
use std::ptr::{self, NonNull};

use mirsafety_sys as sys;

use crate::dataset::{Dataset, Filter, Item};
use crate::error::{check, cpath, cstring, empty_buf, take_string, Error, Result};
use crate::progress::Progress;
use crate::{Category, Labels, Profile, PromptFormat, PromptImageFormat, Relation, Variant};

fn cs(s: &str) -> Result<CString> {
    cstring(s, "text")
}

impl PromptFormat {
    /// Whether the format writes API requests (OPENAI, ANTHROPIC, OPENAI_BATCH) rather than text.
    pub fn is_request(self) -> bool {
        unsafe { sys::mirs_prompt_format_is_request(self.raw()) == 1 }
    }
}

/// [`PromptFormat::name`].
pub fn format_name(format: PromptFormat) -> &'static str {
    format.name()
}
/// [`Variant::name`].
pub fn variant_name(variant: Variant) -> &'static str {
    variant.name()
}
/// [`PromptFormat::from_name`].
pub fn parse_format(name: &str) -> Result<PromptFormat> {
    PromptFormat::from_name(name)
}
/// [`Variant::from_name`].
pub fn parse_variant(name: &str) -> Result<Variant> {
    Variant::from_name(name)
}
/// [`PromptFormat::is_request`].
pub fn is_request_format(format: PromptFormat) -> bool {
    format.is_request()
}

/// A parsed prompt template.
pub struct Template {
    ptr: NonNull<sys::mirs_template>,
}
unsafe impl Send for Template {}
unsafe impl Sync for Template {}
impl Template {
    fn wrap(p: *mut sys::mirs_template) -> Result<Template> {
        NonNull::new(p)
            .map(|ptr| Template { ptr })
            .ok_or_else(|| Error::new(sys::MIRS_E_INTERNAL, "NULL"))
    }
    pub fn parse(text: &str, name: Option<&str>) -> Result<Template> {
        let n = name.map(cs).transpose()?;
        let mut out = ptr::null_mut();
        check(unsafe {
            sys::mirs_template_parse(
                text.as_ptr() as *const c_char,
                text.len(),
                n.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
                &mut out,
            )
        })?;
        Self::wrap(out)
    }
    pub fn load<P: AsRef<Path>>(path: P) -> Result<Template> {
        let c = cpath(path.as_ref())?;
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_template_load(c.as_ptr(), &mut out) })?;
        Self::wrap(out)
    }
}
impl Drop for Template {
    fn drop(&mut self) {
        unsafe { sys::mirs_template_free(self.ptr.as_ptr()) }
    }
}

/// Options of the prompt functions: the defaults of `mirs_prompt_options_init`, changed through one builder
/// method per field of `mirs_prompt_options` (the progress callback is the closure of
/// [`write_file_with_progress`]). Strings are kept here and the C struct is built for each call, so nothing the
/// library reads can dangle; a template is borrowed for `'t`.
#[derive(Clone, Debug)]
pub struct PromptOptions<'t> {
    raw: sys::mirs_prompt_options,
    system: Option<CString>,
    image_placeholder: Option<CString>,
    model: Option<CString>,
    detail: Option<CString>,
    composite_dir: Option<CString>,
    tmpl: Option<&'t Template>,
}
// The C struct's pointers are all NULL here (the strings and the template are filled in per call), and a template
// is Sync: the options may move to and be shared with other threads.
unsafe impl Send for PromptOptions<'_> {}
unsafe impl Sync for PromptOptions<'_> {}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Template")
    }
}

impl Default for PromptOptions<'_> {
    fn default() -> Self {
        let mut raw = std::mem::MaybeUninit::zeroed();
        let raw = unsafe {
            sys::mirs_prompt_options_init(raw.as_mut_ptr(), std::mem::size_of_val(&raw));
            raw.assume_init()
        };
        PromptOptions {
            raw,
            system: None,
            image_placeholder: None,
            model: None,
            detail: None,
            composite_dir: None,
            tmpl: None,
        }
    }
}

fn opt_ptr(c: &Option<CString>) -> *const c_char {
    c.as_ref().map_or(ptr::null(), |c| c.as_ptr())
}

impl<'t> PromptOptions<'t> {
    /// The defaults with this format.
    pub fn new(format: PromptFormat) -> Self {
        Self::default().format(format)
    }
    /// Checks the options as a whole write would before writing anything (`mirs_prompt_options_check`): a request
    /// format needs a model, a run profile the openai formats, the composite variant with a text format a
    /// composite directory.
    pub fn check(&self) -> Result<()> {
        let o = self.to_raw();
        check(unsafe { sys::mirs_prompt_options_check(&o) }).map(|_| ())
    }
    /// The C struct for one call: valid while `self` is borrowed.
    pub(crate) fn to_raw(&self) -> sys::mirs_prompt_options {
        let mut r = self.raw;
        r.system = opt_ptr(&self.system);
        r.image_placeholder = opt_ptr(&self.image_placeholder);
        r.model = opt_ptr(&self.model);
        r.detail = opt_ptr(&self.detail);
        r.composite_dir = opt_ptr(&self.composite_dir);
        r.tmpl = self.tmpl.map_or(ptr::null(), |t| t.ptr.as_ptr() as *const _);
        r
    }
    /// The chat format or request format (default [`PromptFormat::Qwen2Vl`]). [`PromptFormat::Template`] needs
    /// [`PromptOptions::template`], which sets it.
    pub fn format(mut self, format: PromptFormat) -> Self {
        self.raw.format = format.raw();
        self
    }
    /// The experiment variant (default [`Variant::MultiImage`]).
    pub fn variant(mut self, variant: Variant) -> Self {
        self.raw.variant = variant.raw();
        self
    }
    /// Image labels (default [`Labels::Auto`]).
    pub fn labels(mut self, labels: Labels) -> Self {
        self.raw.labels = labels.raw();
        self
    }
    /// The system prompt (default: the format's own).
    pub fn system(mut self, s: &str) -> Result<Self> {
        self.system = Some(cs(s)?);
        Ok(self)
    }
    /// The PLAIN format's image marker (default `"<image>"`).
    pub fn image_placeholder(mut self, s: &str) -> Result<Self> {
        self.image_placeholder = Some(cs(s)?);
        Ok(self)
    }
    /// [`PromptFormat::Template`] with this template (borrowed by the options).
    pub fn template(mut self, t: &'t Template) -> Self {
        self.raw.format = sys::MIRS_PROMPT_FORMAT_TEMPLATE;
        self.tmpl = Some(t);
        self
    }
    /// The SHUFFLED variant's seed (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.raw.seed = seed;
        self
    }
    /// The request's "model" field (required by the request formats).
    pub fn model(mut self, s: &str) -> Result<Self> {
        self.model = Some(cs(s)?);
        Ok(self)
    }
    /// `max_tokens` of a request (> 0: sent; 0, the default: omitted, ANTHROPIC then sends 4096).
    pub fn max_tokens(mut self, n: i64) -> Self {
        self.raw.max_tokens = n;
        self
    }
    /// `temperature` of a request (>= 0: sent; < 0, the default -1: omitted).
    pub fn temperature(mut self, t: f64) -> Self {
        self.raw.temperature = t;
        self
    }
    /// OPENAI image_url "detail" ("low", "high", "auto"; default omitted).
    pub fn detail(mut self, s: &str) -> Result<Self> {
        self.detail = Some(cs(s)?);
        Ok(self)
    }
    /// How request formats send images (default [`PromptImageFormat::Original`]).
    pub fn image_format(mut self, f: PromptImageFormat) -> Self {
        self.raw.image_format = f.raw();
        self
    }
    /// JPEG quality 1..100 for [`PromptImageFormat::Jpeg`] (default 90).
    pub fn jpeg_quality(mut self, q: i32) -> Self {
        self.raw.jpeg_quality = q;
        self
    }
    /// Images with more pixels are downscaled to fit and re-encoded (0, the default: no limit).
    pub fn max_pixels(mut self, n: u64) -> Self {
        self.raw.max_pixels = n;
        self
    }
    /// Limit on one image file in bytes (default 64 MiB).
    pub fn max_image_bytes(mut self, n: u64) -> Self {
        self.raw.max_image_bytes = n;
        self
    }
    /// Folder where the COMPOSITE variant writes its tiled images with a text format (required there).
    pub fn composite_dir<P: AsRef<Path>>(mut self, dir: P) -> Result<Self> {
        self.composite_dir = Some(cpath(dir.as_ref())?);
        Ok(self)
    }
    /// A model profile (OPENAI / OPENAI_BATCH only; default [`Profile::None`]).
    pub fn profile(mut self, p: Profile) -> Self {
        self.raw.profile = p.raw();
        self
    }
    /// Threads that decode one item's images where they are decoded (default 1; the bytes do not depend on it).
    pub fn threads(mut self, n: u32) -> Self {
        self.raw.threads = n;
        self
    }
}

/// A plain input to render without a dataset.
#[derive(Clone, Debug, Default)]
pub struct Input<'a> {
    pub text: &'a str,
    pub images: Vec<&'a str>,
    pub relation: Option<Relation>,
    pub category: Option<Category>,
    pub key: Option<&'a str>,
    pub question: Option<&'a str>,
}

/// Renders an input with a text format (or template).
pub fn render(input: &Input<'_>, opts: &PromptOptions<'_>) -> Result<String> {
    let text = cs(input.text)?;
    let imgs = input.images.iter().map(|s| cs(s)).collect::<Result<Vec<_>>>()?;
    let ptrs: Vec<*const c_char> = imgs.iter().map(|c| c.as_ptr()).collect();
    let key = input.key.map(cs).transpose()?;
    let q = input.question.map(cs).transpose()?;
    let mut raw = std::mem::MaybeUninit::<sys::mirs_prompt_input>::zeroed();
    let mut raw = unsafe {
        sys::mirs_prompt_input_init(raw.as_mut_ptr(), std::mem::size_of_val(&raw));
        raw.assume_init()
    };
    raw.text = text.as_ptr();
    raw.images = if ptrs.is_empty() { ptr::null() } else { ptrs.as_ptr() };
    raw.image_count = ptrs.len();
    raw.relation = input.relation.map_or(-1, Relation::raw);
    raw.category = input.category.map_or(-1, Category::raw);
    raw.key = key.as_ref().map_or(ptr::null(), |c| c.as_ptr());
    raw.question = q.as_ref().map_or(ptr::null(), |c| c.as_ptr());
    let mut b = empty_buf();
    let o = opts.to_raw();
    check(unsafe { sys::mirs_prompt_render(&raw, &o, &mut b) })?;
    Ok(take_string(b))
}

/// The shuffled variant's image order for an item key.
pub fn permutation(key: &str, seed: u64, n: usize) -> Result<Vec<usize>> {
    let k = cs(key)?;
    // The library's limit, checked before the buffer is allocated (same status and message).
    if n > 65536 {
        return Err(Error::new(
            sys::MIRS_E_LIMIT,
            format!("permutation of {} elements exceeds 65536", n),
        ));
    }
    let mut out = vec![0usize; n.max(1)];
    check(unsafe { sys::mirs_prompt_permutation(k.as_ptr(), seed, n, out.as_mut_ptr()) })?;
    out.truncate(n);
    Ok(out)
}

/// The model-facing text of an item.
pub fn item_text(item: &Item<'_>, opts: &PromptOptions<'_>) -> Result<String> {
    let mut b = empty_buf();
    let o = opts.to_raw();
    check(unsafe { sys::mirs_prompt_item_text(item.as_ptr(), &o, &mut b) })?;
    Ok(take_string(b))
}
/// One output line for an item (no newline).
pub fn item_line(item: &Item<'_>, opts: &PromptOptions<'_>) -> Result<String> {
    let mut b = empty_buf();
    let o = opts.to_raw();
    check(unsafe { sys::mirs_prompt_item_line(item.as_ptr(), &o, &mut b) })?;
    Ok(take_string(b))
}

pub(crate) struct SinkState<F> {
    pub(crate) f: F,
    pub(crate) panic: Option<Box<dyn std::any::Any + Send>>,
}

pub(crate) unsafe extern "C" fn sink_tramp<F: FnMut(&[u8]) -> bool>(
    ud: *mut c_void,
    line: *const c_char,
    len: usize,
) -> c_int {
    let st = &mut *(ud as *mut SinkState<F>);
    // The line is valid for the call (the header); a slice may not be made from NULL, even empty.
    let bytes: &[u8] = if line.is_null() || len == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(line as *const u8, len)
    };
    // A panic must not unwind through C: it stops the write and is resumed after it.
    match catch_unwind(AssertUnwindSafe(|| (st.f)(bytes))) {
        Ok(true) => sys::MIRS_OK,
        Ok(false) => sys::MIRS_DONE,
        Err(p) => {
            st.panic = Some(p);
            sys::MIRS_E_STATE
        }
    }
}

fn raw_filter(filter: &Filter, keys: &mut Vec<CString>, ptrs: &mut Vec<*const c_char>) -> Result<sys::mirs_filter> {
    filter.to_raw(keys, ptrs)
}

/// Streams one line per item passing `filter` to `sink` (newline included); `sink` returns false to stop early.
/// Returns the number of lines written. An item the official adapters count as failed inference (a missing
/// image) fails the write; see [`write_with_failed`].
pub fn write<F: FnMut(&[u8]) -> bool>(
    ds: &Dataset,
    filter: &Filter,
    opts: &PromptOptions<'_>,
    sink: F,
) -> Result<usize> {
    write_raw(ds, filter, opts.to_raw(), sink)
}

/// [`write()`] that hands each item the official adapters count as failed inference to `failed` as a response
/// record (one JSON line `{"key", "response": "[INFERENCE_FAILED: ...]", "status": "failed", "error"}`, newline
/// included) and goes on (`mirs_prompt_options.failed_sink`). Returns the lines given to `sink`.
pub fn write_with_failed<F: FnMut(&[u8]) -> bool, G: FnMut(&[u8]) -> bool>(
    ds: &Dataset,
    filter: &Filter,
    opts: &PromptOptions<'_>,
    sink: F,
    failed: G,
) -> Result<usize> {
    let mut fstate = SinkState { f: failed, panic: None };
    let mut raw = opts.to_raw();
    raw.failed_sink = Some(sink_tramp::<G>);
    raw.failed_userdata = &mut fstate as *mut SinkState<G> as *mut c_void;
    let r = write_raw(ds, filter, raw, sink);
    if let Some(p) = fstate.panic.take() {
        resume_unwind(p);
    }
    r
}

/// `raw`'s pointers must stay valid for the call (they point into the options and the caller's frame).
fn write_raw<F: FnMut(&[u8]) -> bool>(
    ds: &Dataset,
    filter: &Filter,
    raw: sys::mirs_prompt_options,
    sink: F,
) -> Result<usize> {
    let (mut keys, mut ptrs) = (Vec::new(), Vec::new());
    let f = raw_filter(filter, &mut keys, &mut ptrs)?;
    let mut state = SinkState { f: sink, panic: None };
    let mut written = 0usize;
    let st = unsafe {
        sys::mirs_prompt_write(
            ds.as_ptr(),
            &f,
            &raw,
            Some(sink_tramp::<F>),
            &mut state as *mut SinkState<F> as *mut c_void,
            &mut written,
        )
    };
    if let Some(p) = state.panic.take() {
        resume_unwind(p);
    }
    check(st)?;
    Ok(written)
}

/// Writes the lines to a file atomically; the number of lines.
pub fn write_file<P: AsRef<Path>>(ds: &Dataset, filter: &Filter, opts: &PromptOptions<'_>, path: P) -> Result<usize> {
    write_file_raw(ds, filter, &opts.to_raw(), path.as_ref())
}

/// [`write_file()`] that hands failed-inference items to `failed`, as [`write_with_failed()`] does.
pub fn write_file_with_failed<P: AsRef<Path>, G: FnMut(&[u8]) -> bool>(
    ds: &Dataset,
    filter: &Filter,
    opts: &PromptOptions<'_>,
    path: P,
    failed: G,
) -> Result<usize> {
    let mut fstate = SinkState { f: failed, panic: None };
    let mut raw = opts.to_raw();
    raw.failed_sink = Some(sink_tramp::<G>);
    raw.failed_userdata = &mut fstate as *mut SinkState<G> as *mut c_void;
    let r = write_file_raw(ds, filter, &raw, path.as_ref());
    if let Some(p) = fstate.panic.take() {
        resume_unwind(p);
    }
    r
}

/// [`write_file`] that calls `progress(done, total)` after each item written (what `mirsafety prompts --out` draws
/// its bar from). A panic in `progress` is resumed after the write.
pub fn write_file_with_progress<P: AsRef<Path>, F: FnMut(usize, usize)>(
    ds: &Dataset,
    filter: &Filter,
    opts: &PromptOptions<'_>,
    path: P,
    progress: F,
) -> Result<usize> {
    let mut state = Progress::new(progress);
    let mut raw = opts.to_raw();
    (raw.progress, raw.progress_userdata) = state.raw();
    let r = write_file_raw(ds, filter, &raw, path.as_ref());
    state.finish();
    r
}

fn write_file_raw(ds: &Dataset, filter: &Filter, raw: &sys::mirs_prompt_options, path: &Path) -> Result<usize> {
    let (mut keys, mut ptrs) = (Vec::new(), Vec::new());
    let f = raw_filter(filter, &mut keys, &mut ptrs)?;
    let c = cpath(path)?;
    let mut written = 0usize;
    check(unsafe { sys::mirs_prompt_write_file(ds.as_ptr(), &f, raw, c.as_ptr(), &mut written) })?;
    Ok(written)
}
