//! Attention entropy (entropy.h): entropy of rows of probabilities or logits, strided views and reductions.
use mirsafety_sys as sys;

use crate::error::{check, Error, Result};

/// Options with the library defaults (nats, no normalisation, probabilities, policy error, tolerance 1e-3).
pub fn default_options() -> sys::mirs_entropy_options {
    let mut o = std::mem::MaybeUninit::<sys::mirs_entropy_options>::zeroed();
    unsafe {
        sys::mirs_entropy_options_init(o.as_mut_ptr());
        o.assume_init()
    }
}

/// The kernel the library picked for this CPU ("avx2" or "generic").
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
