//! Attention entropy (entropy.h): entropy of rows of probabilities or logits in f32, f16, bf16 or f64 (the
//! [`Element`] types), strided views of tensors, reductions, accumulators and an online monitor.
//!
//! A [`Tensor`] opened from a file owns its mapping; one made from bytes borrows them ([`Tensor::from_bytes`]), and
//! a [`TensorView`] borrows its tensor, so neither can outlive what it reads:
//!
//! ```compile_fail,E0505
//! let bytes = std::fs::read("t.npy").unwrap();
//! let t = mirsafety::entropy::Tensor::from_bytes(&bytes, None).unwrap();
//! drop(bytes); // error: `bytes` is borrowed by the tensor
//! t.info();
//! ```
//!
//! ```compile_fail,E0597
//! let d: &[f64] = {
//!     let t = mirsafety::entropy::Tensor::open("t.npy", None).unwrap();
//!     t.data::<f64>().unwrap()
//! }; // error: `t` does not live long enough
//! d.len();
//! ```
//!
//! ```compile_fail,E0597
//! let v = {
//!     let t = mirsafety::entropy::Tensor::open("t.npy", None).unwrap();
//!     t.view("lhqk").unwrap()
//! }; // error: `t` does not live long enough
//! v.shape();
//! ```
//!
//! A tensor is immutable (`Send + Sync`); an [`Accumulator`] and a [`Monitor`] are one-thread-at-a-time (`Send`, not
//! `Sync`):
//!
//! ```compile_fail,E0277
//! fn shared<T: Sync>() {}
//! shared::<mirsafety::entropy::Monitor>();
//! ```
use std::marker::PhantomData;
use std::path::Path;
use std::ptr::{self, NonNull};

use mirsafety_sys as sys;

use crate::error::{check, cpath, cstring, empty_buf, take_string, Error, Result};
use crate::{Axes, Dtype, EntropyLabel, EntropyPolicy, EntropySummary, GroupTest, Kernel, ThresholdMethod};

// ---- element types -------------------------------------------------------------------------------------------------

/// An IEEE 754 half-precision number as its bit pattern (what `.npy` `<f2` and safetensors `F16` hold).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct F16(pub u16);

/// A bfloat16 number as its bit pattern (the upper half of an f32; safetensors `BF16`).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Bf16(pub u16);

impl F16 {
    /// The value as f32 (exact).
    pub fn to_f32(self) -> f32 {
        let h = self.0 as u32;
        let sign = (h & 0x8000) << 16;
        let exp = (h >> 10) & 0x1f;
        let man = h & 0x3ff;
        if exp == 0 {
            // zero or subnormal: man * 2^-24
            let v = man as f32 * (1.0 / 16_777_216.0);
            return if sign != 0 { -v } else { v };
        }
        if exp == 0x1f {
            return f32::from_bits(sign | 0x7f80_0000 | (man << 13));
        }
        f32::from_bits(sign | ((exp + 112) << 23) | (man << 13))
    }

    /// The nearest half-precision value (ties to even; overflow gives infinity, NaN stays NaN).
    pub fn from_f32(f: f32) -> F16 {
        let x = f.to_bits();
        let sign = ((x >> 16) & 0x8000) as u16;
        let exp = ((x >> 23) & 0xff) as i32;
        let man = x & 0x7f_ffff;
        if exp == 0xff {
            return F16(sign | 0x7c00 | if man != 0 { 0x200 } else { 0 });
        }
        let e = exp - 127 + 15;
        if e >= 0x1f {
            return F16(sign | 0x7c00);
        }
        let (half, rem, halfway) = if e <= 0 {
            if e < -10 {
                return F16(sign);
            }
            let m = man | 0x80_0000;
            let shift = (14 - e) as u32;
            (m >> shift, m & ((1 << shift) - 1), 1 << (shift - 1))
        } else {
            (((e as u32) << 10) | (man >> 13), man & 0x1fff, 0x1000)
        };
        let half = if rem > halfway || (rem == halfway && half & 1 == 1) {
            half + 1
        } else {
            half
        };
        F16(sign | half as u16)
    }
}

impl Bf16 {
    /// The value as f32 (exact).
    pub fn to_f32(self) -> f32 {
        f32::from_bits((self.0 as u32) << 16)
    }

