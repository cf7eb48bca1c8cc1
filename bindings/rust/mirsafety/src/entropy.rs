//! Attention entropy (entropy.h): entropy of rows of probabilities or logits, strided views and reductions.
use mirsafety_sys as sys;

use crate::error::{check, Error, Result};

/// Options with the library defaults (nats, no normalisation, probabilities, policy error, tolerance 1e-3).
pub fn default_options() -> sys::mirs_entropy_options {
    let mut o = std::mem::MaybeUninit::<sys::mirs_entropy_options>::zeroed();
    unsafe {
        sys::mirs_entropy_options_init(o.as_mut_ptr(), std::mem::size_of_val(&o));
        o.assume_init()
    }
}

/// The kernel the library picked for this CPU ("avx512", "avx2", "sse2" or "generic").
pub fn kernel_name() -> String {
    unsafe {
        std::ffi::CStr::from_ptr(sys::mirs_entropy_kernel_name())
            .to_string_lossy()
            .into_owned()
    }
}

/// Entropy of each row of a row-major `f32` matrix with `ncols` columns.
pub fn rows_f32(data: &[f32], ncols: usize, opts: &sys::mirs_entropy_options) -> Result<Vec<f64>> {
    if ncols == 0 || data.len() % ncols != 0 {
        return Err(Error::new(
            sys::MIRS_E_MISMATCH,
            format!("{} values are not rows of {}", data.len(), ncols),
        ));
    }
    let n = data.len() / ncols;
    let mut out = vec![0.0; n];
    check(unsafe {
        sys::mirs_entropy_rows(
            data.as_ptr().cast(),
            sys::MIRS_ENTROPY_F32,
            n,
            ncols,
            ncols,
            opts,
            out.as_mut_ptr(),
        )
    })?;
    Ok(out)
}

/// Entropy of the rows restricted to key spans `[begin, end)`; returns (entropy per row, mass per row and span).
pub fn rows_spans_f32(
    data: &[f32],
    ncols: usize,
    spans: &[(usize, usize)],
    opts: &sys::mirs_entropy_options,
) -> Result<(Vec<f64>, Vec<f64>)> {
    if ncols == 0 || data.len() % ncols != 0 {
        return Err(Error::new(
            sys::MIRS_E_MISMATCH,
            format!("{} values are not rows of {}", data.len(), ncols),
        ));
    }
    let n = data.len() / ncols;
    let flat: Vec<usize> = spans.iter().flat_map(|&(b, e)| [b, e]).collect();
    let mut ent = vec![0.0; n];
    let mut mass = vec![0.0; n * spans.len()];
    check(unsafe {
        sys::mirs_entropy_rows_spans(
            data.as_ptr().cast(),
            sys::MIRS_ENTROPY_F32,
            n,
            ncols,
            ncols,
            flat.as_ptr(),
            spans.len(),
            std::ptr::null(),
            opts,
            ent.as_mut_ptr(),
            mass.as_mut_ptr(),
        )
    })?;
    Ok((ent, mass))
}

/// Entropy per (layer, head, query) of a C-contiguous `f32` tensor [layers, heads, queries, keys].
pub fn view_f32(
    data: &[f32],
    shape: [usize; 4],
    opts: &sys::mirs_entropy_options,
) -> Result<Vec<f64>> {
    let total = shape.iter().try_fold(1usize, |a, &b| a.checked_mul(b));
    if total != Some(data.len()) {
        return Err(Error::new(
            sys::MIRS_E_MISMATCH,
            "shape does not match the data length",
        ));
    }
    let mut v = std::mem::MaybeUninit::<sys::mirs_entropy_view>::zeroed();
    let v = unsafe {
        sys::mirs_entropy_view_init(
            v.as_mut_ptr(),
            std::mem::size_of::<sys::mirs_entropy_view>(),
            data.as_ptr().cast(),
            sys::MIRS_ENTROPY_F32,
            shape[0],
            shape[1],
            shape[2],
            shape[3],
        );
        v.assume_init()
    };
    let mut out = vec![0.0; shape[0] * shape[1] * shape[2]];
    check(unsafe {
        sys::mirs_entropy_view_compute(
            &v,
            0,
            usize::MAX,
            std::ptr::null(),
            0,
            std::ptr::null(),
            opts,
            out.as_mut_ptr(),
            std::ptr::null_mut(),
        )
    })?;
    Ok(out)
}

