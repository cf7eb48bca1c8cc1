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

use crate::error::{check, cpath, cstring, Error, Result};
use crate::{Category, DatasetFormat, Group, Oddities, ReadMode, Relation};

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

fn static_text(p: *const c_char) -> &'static str {
    // SAFETY: the taxonomy functions return static ASCII strings (or NULL, which a valid enum never gets).
    unsafe { opt_text(p) }.unwrap_or("")
}

impl Category {
    /// Display name ("Illegal Activities").
    pub fn display_name(self) -> &'static str {
        static_text(unsafe { sys::mirs_category_display_name(self.raw()) })
    }
}

impl Relation {
    /// Display name ("Temporal Jump").
    pub fn display_name(self) -> &'static str {
        static_text(unsafe { sys::mirs_relation_display_name(self.raw()) })
    }
    /// One line describing what the relation asks across its images.
    pub fn description(self) -> &'static str {
        static_text(unsafe { sys::mirs_relation_description(self.raw()) })
    }
    /// The relation's group.
    pub fn group(self) -> Group {
        let g = unsafe { sys::mirs_relation_group(self.raw()) };
        Group::from_raw(g).expect("every relation of the header has a group of the header")
    }
}

impl Group {}

/// Official name of a category ([`Category::name`]).
pub fn category_name(category: Category) -> &'static str {
    category.name()
}
/// Official name of a relation ([`Relation::name`]).
pub fn relation_name(relation: Relation) -> &'static str {
    relation.name()
}
/// Official name of a relation group ([`Group::name`]).
pub fn group_name(group: Group) -> &'static str {
    group.name()
}
/// Display name of a category.
pub fn category_display_name(category: Category) -> &'static str {
    category.display_name()
}
/// Display name of a relation.
pub fn relation_display_name(relation: Relation) -> &'static str {
    relation.display_name()
}
/// One line describing what a relation asks across its images.
pub fn relation_description(relation: Relation) -> &'static str {
    relation.description()
}
/// The group of a relation.
pub fn relation_group(relation: Relation) -> Group {
    relation.group()
}

/// Lenient category parsing ("self harm" -> [`Category::SelfHarm`]); `MIRS_E_NOT_FOUND` otherwise.
pub fn parse_category(name: &str) -> Result<Category> {
    Category::from_name(name)
}
/// Lenient relation parsing.
pub fn parse_relation(name: &str) -> Result<Relation> {
    Relation::from_name(name)
}
/// Lenient group parsing.
pub fn parse_group(name: &str) -> Result<Group> {
    Group::from_name(name)
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
/// methods (one per field of `mirs_dataset_options`).
#[derive(Clone, Copy, Debug)]
pub struct DatasetOptions {
    raw: sys::mirs_dataset_options,
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
    /// The layout to read (default [`DatasetFormat::Auto`]).
    pub fn format(mut self, format: DatasetFormat) -> Self {
        self.raw.format = format.raw();
        self
    }
    /// [`ReadMode::Strict`] (default: the first problem fails) or [`ReadMode::Lenient`] (bad items are
    /// skipped and recorded as diagnostics).
    pub fn mode(mut self, mode: ReadMode) -> Self {
        self.raw.mode = mode.raw();
        self
    }
    /// A missing or non-regular image file is a problem.
    pub fn check_images(mut self, yes: bool) -> Self {
        self.raw.check_images = yes as i32;
        self
    }
    /// Fewest images an item may have.
    pub fn min_images(mut self, n: u32) -> Self {
        self.raw.min_images = n;
        self
    }
    /// Most images an item may have.
    pub fn max_images(mut self, n: u32) -> Self {
        self.raw.max_images = n;
        self
    }
    /// Deepest JSON nesting accepted.
    pub fn max_json_depth(mut self, n: u32) -> Self {
        self.raw.max_json_depth = n;
        self
    }
    /// Largest metadata file accepted, in bytes.
    pub fn max_file_bytes(mut self, n: u64) -> Self {
        self.raw.max_file_bytes = n;
        self
    }
    /// Most items accepted (in both modes).
    pub fn max_items(mut self, n: u64) -> Self {
        self.raw.max_items = n;
        self
    }
    /// Longest JSONL line accepted, in bytes.
    pub fn max_line_bytes(mut self, n: u64) -> Self {
        self.raw.max_line_bytes = n;
        self
    }
    /// Whether the known oddities of the official data are accepted (default) or refused.
    pub fn oddities(mut self, o: Oddities) -> Self {
        self.raw.oddities = o.raw();
        self
    }
}

// ---- dataset -------------------------------------------------------------------------------------------------------

/// A problem a lenient open skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The `MIRS_E_*` status of the problem.
    pub status: i32,
    pub file: String,
    /// Position of the item in its file (line number - 1 for JSONL), `None` when the problem is the file itself.
    pub item_index: Option<usize>,
    pub message: String,
}