    /// The nearest bfloat16 value (ties to even; NaN stays NaN).
    pub fn from_f32(f: f32) -> Bf16 {
        let x = f.to_bits();
        if f.is_nan() {
            return Bf16(((x >> 16) as u16) | 0x40);
        }
        Bf16(((x + 0x7fff + ((x >> 16) & 1)) >> 16) as u16)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    impl Sealed for super::F16 {}
    impl Sealed for super::Bf16 {}
}

/// An element type the entropy kernels read: `f32`, `f64`, [`F16`], [`Bf16`] (sealed: the library knows no other).
pub trait Element: Copy + sealed::Sealed {
    /// The library's dtype of this type.
    const DTYPE: Dtype;
}
impl Element for f32 {
    const DTYPE: Dtype = Dtype::F32;
}
impl Element for f64 {
    const DTYPE: Dtype = Dtype::F64;
}
impl Element for F16 {
    const DTYPE: Dtype = Dtype::F16;
}
impl Element for Bf16 {
    const DTYPE: Dtype = Dtype::Bf16;
}

// ---- options -------------------------------------------------------------------------------------------------------

/// Options of the entropy functions: the defaults of `mirs_entropy_options_init` (nats, no normalisation,
/// probabilities, policy error, tolerance 1e-3, temperature 1, automatic kernel, 1 thread), one builder method per
/// field.
#[derive(Clone, Copy, Debug)]
pub struct EntropyOptions {
    raw: sys::mirs_entropy_options,
}

impl Default for EntropyOptions {
    fn default() -> Self {
        let mut o = std::mem::MaybeUninit::<sys::mirs_entropy_options>::zeroed();
        unsafe {
            sys::mirs_entropy_options_init(o.as_mut_ptr(), std::mem::size_of_val(&o));
            EntropyOptions { raw: o.assume_init() }
        }
    }
}

impl EntropyOptions {
    pub fn new() -> Self {
        Self::default()
    }
    /// Bits (divide by ln 2) instead of nats.
    pub fn bits(mut self, yes: bool) -> Self {
        self.raw.bits = yes as i32;
        self
    }
    /// Divide by ln(n), n the number of selected keys.
    pub fn normalize(mut self, yes: bool) -> Self {
        self.raw.normalize = yes as i32;
        self
    }
    /// Rows are logits (softmax at the temperature first).
    pub fn logits(mut self, yes: bool) -> Self {
        self.raw.logits = yes as i32;
        self
    }
    /// What a row with NaN, Inf, negative values or a bad sum does.
    pub fn policy(mut self, p: EntropyPolicy) -> Self {
        self.raw.policy = p.raw();
        self
    }
    /// Accepted |sum - 1| of a full probability row.
    pub fn tolerance(mut self, t: f64) -> Self {
        self.raw.tolerance = t;
        self
    }
    /// Softmax temperature of logits (> 0).
    pub fn temperature(mut self, t: f64) -> Self {
        self.raw.temperature = t;
        self
    }
    /// The kernel (default automatic: the best this CPU has).
    pub fn kernel(mut self, k: Kernel) -> Self {
        self.raw.kernel = k.raw();
        self
    }
    /// Worker threads across rows (default 1; all joined before the call returns).
    pub fn threads(mut self, n: u32) -> Self {
        self.raw.threads = n;
        self
    }
}

/// The library's default options.
pub fn default_options() -> EntropyOptions {
    EntropyOptions::default()
}

/// The kernel the library picked for this CPU ("avx512", "avx2", "sse2" or "generic").
pub fn kernel_name() -> String {
    unsafe {
        std::ffi::CStr::from_ptr(sys::mirs_entropy_kernel_name(sys::mirs_entropy_auto_kernel()))
            .to_string_lossy()
            .into_owned()
    }
}

/// The file name of an item's attention dump: the key with every `/` as `__`, then `.npy`
/// (`mirs_entropy_dump_name`; the name the tool and the Python driver use).
pub fn dump_name(key: &str) -> Result<String> {
    let c = cstring(key, "key")?;
    let mut b = empty_buf();
    check(unsafe { sys::mirs_entropy_dump_name(c.as_ptr(), &mut b) })?;
    Ok(take_string(b))
}

fn mismatch(msg: String) -> Error {
    Error::new(sys::MIRS_E_MISMATCH, msg)
}

fn rows_of<T>(data: &[T], ncols: usize) -> Result<usize> {
    if ncols == 0 || data.len() % ncols != 0 {
        return Err(mismatch(format!("{} values are not rows of {}", data.len(), ncols)));
    }
    Ok(data.len() / ncols)
}

fn product(dims: &[usize]) -> Result<usize> {
    dims.iter()
        .try_fold(1usize, |a, &b| a.checked_mul(b))
        .ok_or_else(|| Error::new(sys::MIRS_E_OVERFLOW, "the shape's size overflows"))
}

// ---- rows ----------------------------------------------------------------------------------------------------------

/// Entropy of each row of a row-major matrix with `ncols` columns.
pub fn rows<T: Element>(data: &[T], ncols: usize, opts: &EntropyOptions) -> Result<Vec<f64>> {
    let n = rows_of(data, ncols)?;
    let mut out = vec![0.0; n];
    check(unsafe {
        sys::mirs_entropy_rows(
            data.as_ptr().cast(),
            T::DTYPE.raw(),
            n,
            ncols,
            ncols,
            &opts.raw,
            out.as_mut_ptr(),
        )
    })?;
    Ok(out)
}

/// [`rows`] of `f32` rows.
pub fn rows_f32(data: &[f32], ncols: usize, opts: &EntropyOptions) -> Result<Vec<f64>> {
    rows(data, ncols, opts)
}

/// Entropy of the rows restricted to key spans `[begin, end)`; returns (entropy per row, mass per row and span).
pub fn rows_spans<T: Element>(
    data: &[T],
    ncols: usize,
    spans: &[(usize, usize)],
    opts: &EntropyOptions,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let n = rows_of(data, ncols)?;
    let flat: Vec<usize> = spans.iter().flat_map(|&(b, e)| [b, e]).collect();
    let mut ent = vec![0.0; n];
    let mut mass = vec![0.0; product(&[n, spans.len()])?];
    check(unsafe {
        sys::mirs_entropy_rows_spans(
            data.as_ptr().cast(),
            T::DTYPE.raw(),
            n,
            ncols,
            ncols,
            flat.as_ptr(),
            spans.len(),
            ptr::null(),
            &opts.raw,
            ent.as_mut_ptr(),
            mass.as_mut_ptr(),
        )
    })?;
    Ok((ent, mass))
}

/// [`rows_spans`] of `f32` rows.
pub fn rows_spans_f32(
    data: &[f32],
    ncols: usize,
    spans: &[(usize, usize)],
    opts: &EntropyOptions,
) -> Result<(Vec<f64>, Vec<f64>)> {
    rows_spans(data, ncols, spans, opts)
}

/// Entropy per (layer, head, query) of a C-contiguous tensor [layers, heads, queries, keys].
pub fn view<T: Element>(data: &[T], shape: [usize; 4], opts: &EntropyOptions) -> Result<Vec<f64>> {
    if product(&shape)? != data.len() {
        return Err(mismatch("shape does not match the data length".into()));
    }
    let mut v = std::mem::MaybeUninit::<sys::mirs_entropy_view>::zeroed();
    let v = unsafe {
        sys::mirs_entropy_view_init(
            v.as_mut_ptr(),
            std::mem::size_of::<sys::mirs_entropy_view>(),
            data.as_ptr().cast(),
            T::DTYPE.raw(),
            shape[0],
            shape[1],
            shape[2],
            shape[3],
        );
        v.assume_init()
    };
    compute(&v, opts)
}

/// [`view`] of `f32` data.
pub fn view_f32(data: &[f32], shape: [usize; 4], opts: &EntropyOptions) -> Result<Vec<f64>> {
    view(data, shape, opts)
}

/// Computes a view whose data the caller keeps alive and in bounds for the call.
fn compute(v: &sys::mirs_entropy_view, opts: &EntropyOptions) -> Result<Vec<f64>> {
    let mut out = vec![0.0; product(&v.shape[..3])?];
    check(unsafe {
        sys::mirs_entropy_view_compute(
            v,
            0,
            usize::MAX,
            ptr::null(),
            0,
            ptr::null(),
            &opts.raw,
            out.as_mut_ptr(),
            ptr::null_mut(),
        )
    })?;
    Ok(out)
}

/// NaN-ignoring mean of a [layers, heads, queries] array over `axes`.
pub fn reduce(values: &[f64], layers: usize, heads: usize, queries: usize, axes: Axes) -> Result<Vec<f64>> {
    if product(&[layers, heads, queries])? != values.len() {
        return Err(mismatch("shape does not match the data length".into()));
    }
    let keep = |axis: Axes, n: usize| if axes.contains(axis) { 1 } else { n };
    let n = keep(Axes::LAYERS, layers) * keep(Axes::HEADS, heads) * keep(Axes::QUERIES, queries);
    let mut out = vec![0.0; n.max(1)];
    check(unsafe { sys::mirs_entropy_reduce(values.as_ptr(), layers, heads, queries, axes.bits(), out.as_mut_ptr()) })?;
    out.truncate(n);
    Ok(out)
}

// ---- tensors -------------------------------------------------------------------------------------------------------

/// A `.npy` or `.safetensors` tensor: memory-mapped from a file (`Tensor<'static>`) or parsed from bytes it borrows
/// for `'a`. Immutable: `Send + Sync`.
pub struct Tensor<'a> {
    ptr: NonNull<sys::mirs_entropy_tensor>,
    _bytes: PhantomData<&'a [u8]>,
}

