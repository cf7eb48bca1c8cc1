//! entropy.h through the safe layer: hand-worked entropies (ln 4, 1.5 bits, one-hot), spans, views, reductions.
#![cfg(mirs_module = "entropy")]
use mirsafety::{entropy, sys};

fn near(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn rows_by_hand() {
    assert!(["avx512", "avx2", "sse2", "generic"].contains(&entropy::kernel_name().as_str()));
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

#[test]
fn tensors_accumulators_monitor() {
    // A .npy written by the library and read back: [1, 1, 2, 4] f64.
    let dir = std::env::temp_dir().join(format!("mirs-entropy-rs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("a.npy");
    let p = path.to_str().unwrap();
    entropy::npy_write_f64(p, &[0.25, 0.25, 0.25, 0.25, 1.0, 0.0, 0.0, 0.0], &[1, 1, 2, 4]).unwrap();
    let t = entropy::Tensor::open(p, None).unwrap();
    let (dt, shape, strides) = t.info();
    assert_eq!((dt, shape, strides), (sys::MIRS_ENTROPY_F64, vec![1, 1, 2, 4], vec![8, 8, 4, 1]));
    let h = t.entropy("lhqk", &entropy::default_options()).unwrap();
    assert!(near(h[0], 4f64.ln(), 1e-12) && h[1] == 0.0);
    static ST: &[u8] = b"\x38\x00\x00\x00\x00\x00\x00\x00{\"x\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]}}\x00\x00\x00\x3f\x00\x00\x00\x3f";
    let t = entropy::Tensor::from_static(ST, Some("x")).unwrap();
    assert!(near(t.entropy("qk", &entropy::default_options()).unwrap()[0], 2f64.ln(), 1e-7));
    assert_eq!(entropy::Tensor::from_static(ST, Some("y")).err().unwrap().status(), sys::MIRS_E_NOT_FOUND);

    let mut a = entropy::Accumulator::new(1, 1, 4, 0.0, 4.0).unwrap();
    let mut b = entropy::Accumulator::new(1, 1, 4, 0.0, 4.0).unwrap();
    for (i, x) in [3.0, 3.5, 2.5, 1.0, 1.5, 0.5].iter().enumerate() {
        let label = if i < 3 { sys::MIRS_ENTROPY_LABEL_SAFE } else { sys::MIRS_ENTROPY_LABEL_UNSAFE };
        (if i % 2 == 0 { &mut a } else { &mut b }).add_item(label, &[*x], 1, 1, 1).unwrap();
    }
    a.add(sys::MIRS_ENTROPY_LABEL_SAFE, 0, 0, f64::NAN).unwrap();
    a.merge(&b).unwrap();
    let s = a.summary(sys::MIRS_ENTROPY_LABEL_SAFE, 0, 0).unwrap();
    assert_eq!(s.count, 3);
    assert!(near(s.mean, 3.0, 1e-12) && near(s.variance, 0.25, 1e-12));
    assert_eq!(a.histogram(sys::MIRS_ENTROPY_LABEL_SAFE, 0, 0).unwrap(), vec![0, 0, 0, 1, 2, 0]); // 2.5 in [2, 3); 3.0 and 3.5 in [3, 4)
    let back = entropy::Accumulator::from_json(&a.to_json().unwrap()).unwrap();
    assert_eq!(back.to_json().unwrap(), a.to_json().unwrap());
    let sp = dir.join("acc.json");
    a.save(sp.to_str().unwrap()).unwrap();
    let loaded = entropy::Accumulator::load(sp.to_str().unwrap()).unwrap();
    let g = loaded.compare(sys::MIRS_ENTROPY_ALL_LAYERS, 200, 1).unwrap();
    assert_eq!((g.n_safe, g.n_unsafe), (3, 3));
    assert!(near(g.auroc, 1.0, 1e-12) && near(g.mean_safe - g.mean_unsafe, 2.0, 1e-12));
    assert!(near(loaded.threshold(0, sys::MIRS_ENTROPY_THRESHOLD_MIDPOINT).unwrap(), 2.0, 1e-12));
    assert!(near(loaded.threshold(0, sys::MIRS_ENTROPY_THRESHOLD_YOUDEN).unwrap(), 2.0, 1e-12));

    let mut m = entropy::Monitor::new(2, 1, 0.5, &entropy::default_options()).unwrap();
    m.feed_f32(0, 0, &[0.25, 0.25, 0.25, 0.25]).unwrap();
    m.feed_f32(1, 0, &[1.0, 0.0, 0.0, 0.0]).unwrap();
    let (flag, score) = m.token_end().unwrap();
    assert!(!flag && near(score, 4f64.ln() / 2.0, 1e-7));
    assert!(near(m.layer_mean(0).unwrap(), 4f64.ln(), 1e-7));
    m.reset();
    assert!(m.layer_mean(0).unwrap().is_nan());
    assert_eq!(m.token_end().unwrap_err().status(), sys::MIRS_E_STATE);
    std::fs::remove_dir_all(&dir).ok();
}
