//! Datasets, items and iterators (dataset.h).
//!
//! A [`Dataset`] is immutable once opened: it is `Send + Sync` (the header makes every const function
//! thread-safe). [`Item`]s borrow from their dataset (`Item<'ds>`), and so does an [`Iter`], which is `Send` but not
//! `Sync` (iterators are one-thread-at-a-time).
use std::ffi::{CStr, CString, OsStr};
use std::marker::PhantomData;
use std::os::raw::c_char;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::ptr::{self, NonNull};

use mirsafety_sys as sys;

use crate::error::{check, Error, Result};

fn cstr_arg(s: &str, what: &str) -> Result<CString> {
    CString::new(s).map_err(|_| Error::new(sys::MIRS_E_INVALID_ARGUMENT, format!("{} contains a NUL byte", what)))
}

/// Borrowed library text as &str (valid UTF-8 by the header's contract; "" for NULL).
unsafe fn text<'a>(p: *const c_char) -> &'a str {
    if p.is_null() {
        ""
    } else {
        std::str::from_utf8(CStr::from_ptr(p).to_bytes()).unwrap_or("")
    }
}

unsafe fn opt_text(p: *const c_char) -> Option<&'static str> {
    if p.is_null() {
        None
    } else {
        Some(text(p))
    }
}

unsafe fn path<'a>(p: *const c_char) -> &'a Path {
    Path::new(OsStr::from_bytes(if p.is_null() {
        b""
    } else {
        CStr::from_ptr(p).to_bytes()
    }))
}

// ---- taxonomy ------------------------------------------------------------------------------------------------------

/// Official name of a category ("Self-Harm"); None when out of range.
pub fn category_name(category: i32) -> Option<&'static str> {
    unsafe { opt_text(sys::mirs_category_name(category)) }
}
/// Official name of a relation ("Temporal_Jump"); None when out of range.
pub fn relation_name(relation: i32) -> Option<&'static str> {
    unsafe { opt_text(sys::mirs_relation_name(relation)) }
}
/// Official name of a relation group ("Semantic"); None when out of range.
pub fn group_name(group: i32) -> Option<&'static str> {
    unsafe { opt_text(sys::mirs_group_name(group)) }
}
/// Display name of a category ("Illegal Activities").
pub fn category_display_name(category: i32) -> Option<&'static str> {
    unsafe { opt_text(sys::mirs_category_display_name(category)) }
}
/// Display name of a relation ("Temporal Jump").
pub fn relation_display_name(relation: i32) -> Option<&'static str> {
    unsafe { opt_text(sys::mirs_relation_display_name(relation)) }
}
/// One line describing what a relation asks across its images.
pub fn relation_description(relation: i32) -> Option<&'static str> {
    unsafe { opt_text(sys::mirs_relation_description(relation)) }
}
/// The group of a relation (None when out of range).
pub fn relation_group(relation: i32) -> Option<i32> {
    let g = unsafe { sys::mirs_relation_group(relation) };
    if g < 0 {
        None
    } else {
        Some(g)
    }
}

fn parse(f: unsafe extern "C" fn(*const c_char, *mut i32) -> i32, name: &str) -> Result<i32> {
    let c = cstr_arg(name, "name")?;
    let mut out = 0i32;
    check(unsafe { f(c.as_ptr(), &mut out) })?;
    Ok(out)
}
/// Lenient category parsing ("self harm" -> MIRS_CATEGORY_SELF_HARM); MIRS_E_NOT_FOUND otherwise.
pub fn parse_category(name: &str) -> Result<i32> {
    parse(sys::mirs_category_parse, name)
}
/// Lenient relation parsing.
pub fn parse_relation(name: &str) -> Result<i32> {
    parse(sys::mirs_relation_parse, name)
}
/// Lenient group parsing.
pub fn parse_group(name: &str) -> Result<i32> {
    parse(sys::mirs_group_parse, name)
}

/// The stable 64-bit hash of a key (same on every machine). Keys with a NUL byte hash their prefix.
pub fn key_hash(key: &str) -> u64 {
    let c = CString::new(key.split('\0').next().unwrap_or("")).unwrap_or_default();
    unsafe { sys::mirs_key_hash(c.as_ptr()) }
}
/// `key_hash(key) % shard_count` (0 if shard_count is 0).
pub fn key_shard(key: &str, shard_count: u32) -> u32 {
    let c = CString::new(key.split('\0').next().unwrap_or("")).unwrap_or_default();
    unsafe { sys::mirs_key_shard(c.as_ptr(), shard_count) }
}