// The header: immutable once opened, shareable across threads; the borrowed bytes are only read.
unsafe impl Send for Tensor<'_> {}
unsafe impl Sync for Tensor<'_> {}

fn name_arg(name: Option<&str>) -> Result<Option<std::ffi::CString>> {
    name.map(|n| cstring(n, "tensor name")).transpose()
}

impl Tensor<'static> {
    /// Opens a file; `name` picks a .safetensors tensor (None for .npy or a single-tensor file).
    pub fn open<P: AsRef<Path>>(path: P, name: Option<&str>) -> Result<Tensor<'static>> {
        let p = cpath(path.as_ref())?;
        let n = name_arg(name)?;
        let mut out = ptr::null_mut();
        check(unsafe {
            sys::mirs_entropy_tensor_open(p.as_ptr(), n.as_ref().map_or(ptr::null(), |c| c.as_ptr()), &mut out)
        })?;
        Tensor::wrap(out)
    }

    /// [`Tensor::from_bytes`] over bytes that live for the whole program.
    pub fn from_static(data: &'static [u8], name: Option<&str>) -> Result<Tensor<'static>> {
        Tensor::from_bytes(data, name)
    }
}

impl<'a> Tensor<'a> {
    fn wrap(p: *mut sys::mirs_entropy_tensor) -> Result<Tensor<'a>> {
        NonNull::new(p)
            .map(|ptr| Tensor {
                ptr,
                _bytes: PhantomData,
            })
            .ok_or_else(|| Error::new(sys::MIRS_E_INTERNAL, "NULL tensor"))
    }

    /// Parses `.npy` or `.safetensors` bytes without copying them: the tensor borrows them.
    pub fn from_bytes(data: &'a [u8], name: Option<&str>) -> Result<Tensor<'a>> {
        let n = name_arg(name)?;
        let mut out = ptr::null_mut();
        check(unsafe {
            sys::mirs_entropy_tensor_open_memory(
                data.as_ptr().cast(),
                data.len(),
                n.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
                &mut out,
            )
        })?;
        Tensor::wrap(out)
    }

    /// (dtype, shape, element strides).
    pub fn info(&self) -> (Dtype, Vec<usize>, Vec<i64>) {
        let mut dt = 0;
        let mut nd = 0usize;
        let mut shape = [0usize; sys::MIRS_ENTROPY_MAX_DIMS as usize];
        let mut strides = [0i64; sys::MIRS_ENTROPY_MAX_DIMS as usize];
        let st = unsafe {
            sys::mirs_entropy_tensor_info(
                self.ptr.as_ptr(),
                &mut dt,
                &mut nd,
                shape.as_mut_ptr(),
                strides.as_mut_ptr(),
            )
        };
        let nd = if st < 0 { 0 } else { nd.min(shape.len()) };
        (
            Dtype::from_raw(dt).unwrap_or(Dtype::F32),
            shape[..nd].to_vec(),
            strides[..nd].to_vec(),
        )
    }

    /// The elements in memory order (C or Fortran, see [`Tensor::info`]'s strides), borrowed from the tensor:
    /// `None` when `T` is not the tensor's dtype or the data is not aligned for `T` (a `.safetensors` offset need
    /// not be).
    pub fn data<T: Element>(&self) -> Option<&[T]> {
        let (dt, shape, strides) = self.info();
        if dt != T::DTYPE {
            return None;
        }
        let n = product(&shape).ok()?;
        // The mapped elements are exactly n, compact (every stride non-negative, the last element at n - 1).
        let last = shape.iter().zip(&strides).try_fold(0i64, |a, (&d, &s)| {
            if s < 0 {
                None
            } else {
                a.checked_add((d as i64 - 1).max(0) * s)
            }
        })?;
        if n > 0 && last as usize + 1 != n {
            return None;
        }
        let p = unsafe { sys::mirs_entropy_tensor_data(self.ptr.as_ptr()) } as *const T;
        if n == 0 {
            return Some(&[]);
        }
        if p.is_null() || (p as usize) % std::mem::align_of::<T>() != 0 {
            return None;
        }
        // SAFETY: n elements of T's dtype at p, valid until the tensor is freed (the header), which the returned
        // borrow of self outlives; the bytes are immutable.
        Some(unsafe { std::slice::from_raw_parts(p, n) })
    }

    /// A [layers, heads, queries, keys] view reading the tensor with `layout` ("lhqk", "hqk", "qk", ...); it
    /// borrows the tensor.
    pub fn view(&self, layout: &str) -> Result<TensorView<'_>> {
        let l = cstring(layout, "layout")?;
        // An output struct: zeroed, with struct_size telling the library how much it may fill.
        let mut v: sys::mirs_entropy_view = unsafe { std::mem::zeroed() };
        v.struct_size = std::mem::size_of::<sys::mirs_entropy_view>();
        check(unsafe { sys::mirs_entropy_tensor_view(self.ptr.as_ptr(), l.as_ptr(), &mut v) })?;
        Ok(TensorView {
            raw: v,
            _t: PhantomData,
        })
    }

    /// Entropy per (layer, head, query) reading the tensor with `layout` ([`Tensor::view`], then
    /// [`TensorView::entropy`]).
    pub fn entropy(&self, layout: &str, opts: &EntropyOptions) -> Result<Vec<f64>> {
        self.view(layout)?.entropy(opts)
    }
}

