//! entropy.h through the safe layer: hand-worked entropies (ln 4, 1.5 bits, one-hot), spans, views, reductions.
#![cfg(mirs_module = "entropy")]
use mirsafety::{entropy, sys};

fn near(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn rows_by_hand() {
    assert!(["avx2", "generic"].contains(&entropy::kernel_name().as_str()));
    let mut o = entropy::default_options();
    let data = [
        0.25f32, 0.25, 0.25, 0.25, 0.5, 0.25, 0.25, 0.0, 0.0, 1.0, 0.0, 0.0,
    ];
    let h = entropy::rows_f32(&data, 4, &o).unwrap();
    assert!(near(h[0], 4f64.ln(), 1e-7) && near(h[1], 1.5 * 2f64.ln(), 1e-7) && h[2] == 0.0);
    o.bits = 1;
    o.kernel = sys::MIRS_ENTROPY_KERNEL_GENERIC;
    let h = entropy::rows_f32(&data, 4, &o).unwrap();
    assert!(near(h[1], 1.5, 1e-12));
    let (h, m) = entropy::rows_spans_f32(
        &data[..4],
        4,
        &[(0, 1), (2, 4)],
        &entropy::default_options(),
    )
    .unwrap();
    assert!(near(h[0], 3f64.ln(), 1e-7) && near(m[0], 0.25, 1e-7) && near(m[1], 0.5, 1e-7));
    let bad = [0.5f32, f32::NAN, 0.5, 0.0];
    let e = entropy::rows_f32(&bad, 4, &entropy::default_options()).unwrap_err();
    assert_eq!(e.status(), sys::MIRS_E_NUMERIC);
}

#[test]
fn view_and_reduce() {
    let t: Vec<f32> = (0..2 * 2 * 3 * 4)
        .map(|i| if i % 4 == 0 { 1.0 } else { 0.0 })
        .collect();
    let h = entropy::view_f32(&t, [2, 2, 3, 4], &entropy::default_options()).unwrap();
    assert_eq!(h.len(), 12);
    assert!(h.iter().all(|&x| x == 0.0));
    let v: Vec<f64> = (0..12).map(|i| i as f64).collect();
    let r = entropy::reduce(
        &v,
        2,
        2,
        3,
        sys::MIRS_ENTROPY_AXIS_HEADS | sys::MIRS_ENTROPY_AXIS_QUERIES,
    )
    .unwrap();
    assert_eq!(r, vec![2.5, 8.5]);
}