// ---- options -------------------------------------------------------------------------------------------------------

/// Options of [`Dataset::open_with`]: the defaults of `mirs_dataset_options_init`, changed through the builder
/// methods or the raw struct.
#[derive(Clone, Copy, Debug)]
pub struct DatasetOptions {
    /// The C struct (struct_size already set).
    pub raw: sys::mirs_dataset_options,
}

impl Default for DatasetOptions {
    fn default() -> Self {
        let mut raw = std::mem::MaybeUninit::<sys::mirs_dataset_options>::zeroed();
        unsafe {
            sys::mirs_dataset_options_init(raw.as_mut_ptr(), std::mem::size_of_val(&raw));
            DatasetOptions { raw: raw.assume_init() }
        }
    }
}

impl DatasetOptions {
    pub fn new() -> Self {
        Self::default()
    }
    /// `MIRS_DATASET_FORMAT_*`.
    pub fn format(mut self, format: i32) -> Self {
        self.raw.format = format;
        self
    }
    /// Skip bad items and record diagnostics instead of failing.
    pub fn lenient(mut self, yes: bool) -> Self {
        self.raw.mode = if yes {
            sys::MIRS_DATASET_LENIENT
        } else {
            sys::MIRS_DATASET_STRICT
        };
        self
    }
    /// A missing or non-regular image file is a problem.
    pub fn check_images(mut self, yes: bool) -> Self {
        self.raw.check_images = yes as i32;
        self
    }
}

// ---- dataset -------------------------------------------------------------------------------------------------------

/// A problem a lenient open skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub status: i32,
    pub file: String,
    /// Position of the item in its file, or -1 when the problem is the file itself.
    pub item_index: i64,
    pub message: String,
}

/// An opened, immutable dataset. Freed on drop.
pub struct Dataset {
    ptr: NonNull<sys::mirs_dataset>,
}

// The header: "An opened dataset is immutable: every const function below may be called from any number of threads
// at once." Freeing happens only in Drop, which has exclusive access.
unsafe impl Send for Dataset {}
unsafe impl Sync for Dataset {}

impl Dataset {
    /// Opens the official layout (a directory) or a JSONL manifest with the default options.
    pub fn open<P: AsRef<Path>>(path: P) -> Result<Dataset> {
        Self::open_with(path, &DatasetOptions::default())
    }

    /// Opens with options.
    pub fn open_with<P: AsRef<Path>>(path: P, opts: &DatasetOptions) -> Result<Dataset> {
        crate::check_version()?;
        let c = CString::new(path.as_ref().as_os_str().as_bytes())
            .map_err(|_| Error::new(sys::MIRS_E_INVALID_ARGUMENT, "path contains a NUL byte"))?;
        let mut out: *mut sys::mirs_dataset = ptr::null_mut();
        check(unsafe { sys::mirs_dataset_open(c.as_ptr(), &opts.raw, &mut out) })?;
        NonNull::new(out)
            .map(|ptr| Dataset { ptr })
            .ok_or_else(|| Error::new(sys::MIRS_E_INTERNAL, "mirs_dataset_open returned NULL"))
    }

    /// The raw handle (borrowed; valid while self lives).
    pub fn as_ptr(&self) -> *const sys::mirs_dataset {
        self.ptr.as_ptr()
    }