impl Drop for Tensor<'_> {
    fn drop(&mut self) {
        unsafe { sys::mirs_entropy_tensor_free(self.ptr.as_ptr()) }
    }
}

/// A [layers, heads, queries, keys] view of a [`Tensor`], borrowed from it (its data pointer points into the
/// tensor, which the library checked the strides against).
pub struct TensorView<'t> {
    raw: sys::mirs_entropy_view,
    _t: PhantomData<&'t Tensor<'t>>,
}
// It only reads the tensor's immutable data, as the tensor itself may from any thread.
unsafe impl Send for TensorView<'_> {}
unsafe impl Sync for TensorView<'_> {}

impl TensorView<'_> {
    /// [layers, heads, queries, keys].
    pub fn shape(&self) -> [usize; 4] {
        self.raw.shape
    }
    /// Element strides of the four axes.
    pub fn strides(&self) -> [i64; 4] {
        self.raw.strides
    }
    /// The element type.
    pub fn dtype(&self) -> Dtype {
        Dtype::from_raw(self.raw.dtype).unwrap_or(Dtype::F32)
    }
    /// Entropy per (layer, head, query).
    pub fn entropy(&self, opts: &EntropyOptions) -> Result<Vec<f64>> {
        compute(&self.raw, opts)
    }
}