/// NaN-ignoring mean of a [layers, heads, queries] array over the `MIRS_ENTROPY_AXIS_*` flags in `axes`.
pub fn reduce(
    values: &[f64],
    layers: usize,
    heads: usize,
    queries: usize,
    axes: u32,
) -> Result<Vec<f64>> {
    if layers
        .checked_mul(heads)
        .and_then(|x| x.checked_mul(queries))
        != Some(values.len())
    {
        return Err(Error::new(
            sys::MIRS_E_MISMATCH,
            "shape does not match the data length",
        ));
    }
    let n = (if axes & sys::MIRS_ENTROPY_AXIS_LAYERS != 0 {
        1
    } else {
        layers
    }) * (if axes & sys::MIRS_ENTROPY_AXIS_HEADS != 0 {
        1
    } else {
        heads
    }) * (if axes & sys::MIRS_ENTROPY_AXIS_QUERIES != 0 {
        1
    } else {
        queries
    });
    let mut out = vec![0.0; n.max(1)];
    check(unsafe {
        sys::mirs_entropy_reduce(
            values.as_ptr(),
            layers,
            heads,
            queries,
            axes,
            out.as_mut_ptr(),
        )
    })?;
    Ok(out)
}

/// A memory-mapped .npy or .safetensors tensor (shareable across threads once opened).
pub struct Tensor {
    ptr: *mut sys::mirs_entropy_tensor,
}

unsafe impl Send for Tensor {}
unsafe impl Sync for Tensor {}

impl Tensor {
    /// Opens a file; `name` picks a .safetensors tensor (None for .npy or a single-tensor file).
    pub fn open(path: &str, name: Option<&str>) -> Result<Tensor> {
        let p = std::ffi::CString::new(path).map_err(|_| Error::new(sys::MIRS_E_INVALID_ARGUMENT, "NUL in path"))?;
        let n = name
            .map(std::ffi::CString::new)
            .transpose()
            .map_err(|_| Error::new(sys::MIRS_E_INVALID_ARGUMENT, "NUL in name"))?;
        let mut ptr = std::ptr::null_mut();
        check(unsafe { sys::mirs_entropy_tensor_open(p.as_ptr(), n.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()), &mut ptr) })?;
        Ok(Tensor { ptr })
    }

    /// Parses bytes the caller keeps alive for as long as the tensor (`'static` here for safety).
    pub fn from_static(data: &'static [u8], name: Option<&str>) -> Result<Tensor> {
        let n = name
            .map(std::ffi::CString::new)
            .transpose()
            .map_err(|_| Error::new(sys::MIRS_E_INVALID_ARGUMENT, "NUL in name"))?;
        let mut ptr = std::ptr::null_mut();
        check(unsafe {
            sys::mirs_entropy_tensor_open_memory(data.as_ptr().cast(), data.len(), n.as_ref().map_or(std::ptr::null(), |c| c.as_ptr()), &mut ptr)
        })?;
        Ok(Tensor { ptr })
    }

    /// (dtype code, shape, element strides).
    pub fn info(&self) -> (i32, Vec<usize>, Vec<i64>) {
        let mut dt = 0;
        let mut nd = 0usize;
        let mut shape = [0usize; 8];
        let mut strides = [0i64; 8];
        unsafe { sys::mirs_entropy_tensor_info(self.ptr, &mut dt, &mut nd, shape.as_mut_ptr(), strides.as_mut_ptr()) };
        (dt, shape[..nd].to_vec(), strides[..nd].to_vec())
    }

    /// Entropy per (layer, head, query) reading the tensor with `layout` ("lhqk", "hqk", "qk", ...).
    pub fn entropy(&self, layout: &str, opts: &sys::mirs_entropy_options) -> Result<Vec<f64>> {
        let l = std::ffi::CString::new(layout).map_err(|_| Error::new(sys::MIRS_E_INVALID_ARGUMENT, "NUL in layout"))?;
        // An output struct: zeroed, with struct_size telling the library how much it may fill.
        let mut v: sys::mirs_entropy_view = unsafe { std::mem::zeroed() };
        v.struct_size = std::mem::size_of::<sys::mirs_entropy_view>();
        check(unsafe { sys::mirs_entropy_tensor_view(self.ptr, l.as_ptr(), &mut v) })?;
        assert!(!unsafe { sys::mirs_entropy_tensor_data(self.ptr) }.is_null());
        let mut out = vec![0.0; v.shape[0] * v.shape[1] * v.shape[2]];
        check(unsafe {
            sys::mirs_entropy_view_compute(&v, 0, usize::MAX, std::ptr::null(), 0, std::ptr::null(), opts, out.as_mut_ptr(), std::ptr::null_mut())
        })?;
        Ok(out)
    }
}