    /// The path given to open.
    pub fn path(&self) -> &Path {
        unsafe { path(sys::mirs_dataset_path(self.as_ptr())) }
    }
    /// `MIRS_DATASET_FORMAT_OFFICIAL` or `_JSONL`.
    pub fn format(&self) -> i32 {
        unsafe { sys::mirs_dataset_format(self.as_ptr()) }
    }
    /// Number of items.
    pub fn len(&self) -> usize {
        unsafe { sys::mirs_dataset_count(self.as_ptr()) }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Number of image references over all items.
    pub fn image_total(&self) -> usize {
        unsafe { sys::mirs_dataset_image_total(self.as_ptr()) }
    }
    /// Items with this category and relation.
    pub fn count_cell(&self, category: i32, relation: i32) -> usize {
        unsafe { sys::mirs_dataset_count_cell(self.as_ptr(), category, relation) }
    }
    /// Problems skipped by a lenient open.
    pub fn diagnostics(&self) -> Result<Vec<Diagnostic>> {
        let n = unsafe { sys::mirs_dataset_diagnostic_count(self.as_ptr()) };
        let mut v = Vec::with_capacity(n);
        for i in 0..n {
            let (mut st, mut file, mut idx, mut msg) = (0, ptr::null(), 0i64, ptr::null());
            check(unsafe { sys::mirs_dataset_diagnostic(self.as_ptr(), i, &mut st, &mut file, &mut idx, &mut msg) })?;
            v.push(Diagnostic {
                status: st,
                file: unsafe { path(file) }.to_string_lossy().into_owned(),
                item_index: idx,
                message: unsafe { text(msg) }.to_string(),
            });
        }
        Ok(v)
    }
    /// The item at a position (MIRS_E_RANGE when out of range).
    pub fn get(&self, index: usize) -> Result<Item<'_>> {
        let mut out: *const sys::mirs_item = ptr::null();
        check(unsafe { sys::mirs_dataset_get(self.as_ptr(), index, &mut out) })?;
        Ok(Item::new(out))
    }
    /// The item with this key ("Category/Relation/id"); MIRS_E_NOT_FOUND when there is none.
    pub fn find(&self, key: &str) -> Result<Item<'_>> {
        let c = cstr_arg(key, "key")?;
        let mut out: *const sys::mirs_item = ptr::null();
        check(unsafe { sys::mirs_dataset_find(self.as_ptr(), c.as_ptr(), &mut out) })?;
        Ok(Item::new(out))
    }
    /// CRC-64 content checksum of the metadata, or with `images` also every image file's bytes.
    pub fn checksum(&self, images: bool) -> Result<u64> {
        let mut out = 0u64;
        let flags = if images {
            sys::MIRS_CHECKSUM_IMAGES
        } else {
            sys::MIRS_CHECKSUM_METADATA
        };
        check(unsafe { sys::mirs_dataset_checksum(self.as_ptr(), flags, &mut out) })?;
        Ok(out)
    }
    /// An iterator over the items that pass `filter` (see [`Filter`]).
    pub fn iter_filtered(&self, filter: &Filter) -> Result<Iter<'_>> {
        let (mut keys, mut key_ptrs) = (Vec::new(), Vec::new());
        let raw = filter.to_raw(&mut keys, &mut key_ptrs)?;
        let mut out: *mut sys::mirs_iter = ptr::null_mut();
        // The filter (and the keys) need to live only during mirs_iter_new.
        check(unsafe { sys::mirs_iter_new(self.as_ptr(), &raw, &mut out) })?;
        let ptr = NonNull::new(out).ok_or_else(|| Error::new(sys::MIRS_E_INTERNAL, "mirs_iter_new returned NULL"))?;
        Ok(Iter {
            ptr,
            error: None,
            _ds: PhantomData,
        })
    }
    /// An iterator over every item in dataset order.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_filtered(&Filter::new())
            .expect("an unfiltered iterator can only fail to allocate")
    }
}

impl Drop for Dataset {
    fn drop(&mut self) {
        unsafe { sys::mirs_dataset_free(self.ptr.as_ptr()) }
    }
}

impl<'a> IntoIterator for &'a Dataset {
    type Item = Item<'a>;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// Which items an [`Iter`] yields (all filters combine with AND). Masks have bit `1 << MIRS_CATEGORY_*` (etc.) set
/// for kept values; 0 keeps all.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub categories: u32,
    pub relations: u32,
    pub groups: u32,
    keys: Vec<String>,
    keys_set: bool,
    pub shard_index: u32,
    pub shard_count: u32,
    pub shuffle: bool,
    pub seed: u64,
}