/// Writes a C-order f64 .npy atomically.
pub fn npy_write_f64<P: AsRef<Path>>(path: P, data: &[f64], shape: &[usize]) -> Result<()> {
    if product(shape)? != data.len() {
        return Err(mismatch("shape does not match the data length".into()));
    }
    let p = cpath(path.as_ref())?;
    check(unsafe { sys::mirs_entropy_npy_write_f64(p.as_ptr(), data.as_ptr(), shape.len(), shape.as_ptr()) })?;
    Ok(())
}

// ---- accumulators --------------------------------------------------------------------------------------------------

/// Safe vs unsafe accumulator per (layer, head) with per-item samples (one thread at a time: `Send`, not `Sync`).
pub struct Accumulator {
    ptr: NonNull<sys::mirs_entropy_acc>,
}

unsafe impl Send for Accumulator {}

impl Accumulator {
    fn wrap(p: *mut sys::mirs_entropy_acc) -> Result<Accumulator> {
        NonNull::new(p)
            .map(|ptr| Accumulator { ptr })
            .ok_or_else(|| Error::new(sys::MIRS_E_INTERNAL, "NULL accumulator"))
    }
    pub(crate) fn p(&self) -> *mut sys::mirs_entropy_acc {
        self.ptr.as_ptr()
    }
    pub fn new(layers: usize, heads: usize, bins: usize, lo: f64, hi: f64) -> Result<Accumulator> {
        let mut ptr = ptr::null_mut();
        check(unsafe { sys::mirs_entropy_acc_new(layers, heads, bins, lo, hi, &mut ptr) })?;
        Accumulator::wrap(ptr)
    }
    pub fn add(&mut self, label: EntropyLabel, layer: usize, head: usize, value: f64) -> Result<()> {
        check(unsafe { sys::mirs_entropy_acc_add(self.p(), label.raw(), layer, head, value) })?;
        Ok(())
    }
    /// One item's [layers, heads, queries] entropies.
    pub fn add_item(
        &mut self,
        label: EntropyLabel,
        e: &[f64],
        layers: usize,
        heads: usize,
        queries: usize,
    ) -> Result<()> {
        if product(&[layers, heads, queries])? != e.len() {
            return Err(mismatch("shape does not match the data length".into()));
        }
        check(unsafe { sys::mirs_entropy_acc_add_item(self.p(), label.raw(), e.as_ptr(), layers, heads, queries) })?;
        Ok(())
    }
    pub fn merge(&mut self, other: &Accumulator) -> Result<()> {
        check(unsafe { sys::mirs_entropy_acc_merge(self.p(), other.p()) })?;
        Ok(())
    }
    pub fn summary(&self, label: EntropyLabel, layer: usize, head: usize) -> Result<EntropySummary> {
        let mut s = EntropySummary::out();
        check(unsafe { sys::mirs_entropy_acc_summary(self.p(), label.raw(), layer, head, &mut s) })?;
        Ok(EntropySummary::from_raw(&s))
    }
    /// (layers, heads, bins, lo, hi, safe items, unsafe items).
    pub fn shape(&self) -> Result<(usize, usize, usize, f64, f64, u64, u64)> {
        let (mut bins, mut l, mut h, mut lo, mut hi, mut a, mut b) = (0usize, 0usize, 0usize, 0.0, 0.0, 0u64, 0u64);
        check(unsafe {
            sys::mirs_entropy_acc_shape(self.p(), &mut l, &mut h, &mut bins, &mut lo, &mut hi, &mut a, &mut b)
        })?;
        Ok((l, h, bins, lo, hi, a, b))
    }
    /// The histogram's bins plus the underflow and overflow counts (bins + 2 values).
    pub fn histogram(&self, label: EntropyLabel, layer: usize, head: usize) -> Result<Vec<u64>> {
        let (_, _, bins, _, _, _, _) = self.shape()?;
        let n = bins
            .checked_add(2)
            .ok_or_else(|| Error::new(sys::MIRS_E_OVERFLOW, "bins overflow"))?;
        let mut out = vec![0u64; n];
        check(unsafe { sys::mirs_entropy_acc_histogram(self.p(), label.raw(), layer, head, out.as_mut_ptr()) })?;
        Ok(out)
    }
    pub fn to_json(&self) -> Result<String> {
        let mut b = empty_buf();
        check(unsafe { sys::mirs_entropy_acc_to_json(self.p(), &mut b) })?;
        Ok(take_string(b))
    }
    pub fn from_json(text: &str) -> Result<Accumulator> {
        let mut ptr = ptr::null_mut();
        check(unsafe { sys::mirs_entropy_acc_from_json(text.as_ptr().cast(), text.len(), &mut ptr) })?;
        Accumulator::wrap(ptr)
    }
    pub fn save<P: AsRef<Path>>(&self, path: P) -> Result<()> {
        let p = cpath(path.as_ref())?;
        check(unsafe { sys::mirs_entropy_acc_save(self.p(), p.as_ptr()) })?;
        Ok(())
    }
    pub fn load<P: AsRef<Path>>(path: P) -> Result<Accumulator> {
        let p = cpath(path.as_ref())?;
        let mut ptr = ptr::null_mut();
        check(unsafe { sys::mirs_entropy_acc_load(p.as_ptr(), &mut ptr) })?;
        Accumulator::wrap(ptr)
    }
    /// Group tests of one layer (or [`ALL_LAYERS`]).
    pub fn compare(&self, layer: usize, reps: u32, seed: u64) -> Result<GroupTest> {
        let mut g = GroupTest::out();
        check(unsafe { sys::mirs_entropy_acc_compare(self.p(), layer, reps, seed, &mut g) })?;
        Ok(GroupTest::from_raw(&g))
    }
    pub fn threshold(&self, layer: usize, method: ThresholdMethod) -> Result<f64> {
        let mut t = 0.0;
        check(unsafe { sys::mirs_entropy_acc_threshold(self.p(), layer, method.raw(), &mut t) })?;
        Ok(t)
    }
}