impl Drop for Tensor {
    fn drop(&mut self) {
        unsafe { sys::mirs_entropy_tensor_free(self.ptr) }
    }
}

/// Writes a C-order f64 .npy atomically.
pub fn npy_write_f64(path: &str, data: &[f64], shape: &[usize]) -> Result<()> {
    if shape.iter().product::<usize>() != data.len() {
        return Err(Error::new(sys::MIRS_E_MISMATCH, "shape does not match the data length"));
    }
    let p = std::ffi::CString::new(path).map_err(|_| Error::new(sys::MIRS_E_INVALID_ARGUMENT, "NUL in path"))?;
    check(unsafe { sys::mirs_entropy_npy_write_f64(p.as_ptr(), data.as_ptr(), shape.len(), shape.as_ptr()) })?;
    Ok(())
}

/// Safe vs unsafe accumulator per (layer, head) with per-item samples (one thread at a time).
pub struct Accumulator {
    ptr: *mut sys::mirs_entropy_acc,
}

unsafe impl Send for Accumulator {}

impl Accumulator {
    pub fn new(layers: usize, heads: usize, bins: usize, lo: f64, hi: f64) -> Result<Accumulator> {
        let mut ptr = std::ptr::null_mut();
        check(unsafe { sys::mirs_entropy_acc_new(layers, heads, bins, lo, hi, &mut ptr) })?;
        Ok(Accumulator { ptr })
    }
    pub fn add(&mut self, label: i32, layer: usize, head: usize, value: f64) -> Result<()> {
        check(unsafe { sys::mirs_entropy_acc_add(self.ptr, label, layer, head, value) })?;
        Ok(())
    }
    /// One item's [layers, heads, queries] entropies.
    pub fn add_item(&mut self, label: i32, e: &[f64], layers: usize, heads: usize, queries: usize) -> Result<()> {
        if layers * heads * queries != e.len() {
            return Err(Error::new(sys::MIRS_E_MISMATCH, "shape does not match the data length"));
        }
        check(unsafe { sys::mirs_entropy_acc_add_item(self.ptr, label, e.as_ptr(), layers, heads, queries) })?;
        Ok(())
    }
    pub fn merge(&mut self, other: &Accumulator) -> Result<()> {
        check(unsafe { sys::mirs_entropy_acc_merge(self.ptr, other.ptr) })?;
        Ok(())
    }
    pub fn summary(&self, label: i32, layer: usize, head: usize) -> Result<sys::mirs_entropy_summary> {
        let mut s: sys::mirs_entropy_summary = unsafe { std::mem::zeroed() };
        s.struct_size = std::mem::size_of::<sys::mirs_entropy_summary>();
        check(unsafe { sys::mirs_entropy_acc_summary(self.ptr, label, layer, head, &mut s) })?;
        Ok(s)
    }
    pub fn histogram(&self, label: i32, layer: usize, head: usize) -> Result<Vec<u64>> {
        let (mut bins, mut l, mut h, mut lo, mut hi, mut a, mut b) = (0usize, 0usize, 0usize, 0.0, 0.0, 0u64, 0u64);
        check(unsafe { sys::mirs_entropy_acc_shape(self.ptr, &mut l, &mut h, &mut bins, &mut lo, &mut hi, &mut a, &mut b) })?;
        let mut out = vec![0u64; bins + 2];
        check(unsafe { sys::mirs_entropy_acc_histogram(self.ptr, label, layer, head, out.as_mut_ptr()) })?;
        Ok(out)
    }
    pub fn to_json(&self) -> Result<String> {
        let mut b = sys::mirs_buf { data: std::ptr::null_mut(), size: 0 };
        check(unsafe { sys::mirs_entropy_acc_to_json(self.ptr, &mut b) })?;
        let s = unsafe { String::from_utf8_lossy(std::slice::from_raw_parts(b.data, b.size)).into_owned() };
        unsafe { sys::mirs_buf_free(&mut b) };
        Ok(s)
    }
    pub fn from_json(text: &str) -> Result<Accumulator> {
        let mut ptr = std::ptr::null_mut();
        check(unsafe { sys::mirs_entropy_acc_from_json(text.as_ptr().cast(), text.len(), &mut ptr) })?;
        Ok(Accumulator { ptr })
    }
    pub fn save(&self, path: &str) -> Result<()> {
        let p = std::ffi::CString::new(path).map_err(|_| Error::new(sys::MIRS_E_INVALID_ARGUMENT, "NUL in path"))?;
        check(unsafe { sys::mirs_entropy_acc_save(self.ptr, p.as_ptr()) })?;
        Ok(())
    }
    pub fn load(path: &str) -> Result<Accumulator> {
        let p = std::ffi::CString::new(path).map_err(|_| Error::new(sys::MIRS_E_INVALID_ARGUMENT, "NUL in path"))?;
        let mut ptr = std::ptr::null_mut();
        check(unsafe { sys::mirs_entropy_acc_load(p.as_ptr(), &mut ptr) })?;
        Ok(Accumulator { ptr })
    }
    /// Group tests of one layer (or `sys::MIRS_ENTROPY_ALL_LAYERS`).
    pub fn compare(&self, layer: usize, reps: u32, seed: u64) -> Result<sys::mirs_entropy_group_test> {
        let mut g: sys::mirs_entropy_group_test = unsafe { std::mem::zeroed() };
        g.struct_size = std::mem::size_of::<sys::mirs_entropy_group_test>();
        check(unsafe { sys::mirs_entropy_acc_compare(self.ptr, layer, reps, seed, &mut g) })?;
        Ok(g)
    }
    pub fn threshold(&self, layer: usize, method: i32) -> Result<f64> {
        let mut t = 0.0;
        check(unsafe { sys::mirs_entropy_acc_threshold(self.ptr, layer, method, &mut t) })?;
        Ok(t)
    }
}