impl Filter {
    pub fn new() -> Filter {
        Filter::default()
    }
    /// The C filter; `keys` and `ptrs` hold the key strings and must outlive its use.
    pub(crate) fn to_raw(&self, keys: &mut Vec<CString>, ptrs: &mut Vec<*const c_char>) -> Result<sys::mirs_filter> {
        *keys = self
            .keys
            .iter()
            .map(|k| cstr_arg(k, "key"))
            .collect::<Result<Vec<_>>>()?;
        *ptrs = keys.iter().map(|k| k.as_ptr()).collect();
        let mut raw = std::mem::MaybeUninit::<sys::mirs_filter>::zeroed();
        let mut raw = unsafe {
            sys::mirs_filter_init(raw.as_mut_ptr(), std::mem::size_of_val(&raw));
            raw.assume_init()
        };
        raw.categories = self.categories;
        raw.relations = self.relations;
        raw.groups = self.groups;
        if self.keys_set {
            raw.keys = ptrs.as_ptr();
            raw.key_count = ptrs.len();
        }
        raw.shard_index = self.shard_index;
        raw.shard_count = self.shard_count;
        raw.shuffle = self.shuffle as i32;
        raw.seed = self.seed;
        Ok(raw)
    }
    /// Keep these categories (`MIRS_CATEGORY_*`).
    pub fn categories(mut self, cats: &[i32]) -> Filter {
        self.categories = cats.iter().fold(0, |m, &c| m | 1u32.checked_shl(c as u32).unwrap_or(0));
        self
    }
    /// Keep these relations (`MIRS_RELATION_*`).
    pub fn relations(mut self, rels: &[i32]) -> Filter {
        self.relations = rels.iter().fold(0, |m, &c| m | 1u32.checked_shl(c as u32).unwrap_or(0));
        self
    }
    /// Keep these relation groups (`MIRS_GROUP_*`).
    pub fn groups(mut self, groups: &[i32]) -> Filter {
        self.groups = groups
            .iter()
            .fold(0, |m, &c| m | 1u32.checked_shl(c as u32).unwrap_or(0));
        self
    }
    /// Keep only these keys.
    pub fn keys<S: AsRef<str>>(mut self, keys: &[S]) -> Filter {
        self.keys = keys.iter().map(|k| k.as_ref().to_string()).collect();
        self.keys_set = true;
        self
    }
    /// Keep shard `index` of `count` (by key hash).
    pub fn shard(mut self, index: u32, count: u32) -> Filter {
        self.shard_index = index;
        self.shard_count = count;
        self
    }
    /// Seeded, machine-independent order instead of dataset order.
    pub fn shuffle(mut self, seed: u64) -> Filter {
        self.shuffle = true;
        self.seed = seed;
        self
    }
}

/// Iteration over a dataset's items; borrows the dataset. `Send` (it may move to another thread) but not `Sync`.
pub struct Iter<'ds> {
    ptr: NonNull<sys::mirs_iter>,
    error: Option<crate::Error>,
    _ds: PhantomData<&'ds Dataset>,
}

// The header: "Iterators are one-thread-at-a-time": moving one is fine, sharing one is not (NonNull keeps it !Sync).
unsafe impl Send for Iter<'_> {}

impl<'ds> Iter<'ds> {
    /// Number of items the iterator yields in all (from the start).
    pub fn total(&self) -> usize {
        unsafe { sys::mirs_iter_count(self.ptr.as_ptr()) }
    }
    /// Back to the first item.
    pub fn reset(&mut self) {
        unsafe { sys::mirs_iter_reset(self.ptr.as_ptr()) }
    }
    /// The error that ended the iteration early, if any (the library reports none for valid iterators).
    pub fn error(&self) -> Option<&crate::Error> {
        self.error.as_ref()
    }
}

impl<'ds> Iterator for Iter<'ds> {
    type Item = Item<'ds>;
    fn next(&mut self) -> Option<Item<'ds>> {
        let mut out: *const sys::mirs_item = ptr::null();
        let st = unsafe { sys::mirs_iter_next(self.ptr.as_ptr(), &mut out) };
        if st == sys::MIRS_OK && !out.is_null() {
            Some(Item::new(out))
        } else {
            if st < 0 {
                self.error = Some(Error::last(st));
            }
            None
        }
    }
}

impl Drop for Iter<'_> {
    fn drop(&mut self) {
        unsafe { sys::mirs_iter_free(self.ptr.as_ptr()) }
    }
}

/// One benchmark item, borrowed from its dataset. Immutable; `Send + Sync` like the dataset.
#[derive(Clone, Copy)]
pub struct Item<'ds> {
    ptr: NonNull<sys::mirs_item>,
    _ds: PhantomData<&'ds Dataset>,
}