/// The `layer` of [`Accumulator::compare`] and [`Accumulator::threshold`] that pools every layer.
pub const ALL_LAYERS: usize = sys::MIRS_ENTROPY_ALL_LAYERS;

impl Drop for Accumulator {
    fn drop(&mut self) {
        unsafe { sys::mirs_entropy_acc_free(self.p()) }
    }
}

/// Online monitor fed one token's rows at a time (one thread at a time: `Send`, not `Sync`).
pub struct Monitor {
    ptr: NonNull<sys::mirs_entropy_monitor>,
}

unsafe impl Send for Monitor {}

impl Monitor {
    pub fn new(layers: usize, heads: usize, threshold: f64, opts: &EntropyOptions) -> Result<Monitor> {
        let mut ptr = ptr::null_mut();
        check(unsafe { sys::mirs_entropy_monitor_new(layers, heads, threshold, &opts.raw, &mut ptr) })?;
        NonNull::new(ptr)
            .map(|ptr| Monitor { ptr })
            .ok_or_else(|| Error::new(sys::MIRS_E_INTERNAL, "NULL monitor"))
    }
    fn p(&self) -> *mut sys::mirs_entropy_monitor {
        self.ptr.as_ptr()
    }
    /// One attention row of (layer, head) for the current token.
    pub fn feed<T: Element>(&mut self, layer: usize, head: usize, row: &[T]) -> Result<()> {
        check(unsafe {
            sys::mirs_entropy_monitor_feed(self.p(), layer, head, row.as_ptr().cast(), T::DTYPE.raw(), row.len())
        })?;
        Ok(())
    }
    /// [`Monitor::feed`] of an `f32` row.
    pub fn feed_f32(&mut self, layer: usize, head: usize, row: &[f32]) -> Result<()> {
        self.feed(layer, head, row)
    }
    /// Ends the token: (flagged, running score).
    pub fn token_end(&mut self) -> Result<(bool, f64)> {
        let (mut f, mut s) = (0i32, 0.0);
        check(unsafe { sys::mirs_entropy_monitor_token_end(self.p(), &mut f, &mut s) })?;
        Ok((f != 0, s))
    }
    /// The running mean of a layer (NaN before the first token or for a layer out of range).
    pub fn layer_mean(&self, layer: usize) -> f64 {
        unsafe { sys::mirs_entropy_monitor_layer_mean(self.p(), layer) }
    }
    pub fn reset(&mut self) {
        unsafe { sys::mirs_entropy_monitor_reset(self.p()) }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        unsafe { sys::mirs_entropy_monitor_free(self.p()) }
    }
}
