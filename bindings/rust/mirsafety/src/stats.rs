//! Statistics (stats.h). Slices are passed to the library as they are (no copy). Pure and thread-safe.
use mirsafety_sys as sys;

use crate::error::{check, Error, Result};

/// A two-sided interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
}

/// Wilson score interval of k/n.
pub fn wilson(k: u64, n: u64, confidence: f64) -> Result<Interval> {
    let (mut lo, mut hi) = (0.0, 0.0);
    check(unsafe { sys::mirs_stats_wilson(k, n, confidence, &mut lo, &mut hi) })?;
    Ok(Interval { lo, hi })
}

/// Exact Clopper–Pearson interval of k/n.
pub fn clopper_pearson(k: u64, n: u64, confidence: f64) -> Result<Interval> {
    let (mut lo, mut hi) = (0.0, 0.0);
    check(unsafe { sys::mirs_stats_clopper_pearson(k, n, confidence, &mut lo, &mut hi) })?;
    Ok(Interval { lo, hi })
}

/// Exact McNemar p-value from the discordant counts.
pub fn mcnemar_exact(b: u64, c: u64) -> Result<f64> {
    let mut p = 0.0;
    check(unsafe { sys::mirs_stats_mcnemar_exact(b, c, &mut p) })?;
    Ok(p)
}

/// p1 - p2 of paired proportions and Newcombe's hybrid score interval: (diff, interval).
pub fn paired_difference(n11: u64, n10: u64, n01: u64, n00: u64, confidence: f64) -> Result<(f64, Interval)> {
    let (mut d, mut lo, mut hi) = (0.0, 0.0, 0.0);
    check(unsafe { sys::mirs_stats_paired_difference(n11, n10, n01, n00, confidence, &mut d, &mut lo, &mut hi) })?;
    Ok((d, Interval { lo, hi }))
}

/// Cohen's kappa of a k x k row-major confusion matrix (`matrix.len() == k * k`).
pub fn cohen_kappa(matrix: &[u64], k: usize) -> Result<f64> {
    if k.checked_mul(k) != Some(matrix.len()) {
        return Err(Error::new(
            sys::MIRS_E_MISMATCH,
            format!("{} cells are not a {}x{} matrix", matrix.len(), k, k),
        ));
    }
    let mut out = 0.0;
    check(unsafe { sys::mirs_stats_cohen_kappa(matrix.as_ptr(), k, &mut out) })?;
    Ok(out)
}

fn same_len(x: &[f64], y: &[f64]) -> Result<()> {
    if x.len() != y.len() {
        return Err(Error::new(
            sys::MIRS_E_MISMATCH,
            format!("x and y differ in length ({}, {})", x.len(), y.len()),
        ));
    }
    Ok(())
}

/// Spearman's rho and its p-value.
pub fn spearman(x: &[f64], y: &[f64]) -> Result<(f64, f64)> {
    same_len(x, y)?;
    let (mut r, mut p) = (0.0, 0.0);
    check(unsafe { sys::mirs_stats_spearman(x.as_ptr(), y.as_ptr(), x.len(), &mut r, &mut p) })?;
    Ok((r, p))
}

/// Kendall's tau-b and its p-value.
pub fn kendall(x: &[f64], y: &[f64]) -> Result<(f64, f64)> {
    same_len(x, y)?;
    let (mut r, mut p) = (0.0, 0.0);
    check(unsafe { sys::mirs_stats_kendall(x.as_ptr(), y.as_ptr(), x.len(), &mut r, &mut p) })?;
    Ok((r, p))
}

/// Welch's t-test: (t, df, p).
pub fn welch(a: &[f64], b: &[f64]) -> Result<(f64, f64, f64)> {
    let (mut t, mut df, mut p) = (0.0, 0.0, 0.0);
    check(unsafe { sys::mirs_stats_welch(a.as_ptr(), a.len(), b.as_ptr(), b.len(), &mut t, &mut df, &mut p) })?;
    Ok((t, df, p))
}

/// Welch's t-test from (count, mean, unbiased variance) of each group: (t, df, p).
pub fn welch_moments(na: f64, mean_a: f64, var_a: f64, nb: f64, mean_b: f64, var_b: f64) -> Result<(f64, f64, f64)> {
    let (mut t, mut df, mut p) = (0.0, 0.0, 0.0);
    check(unsafe { sys::mirs_stats_welch_moments(na, mean_a, var_a, nb, mean_b, var_b, &mut t, &mut df, &mut p) })?;
    Ok((t, df, p))
}

/// Mann–Whitney U (of sample a) and two-sided p.
pub fn mann_whitney(a: &[f64], b: &[f64], method: crate::MwuMethod) -> Result<(f64, f64)> {
    let (mut u, mut p) = (0.0, 0.0);
    check(unsafe {
        sys::mirs_stats_mann_whitney(a.as_ptr(), a.len(), b.as_ptr(), b.len(), method.raw(), &mut u, &mut p)
    })?;
    Ok((u, p))
}

/// Cohen's d with the pooled standard deviation.
pub fn cohen_d(a: &[f64], b: &[f64]) -> Result<f64> {
    let mut d = 0.0;
    check(unsafe { sys::mirs_stats_cohen_d(a.as_ptr(), a.len(), b.as_ptr(), b.len(), &mut d) })?;
    Ok(d)
}

/// AUROC of `pos` above `neg`.
pub fn auroc(pos: &[f64], neg: &[f64]) -> Result<f64> {
    let mut a = 0.0;
    check(unsafe { sys::mirs_stats_auroc(pos.as_ptr(), pos.len(), neg.as_ptr(), neg.len(), &mut a) })?;
    Ok(a)
}

/// Percentile bootstrap interval of the AUROC.
pub fn auroc_bootstrap(pos: &[f64], neg: &[f64], reps: u32, seed: u64, confidence: f64) -> Result<Interval> {
    let (mut lo, mut hi) = (0.0, 0.0);
    check(unsafe {
        sys::mirs_stats_auroc_bootstrap(
            pos.as_ptr(),
            pos.len(),
            neg.as_ptr(),
            neg.len(),
            reps,
            seed,
            confidence,
            &mut lo,
            &mut hi,
        )
    })?;
    Ok(Interval { lo, hi })
}

pub fn normal_cdf(x: f64) -> f64 {
    unsafe { sys::mirs_stats_normal_cdf(x) }
}
pub fn normal_quantile(p: f64) -> f64 {
    unsafe { sys::mirs_stats_normal_quantile(p) }
}
/// P(T > t).
pub fn t_sf(t: f64, df: f64) -> f64 {
    unsafe { sys::mirs_stats_t_sf(t, df) }
}
/// Regularised incomplete beta I_x(a, b).
pub fn beta_inc(a: f64, b: f64, x: f64) -> f64 {
    unsafe { sys::mirs_stats_beta_inc(a, b, x) }
}
pub fn beta_quantile(a: f64, b: f64, p: f64) -> f64 {
    unsafe { sys::mirs_stats_beta_quantile(a, b, p) }
}