impl Diagnostic {
    /// The status as an [`ErrorKind`](crate::ErrorKind).
    pub fn kind(&self) -> crate::ErrorKind {
        crate::ErrorKind::from_raw(self.status).unwrap_or(crate::ErrorKind::Other)
    }
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
        let c = cpath(path.as_ref())?;
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
    /// [`DatasetFormat::Official`] or [`DatasetFormat::Jsonl`].
    pub fn format(&self) -> DatasetFormat {
        DatasetFormat::from_raw(unsafe { sys::mirs_dataset_format(self.as_ptr()) }).unwrap_or(DatasetFormat::Auto)
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
    pub fn count_cell(&self, category: Category, relation: Relation) -> usize {
        unsafe { sys::mirs_dataset_count_cell(self.as_ptr(), category.raw(), relation.raw()) }
    }
    /// Problems skipped by a lenient open.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let n = unsafe { sys::mirs_dataset_diagnostic_count(self.as_ptr()) };
        (0..n)
            .filter_map(|i| {
                // Borrowed from the dataset, copied out at once.
                let d = unsafe { sys::mirs_dataset_diagnostic(self.as_ptr(), i).as_ref() }?;
                Some(Diagnostic {
                    status: d.status,
                    file: unsafe { path(d.file) }.to_string_lossy().into_owned(),
                    item_index: usize::try_from(d.item_index).ok(),
                    message: unsafe { text(d.message) }.to_string(),
                })
            })
            .collect()
    }
    /// The item at a position; `None` when out of range (see [`Dataset::len`]).
    pub fn get(&self, index: usize) -> Option<Item<'_>> {
        let p = unsafe { sys::mirs_dataset_get(self.as_ptr(), index) };
        (!p.is_null()).then(|| Item::new(p))
    }
    /// The item with this key ("Category/Relation/id"); MIRS_E_NOT_FOUND when there is none.
    pub fn find(&self, key: &str) -> Result<Item<'_>> {
        let c = cstring(key, "key")?;
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
            yielded: 0,
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

/// Which items an [`Iter`] yields (all filters combine with AND): categories, relations and groups to keep (none
/// given keeps all), keys, a shard, a seeded order. Built with the methods; an out-of-range value cannot be
/// expressed (the enums), so none is silently dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    categories: u32,
    relations: u32,
    groups: u32,
    keys: Option<Vec<String>>,
    shard_index: u32,
    shard_count: u32,
    shuffle: bool,
    seed: u64,
}

fn mask<T: Copy>(values: &[T], raw: impl Fn(T) -> i32) -> u32 {
    // Every enum value is in 0..32 (the header's counts are below 32; the mask type is u32).
    values.iter().fold(0, |m, &v| m | 1u32 << raw(v))
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
            .flatten()
            .map(|k| cstring(k, "key"))
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
        if self.keys.is_some() {
            raw.keys = ptrs.as_ptr();
            raw.key_count = ptrs.len();
        }
        raw.shard_index = self.shard_index;
        raw.shard_count = self.shard_count;
        raw.shuffle = self.shuffle as i32;
        raw.seed = self.seed;
        Ok(raw)
    }
    /// Keep these categories (an empty slice keeps all).
    pub fn categories(mut self, cats: &[Category]) -> Filter {
        self.categories = mask(cats, Category::raw);
        self
    }
    /// Keep these relations (an empty slice keeps all).
    pub fn relations(mut self, rels: &[Relation]) -> Filter {
        self.relations = mask(rels, Relation::raw);
        self
    }
    /// Keep these relation groups (an empty slice keeps all).
    pub fn groups(mut self, groups: &[Group]) -> Filter {
        self.groups = mask(groups, Group::raw);
        self
    }
    /// Keep only these keys (an empty slice keeps none).
    pub fn keys<S: AsRef<str>>(mut self, keys: &[S]) -> Filter {
        self.keys = Some(keys.iter().map(|k| k.as_ref().to_string()).collect());
        self
    }
    /// Keep shard `index` of `count` (by key hash; the library refuses `index >= count`).
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
    /// Items yielded since the start (or the last reset): the exact size_hint is total() - yielded.
    yielded: usize,
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
        unsafe { sys::mirs_iter_reset(self.ptr.as_ptr()) };
        self.yielded = 0;
        self.error = None;
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
            self.yielded += 1;
            Some(Item::new(out))
        } else {
            if st < 0 {
                self.error = Some(Error::last(st));
            }
            // Whatever ended it, the iteration is over: size_hint says so from now on.
            self.yielded = self.total();
            None
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.len();
        (n, Some(n))
    }
}

impl ExactSizeIterator for Iter<'_> {
    fn len(&self) -> usize {
        self.total().saturating_sub(self.yielded)
    }
}

impl std::iter::FusedIterator for Iter<'_> {}

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
    /// `"<Category>/<Relation>/<id>"`.
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
    /// The category (`None` for a folder the taxonomy does not know: see [`Item::category_name`]).
    pub fn category(&self) -> Option<Category> {
        Category::from_raw(unsafe { sys::mirs_item_category(self.p()) })
    }
    /// The relation (`None` for a file the taxonomy does not know: see [`Item::relation_name`]).
    pub fn relation(&self) -> Option<Relation> {
        Relation::from_raw(unsafe { sys::mirs_item_relation(self.p()) })
    }
    /// The category as the key spells it (an unknown folder's own name; `category()` is then None).
    pub fn category_name(&self) -> &'ds str {
        unsafe { text(sys::mirs_item_category_name(self.p())) }
    }
    /// The relation as the key spells it (an unknown file's relation; `relation()` is then None).
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
