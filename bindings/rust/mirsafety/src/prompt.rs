//! Prompts and API requests (prompt.h): chat formats, templates, variants, streaming a dataset to a closure or
//! a file. A [`Template`] is immutable (`Send + Sync`).
use std::ffi::{CStr, CString};
use std::marker::PhantomData;
use std::os::raw::{c_char, c_int, c_void};
use std::os::unix::ffi::OsStrExt;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::Path;
use std::ptr::{self, NonNull};

use mirsafety_sys as sys;

use crate::dataset::{Dataset, Filter, Item};
use crate::error::{check, Error, Result};
use crate::progress::Progress;

fn cs(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| Error::new(sys::MIRS_E_INVALID_ARGUMENT, "text contains a NUL byte"))
}
fn cpath(p: &Path) -> Result<CString> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| Error::new(sys::MIRS_E_INVALID_ARGUMENT, "NUL in path"))
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
fn empty() -> sys::mirs_buf {
    sys::mirs_buf {
        data: ptr::null_mut(),
        size: 0,
    }
}
fn parse(f: unsafe extern "C" fn(*const c_char, *mut i32) -> c_int, name: &str) -> Result<i32> {
    let c = cs(name)?;
    let mut out = 0;
    check(unsafe { f(c.as_ptr(), &mut out) })?;
    Ok(out)
}
unsafe fn st(p: *const c_char) -> Option<&'static str> {
    if p.is_null() {
        None
    } else {
        CStr::from_ptr(p).to_str().ok()
    }
}

pub fn format_name(format: i32) -> Option<&'static str> {
    unsafe { st(sys::mirs_prompt_format_name(format)) }
}
pub fn variant_name(variant: i32) -> Option<&'static str> {
    unsafe { st(sys::mirs_prompt_variant_name(variant)) }
}
pub fn parse_format(name: &str) -> Result<i32> {
    parse(sys::mirs_prompt_format_parse, name)
}
pub fn parse_variant(name: &str) -> Result<i32> {
    parse(sys::mirs_prompt_variant_parse, name)
}
/// Some(true) for request formats, Some(false) for text formats, None when out of range.
pub fn is_request_format(format: i32) -> Option<bool> {
    match unsafe { sys::mirs_prompt_format_is_request(format) } {
        1 => Some(true),
        0 => Some(false),
        _ => None,
    }
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

/// Options of the prompt functions (defaults from `mirs_prompt_options_init`). Text fields are set through the
/// methods (they keep the strings alive); numeric ones directly on `raw`.
pub struct PromptOptions<'t> {
    pub raw: sys::mirs_prompt_options,
    strings: Vec<CString>,
    _t: PhantomData<&'t Template>,
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
            strings: Vec::new(),
            _t: PhantomData,
        }
    }
}
impl<'t> PromptOptions<'t> {
    pub fn new(format: i32) -> Self {
        let mut o = Self::default();
        o.raw.format = format;
        o
    }
    fn keep(&mut self, s: &str) -> Result<*const c_char> {
        let c = cs(s)?;
        let p = c.as_ptr();
        self.strings.push(c);
        Ok(p)
    }
    pub fn variant(mut self, variant: i32) -> Self {
        self.raw.variant = variant;
        self
    }
    pub fn system(mut self, s: &str) -> Result<Self> {
        self.raw.system = self.keep(s)?;
        Ok(self)
    }
    pub fn image_placeholder(mut self, s: &str) -> Result<Self> {
        self.raw.image_placeholder = self.keep(s)?;
        Ok(self)
    }
    pub fn model(mut self, s: &str) -> Result<Self> {
        self.raw.model = self.keep(s)?;
        Ok(self)
    }
    pub fn detail(mut self, s: &str) -> Result<Self> {
        self.raw.detail = self.keep(s)?;
        Ok(self)
    }
    pub fn composite_dir(mut self, s: &str) -> Result<Self> {
        self.raw.composite_dir = self.keep(s)?;
        Ok(self)
    }
    /// FORMAT_TEMPLATE with this template (borrowed by the options).
    pub fn template(mut self, t: &'t Template) -> Self {
        self.raw.format = sys::MIRS_PROMPT_FORMAT_TEMPLATE;
        self.raw.tmpl = t.ptr.as_ptr();
        self
    }
}

/// A plain input to render without a dataset.
#[derive(Clone, Debug, Default)]
pub struct Input<'a> {
    pub text: &'a str,
    pub images: Vec<&'a str>,
    pub relation: Option<i32>,
    pub category: Option<i32>,
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
    raw.relation = input.relation.unwrap_or(-1);
    raw.category = input.category.unwrap_or(-1);
    raw.key = key.as_ref().map_or(ptr::null(), |c| c.as_ptr());
    raw.question = q.as_ref().map_or(ptr::null(), |c| c.as_ptr());
    let mut b = empty();
    check(unsafe { sys::mirs_prompt_render(&raw, &opts.raw, &mut b) })?;
    Ok(take_string(b))
}

/// The shuffled variant's image order for an item key.
pub fn permutation(key: &str, seed: u64, n: usize) -> Result<Vec<usize>> {
    let k = cs(key)?;
    let mut out = vec![0usize; n.max(1)];
    check(unsafe { sys::mirs_prompt_permutation(k.as_ptr(), seed, n, out.as_mut_ptr()) })?;
    out.truncate(n);
    Ok(out)
}

/// The model-facing text of an item.
pub fn item_text(item: &Item<'_>, opts: &PromptOptions<'_>) -> Result<String> {
    let mut b = empty();
    check(unsafe { sys::mirs_prompt_item_text(item.as_ptr(), &opts.raw, &mut b) })?;
    Ok(take_string(b))
}
/// One output line for an item (no newline).
pub fn item_line(item: &Item<'_>, opts: &PromptOptions<'_>) -> Result<String> {
    let mut b = empty();
    check(unsafe { sys::mirs_prompt_item_line(item.as_ptr(), &opts.raw, &mut b) })?;
    Ok(take_string(b))
}

struct SinkState<F> {
    f: F,
    panic: Option<Box<dyn std::any::Any + Send>>,
}

unsafe extern "C" fn sink_tramp<F: FnMut(&[u8]) -> bool>(ud: *mut c_void, line: *const c_char, len: usize) -> c_int {
    let st = &mut *(ud as *mut SinkState<F>);
    let bytes = std::slice::from_raw_parts(line as *const u8, len);
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
/// Returns the number of lines written.
pub fn write<F: FnMut(&[u8]) -> bool>(
    ds: &Dataset,
    filter: &Filter,
    opts: &PromptOptions<'_>,
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
            &opts.raw,
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
    write_file_raw(ds, filter, &opts.raw, path.as_ref())
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
    let mut raw = opts.raw;
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
