//! stats.h through the safe layer. Expected values: hand-worked formulas, and scipy 1.10 (Debian 12) figures
#![cfg(mirs_module = "stats")]
//! printed to 17 digits (the C code and scipy evaluate the same formulas in double precision: 1e-9 relative).
use mirsafety::{stats, sys};

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

#[test]
fn intervals_by_hand() {
    let iv = stats::wilson(7, 20, 0.95).unwrap();
    let z = stats::normal_quantile(0.975);
    assert!(close(z, 1.959963984540054, 1e-12));
    let c = (7.0 + z * z / 2.0) / (20.0 + z * z);
    let h = z * (7.0 * 13.0 / 20.0 + z * z / 4.0).sqrt() / (20.0 + z * z);
    assert!(close(iv.lo, c - h, 1e-9) && close(iv.hi, c + h, 1e-9));
    let cp = stats::clopper_pearson(0, 10, 0.95).unwrap();
    assert_eq!(cp.lo, 0.0);
    assert!(close(cp.hi, 1.0 - 0.025f64.powf(0.1), 1e-9));
    assert_eq!(stats::wilson(0, 0, 0.95).unwrap_err().status(), sys::MIRS_E_EMPTY);
    assert_eq!(
        stats::wilson(5, 3, 0.95).unwrap_err().status(),
        sys::MIRS_E_INVALID_ARGUMENT
    );
}

#[test]
fn tests_by_hand() {
    // Exact McNemar, b=3, c=10: 2 * P(Binom(13, 1/2) <= 3) = 2 * (1 + 13 + 78 + 286) / 8192
    assert!(close(stats::mcnemar_exact(3, 10).unwrap(), 2.0 * 378.0 / 8192.0, 1e-12));
    let (d, iv) = stats::paired_difference(20, 9, 3, 18, 0.95).unwrap();
    assert!(close(d, 6.0 / 50.0, 1e-12) && iv.lo < d && d < iv.hi);
    // kappa of [[20,5],[10,15]]: po = 0.7, pe = 0.5
    assert!(close(stats::cohen_kappa(&[20, 5, 10, 15], 2).unwrap(), 0.4, 1e-12));
    assert_eq!(
        stats::cohen_kappa(&[1, 2, 3], 2).unwrap_err().status(),
        sys::MIRS_E_MISMATCH
    );
    let x = [1.0, 2.0, 3.0, 4.0, 5.0];
    let y = [2.0, 1.0, 4.0, 3.0, 5.0];
    let (rho, _) = stats::spearman(&x, &y).unwrap();
    assert!(close(rho, 0.8, 1e-12)); // 1 - 6 * 4 / (5 * 24)
    let (tau, p) = stats::kendall(&x, &y).unwrap();
    assert!(close(tau, 0.6, 1e-12)); // (8 - 2) / 10
    assert!(close(p, 0.23333333333333334, 1e-9)); // exact: scipy.stats.kendalltau
    assert_eq!(stats::spearman(&x, &y[..4]).unwrap_err().status(), sys::MIRS_E_MISMATCH);
    let a = [1.0, 2.0, 3.0, 4.0];
    let b = [2.0, 4.0, 6.0, 8.0, 10.0];
    let (t, df, _) = stats::welch(&a, &b).unwrap();
    let (t2, df2, _) = stats::welch_moments(4.0, 2.5, 5.0 / 3.0, 5.0, 6.0, 10.0).unwrap();
    assert!(close(t, t2, 1e-12) && close(df, df2, 1e-12));
    assert!(close(t, -3.5 / (5.0 / 12.0 + 2.0f64).sqrt(), 1e-12));
    let (u, _) = stats::mann_whitney(&a, &b, mirsafety::MwuMethod::Auto).unwrap();
    assert_eq!(u, 3.0); // pairs with a > b: 3>2, 4>2; ties 2=2, 4=4 count one half each
    assert!(close(stats::auroc(&a, &b).unwrap(), u / 20.0, 1e-12));
    let iv = stats::auroc_bootstrap(&a, &b, 200, 1, 0.95).unwrap();
    assert_eq!(iv, stats::auroc_bootstrap(&a, &b, 200, 1, 0.95).unwrap());
    let sp = ((3.0 * 5.0 / 3.0 + 4.0 * 10.0) / 7.0f64).sqrt();
    assert!(close(stats::cohen_d(&a, &b).unwrap(), -3.5 / sp, 1e-12));
}

#[test]
fn distributions() {
    assert!(close(stats::normal_cdf(0.0), 0.5, 1e-15));
    assert!(close(stats::t_sf(0.0, 5.0), 0.5, 1e-12));
    assert!(close(stats::beta_inc(1.0, 1.0, 0.3), 0.3, 1e-12));
    assert!(close(stats::beta_quantile(2.0, 1.0, 0.25), 0.5, 1e-9)); // I_x(2,1) = x^2
}