unsafe impl Send for Item<'_> {}
unsafe impl Sync for Item<'_> {}

impl<'ds> Item<'ds> {
    /// An item from a raw pointer the library handed out for a dataset that lives for 'ds (None for NULL).
    pub(crate) fn from_raw(p: *const sys::mirs_item) -> Option<Item<'ds>> {
        NonNull::new(p as *mut sys::mirs_item).map(|ptr| Item { ptr, _ds: PhantomData })
    }
    fn new(p: *const sys::mirs_item) -> Item<'ds> {
        Item {
            ptr: NonNull::new(p as *mut _).expect("the library returned a NULL item"),
            _ds: PhantomData,
        }
    }
    fn p(&self) -> *const sys::mirs_item {
        self.ptr.as_ptr()
    }
    /// The raw handle.
    pub fn as_ptr(&self) -> *const sys::mirs_item {
        self.p()
    }
    /// "<Category>/<Relation>/<id>".
    pub fn key(&self) -> &'ds str {
        unsafe { text(sys::mirs_item_key(self.p())) }
    }
    /// The id as text.
    pub fn id(&self) -> &'ds str {
        unsafe { text(sys::mirs_item_id(self.p())) }
    }
    /// Whether the file held the id as an integer.
    pub fn id_is_int(&self) -> bool {
        unsafe { sys::mirs_item_id_is_int(self.p()) != 0 }
    }
    pub fn category(&self) -> i32 {
        unsafe { sys::mirs_item_category(self.p()) }
    }
    pub fn relation(&self) -> i32 {
        unsafe { sys::mirs_item_relation(self.p()) }
    }
    /// The category as the key spells it (an unknown folder's own name; `category()` is then -1).
    pub fn category_name(&self) -> &'ds str {
        unsafe { text(sys::mirs_item_category_name(self.p())) }
    }
    /// The relation as the key spells it (an unknown file's relation; `relation()` is then -1).
    pub fn relation_name(&self) -> &'ds str {
        unsafe { text(sys::mirs_item_relation_name(self.p())) }
    }
    /// Position in the dataset.
    pub fn index(&self) -> usize {
        unsafe { sys::mirs_item_index(self.p()) }
    }
    pub fn revised_prompt(&self) -> &'ds str {
        unsafe { text(sys::mirs_item_revised_prompt(self.p())) }
    }
    pub fn original_question(&self) -> &'ds str {
        unsafe { text(sys::mirs_item_original_question(self.p())) }
    }
    pub fn relationship_type(&self) -> &'ds str {
        unsafe { text(sys::mirs_item_relationship_type(self.p())) }
    }
    pub fn iteration(&self) -> i64 {
        unsafe { sys::mirs_item_iteration(self.p()) }
    }
    pub fn source_file(&self) -> &'ds Path {
        unsafe { path(sys::mirs_item_source_file(self.p())) }
    }
    pub fn source_index(&self) -> i64 {
        unsafe { sys::mirs_item_source_index(self.p()) }
    }
    pub fn image_count(&self) -> usize {
        unsafe { sys::mirs_item_image_count(self.p()) }
    }
    /// Image paths as written in the file.
    pub fn image_paths(&self) -> Vec<&'ds Path> {
        (0..self.image_count())
            .map(|i| unsafe { path(sys::mirs_item_image_path(self.p(), i)) })
            .collect()
    }
    /// Image paths joined to their base, ready to open.
    pub fn image_files(&self) -> Vec<&'ds Path> {
        (0..self.image_count())
            .map(|i| unsafe { path(sys::mirs_item_image_file(self.p(), i)) })
            .collect()
    }
    pub fn descriptions(&self) -> Vec<&'ds str> {
        let n = unsafe { sys::mirs_item_description_count(self.p()) };
        (0..n)
            .map(|i| unsafe { text(sys::mirs_item_description(self.p(), i)) })
            .collect()
    }
    pub fn keywords(&self) -> Vec<&'ds str> {
        let n = unsafe { sys::mirs_item_keyword_count(self.p()) };
        (0..n)
            .map(|i| unsafe { text(sys::mirs_item_keyword(self.p(), i)) })
            .collect()
    }
}

impl std::fmt::Debug for Item<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Item({})", self.key())
    }
}