impl Drop for Accumulator {
    fn drop(&mut self) {
        unsafe { sys::mirs_entropy_acc_free(self.ptr) }
    }
}

/// Online monitor fed one token's rows at a time.
pub struct Monitor {
    ptr: *mut sys::mirs_entropy_monitor,
}

unsafe impl Send for Monitor {}

impl Monitor {
    pub fn new(layers: usize, heads: usize, threshold: f64, opts: &sys::mirs_entropy_options) -> Result<Monitor> {
        let mut ptr = std::ptr::null_mut();
        check(unsafe { sys::mirs_entropy_monitor_new(layers, heads, threshold, opts, &mut ptr) })?;
        Ok(Monitor { ptr })
    }
    pub fn feed_f32(&mut self, layer: usize, head: usize, row: &[f32]) -> Result<()> {
        check(unsafe { sys::mirs_entropy_monitor_feed(self.ptr, layer, head, row.as_ptr().cast(), sys::MIRS_ENTROPY_F32, row.len()) })?;
        Ok(())
    }
    /// Ends the token: (flagged, running score).
    pub fn token_end(&mut self) -> Result<(bool, f64)> {
        let (mut f, mut s) = (0i32, 0.0);
        check(unsafe { sys::mirs_entropy_monitor_token_end(self.ptr, &mut f, &mut s) })?;
        Ok((f != 0, s))
    }
    pub fn layer_mean(&self, layer: usize) -> Result<f64> {
        let mut m = 0.0;
        check(unsafe { sys::mirs_entropy_monitor_layer_mean(self.ptr, layer, &mut m) })?;
        Ok(m)
    }
    pub fn reset(&mut self) {
        unsafe { sys::mirs_entropy_monitor_reset(self.ptr) }
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        unsafe { sys::mirs_entropy_monitor_free(self.ptr) }
    }
}
