//! entropy.h through the safe layer: hand-worked entropies (ln 4, 1.5 bits, one-hot), spans, views, reductions.
#![cfg(mirs_module = "entropy")]
use mirsafety::{entropy, sys};

fn near(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn rows_by_hand() {
    assert!(["avx512", "avx2", "sse2", "generic"].contains(&entropy::kernel_name().as_str()));
    let o = entropy::default_options();
    let data = [0.25f32, 0.25, 0.25, 0.25, 0.5, 0.25, 0.25, 0.0, 0.0, 1.0, 0.0, 0.0];
    let h = entropy::rows_f32(&data, 4, &o).unwrap();
    assert!(near(h[0], 4f64.ln(), 1e-7) && near(h[1], 1.5 * 2f64.ln(), 1e-7) && h[2] == 0.0);
    let o = o.bits(true).kernel(mirsafety::Kernel::Generic);
    let h = entropy::rows_f32(&data, 4, &o).unwrap();
    assert!(near(h[1], 1.5, 1e-12));
    let (h, m) = entropy::rows_spans_f32(&data[..4], 4, &[(0, 1), (2, 4)], &entropy::default_options()).unwrap();
    assert!(near(h[0], 3f64.ln(), 1e-7) && near(m[0], 0.25, 1e-7) && near(m[1], 0.5, 1e-7));
    let bad = [0.5f32, f32::NAN, 0.5, 0.0];
    let e = entropy::rows_f32(&bad, 4, &entropy::default_options()).unwrap_err();
    assert_eq!(e.status(), sys::MIRS_E_NUMERIC);
}

#[test]
fn view_and_reduce() {
    let t: Vec<f32> = (0..2 * 2 * 3 * 4).map(|i| if i % 4 == 0 { 1.0 } else { 0.0 }).collect();
    let h = entropy::view_f32(&t, [2, 2, 3, 4], &entropy::default_options()).unwrap();
    assert_eq!(h.len(), 12);
    assert!(h.iter().all(|&x| x == 0.0));
    let v: Vec<f64> = (0..12).map(|i| i as f64).collect();
    let r = entropy::reduce(&v, 2, 2, 3, mirsafety::Axes::HEADS | mirsafety::Axes::QUERIES).unwrap();
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
    assert_eq!(
        (dt, shape, strides),
        (mirsafety::Dtype::F64, vec![1, 1, 2, 4], vec![8, 8, 4, 1])
    );
    let h = t.entropy("lhqk", &entropy::default_options()).unwrap();
    assert!(near(h[0], 4f64.ln(), 1e-12) && h[1] == 0.0);
    assert_eq!(t.data::<f64>().unwrap(), &[0.25, 0.25, 0.25, 0.25, 1.0, 0.0, 0.0, 0.0]);
    assert!(t.data::<f32>().is_none());
    static ST: &[u8] = b"\x38\x00\x00\x00\x00\x00\x00\x00{\"x\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]}}\x00\x00\x00\x3f\x00\x00\x00\x3f";
    let t = entropy::Tensor::from_static(ST, Some("x")).unwrap();
    assert!(near(
        t.entropy("qk", &entropy::default_options()).unwrap()[0],
        2f64.ln(),
        1e-7
    ));
    assert_eq!(
        entropy::Tensor::from_static(ST, Some("y")).err().unwrap().status(),
        sys::MIRS_E_NOT_FOUND
    );

    let mut a = entropy::Accumulator::new(1, 1, 4, 0.0, 4.0).unwrap();
    let mut b = entropy::Accumulator::new(1, 1, 4, 0.0, 4.0).unwrap();
    for (i, x) in [3.0, 3.5, 2.5, 1.0, 1.5, 0.5].iter().enumerate() {
        let label = if i < 3 {
            mirsafety::EntropyLabel::Safe
        } else {
            mirsafety::EntropyLabel::Unsafe
        };
        (if i % 2 == 0 { &mut a } else { &mut b })
            .add_item(label, &[*x], 1, 1, 1)
            .unwrap();
    }
    a.add(mirsafety::EntropyLabel::Safe, 0, 0, f64::NAN).unwrap();
    a.merge(&b).unwrap();
    let s = a.summary(mirsafety::EntropyLabel::Safe, 0, 0).unwrap();
    assert_eq!(s.count, 3);
    assert!(near(s.mean, 3.0, 1e-12) && near(s.variance, 0.25, 1e-12));
    assert_eq!(
        a.histogram(mirsafety::EntropyLabel::Safe, 0, 0).unwrap(),
        vec![0, 0, 0, 1, 2, 0]
    ); // 2.5 in [2, 3); 3.0 and 3.5 in [3, 4)
    let back = entropy::Accumulator::from_json(&a.to_json().unwrap()).unwrap();
    assert_eq!(back.to_json().unwrap(), a.to_json().unwrap());
    let sp = dir.join("acc.json");
    a.save(sp.to_str().unwrap()).unwrap();
    let loaded = entropy::Accumulator::load(sp.to_str().unwrap()).unwrap();
    let g = loaded.compare(entropy::ALL_LAYERS, 200, 1).unwrap();
    assert_eq!((g.n_safe, g.n_unsafe), (3, 3));
    assert!(near(g.auroc, 1.0, 1e-12) && near(g.mean_safe - g.mean_unsafe, 2.0, 1e-12));
    assert!(near(
        loaded.threshold(0, mirsafety::ThresholdMethod::Midpoint).unwrap(),
        2.0,
        1e-12
    ));
    assert!(near(
        loaded.threshold(0, mirsafety::ThresholdMethod::Youden).unwrap(),
        2.0,
        1e-12
    ));

    let mut m = entropy::Monitor::new(2, 1, 0.5, &entropy::default_options()).unwrap();
    m.feed_f32(0, 0, &[0.25, 0.25, 0.25, 0.25]).unwrap();
    m.feed_f32(1, 0, &[1.0, 0.0, 0.0, 0.0]).unwrap();
    let (flag, score) = m.token_end().unwrap();
    assert!(!flag && near(score, 4f64.ln() / 2.0, 1e-7));
    assert!(near(m.layer_mean(0), 4f64.ln(), 1e-7));
    m.reset();
    assert!(m.layer_mean(0).is_nan());
    assert_eq!(m.token_end().unwrap_err().status(), sys::MIRS_E_STATE);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_dtype_by_hand() {
    use entropy::{Bf16, F16};
    // Values exact in every dtype: the four must agree to the last bit of the kernel's f64 accumulation.
    let p = [0.25f32, 0.25, 0.25, 0.25, 0.5, 0.25, 0.25, 0.0, 0.0, 1.0, 0.0, 0.0];
    let o = entropy::default_options().kernel(mirsafety::Kernel::Generic);
    let h32 = entropy::rows(&p, 4, &o).unwrap();
    let p64: Vec<f64> = p.iter().map(|&x| x as f64).collect();
    let p16: Vec<F16> = p.iter().map(|&x| F16::from_f32(x)).collect();
    let pb16: Vec<Bf16> = p.iter().map(|&x| Bf16::from_f32(x)).collect();
    assert_eq!(p16[0], F16(0x3400)); // 0.25 in IEEE half precision
    assert_eq!(p16[4], F16(0x3800));
    assert_eq!(pb16[0], Bf16(0x3e80)); // 0.25 in bfloat16
    let h64 = entropy::rows(&p64, 4, &o).unwrap();
    let h16 = entropy::rows(&p16, 4, &o).unwrap();
    let hb16 = entropy::rows(&pb16, 4, &o).unwrap();
    for h in [&h32, &h64, &h16, &hb16] {
        assert!(
            near(h[0], 4f64.ln(), 1e-12) && near(h[1], 1.5 * 2f64.ln(), 1e-12) && h[2] == 0.0,
            "{:?}",
            h
        );
    }
    // Logits in f16: equal logits give ln(n).
    let l = [F16::from_f32(3.0); 8];
    let h = entropy::rows(&l, 8, &entropy::default_options().logits(true)).unwrap();
    assert!(near(h[0], 8f64.ln(), 1e-6));
    // Views and spans in the other dtypes.
    assert_eq!(entropy::view(&p16, [1, 1, 3, 4], &o).unwrap(), h16);
    let (e, m) = entropy::rows_spans(&p64[..4], 4, &[(0, 1), (2, 4)], &o).unwrap();
    assert!(near(e[0], 3f64.ln(), 1e-12) && m == vec![0.25, 0.5]);
    let mut mon = entropy::Monitor::new(1, 1, 0.5, &o).unwrap();
    mon.feed(0, 0, &pb16[..4]).unwrap();
    assert!(near(mon.token_end().unwrap().1, 4f64.ln(), 1e-12));
    // A length that is not whole rows is refused before the library is called.
    assert_eq!(
        entropy::rows(&p16[..5], 4, &o).unwrap_err().status(),
        sys::MIRS_E_MISMATCH
    );
}

#[test]
fn half_precision_conversions() {
    use entropy::{Bf16, F16};
    for (f, bits) in [
        (0.0f32, 0x0000u16),
        (-0.0, 0x8000),
        (1.0, 0x3c00),
        (-2.0, 0xc000),
        (65504.0, 0x7bff),
        (65520.0, 0x7c00), // rounds up to infinity
        (f32::INFINITY, 0x7c00),
        (5.960_464_5e-8, 0x0001),              // smallest subnormal
        (f32::from_bits(0x387f_c000), 0x03ff), // largest subnormal, 1023 * 2^-24
        (1.0 + 1.0 / 2048.0, 0x3c00),          // a tie: to even
        (1.0 + 3.0 / 2048.0, 0x3c02),          // a tie: to even (up)
    ] {
        assert_eq!(F16::from_f32(f), F16(bits), "{}", f);
    }
    for b in 0..=u16::MAX {
        let h = F16(b);
        let f = h.to_f32();
        if f.is_nan() {
            assert!(F16::from_f32(f).to_f32().is_nan());
        } else {
            assert_eq!(F16::from_f32(f), h, "{:#x}", b);
        }
        let g = Bf16(b).to_f32();
        if g.is_nan() {
            assert!(Bf16::from_f32(g).to_f32().is_nan());
        } else {
            assert_eq!(Bf16::from_f32(g), Bf16(b), "{:#x}", b);
        }
    }
    assert_eq!(Bf16::from_f32(1.0 + 1.0 / 256.0), Bf16(0x3f80)); // tie to even
    assert_eq!(Bf16::from_f32(1.0 + 3.0 / 256.0), Bf16(0x3f82));
}

#[test]
fn tensor_views_and_borrowed_bytes() {
    let bytes: Vec<u8> = {
        let mut v =
            b"\x38\x00\x00\x00\x00\x00\x00\x00{\"x\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]}}"
                .to_vec();
        v.extend_from_slice(&0.5f32.to_le_bytes());
        v.extend_from_slice(&0.5f32.to_le_bytes());
        v
    };
    let t = entropy::Tensor::from_bytes(&bytes, None).unwrap();
    // 8 + 0x38 bytes of header: the data is 4-aligned only if the Vec's buffer is; either way no misaligned slice.
    match t.data::<f32>() {
        Some(d) => assert_eq!(d, &[0.5, 0.5]),
        None => assert_ne!(bytes.as_ptr() as usize % 4, 0),
    }
    let v = t.view("qk").unwrap();
    assert_eq!((v.shape(), v.dtype()), ([1, 1, 1, 2], mirsafety::Dtype::F32));
    assert!(near(
        v.entropy(&entropy::default_options()).unwrap()[0],
        2f64.ln(),
        1e-7
    ));
    assert!(t.view("lhqkx").err().unwrap().status() < 0);
    // Views and tensors are shareable.
    std::thread::scope(|s| {
        s.spawn(|| assert_eq!(v.shape()[3], 2));
        s.spawn(|| assert_eq!(t.info().1, vec![1, 2]));
    });
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<entropy::Tensor<'static>>();
    send_sync::<entropy::TensorView<'static>>();
    send::<entropy::Accumulator>();
    send::<entropy::Monitor>();
}

#[test]
fn every_option_reaches_the_library() {
    let p = [0.25f32, 0.25, 0.25, 0.25, 0.5, f32::NAN, 0.5, 0.0];
    let o = entropy::EntropyOptions::new();
    assert_eq!(entropy::rows(&p, 4, &o).unwrap_err().status(), sys::MIRS_E_NUMERIC);
    let h = entropy::rows(&p, 4, &o.policy(mirsafety::EntropyPolicy::Skip)).unwrap();
    assert!(near(h[0], 4f64.ln(), 1e-7) && h[1].is_nan());
    let h = entropy::rows(&p[..4], 4, &o.normalize(true)).unwrap();
    assert!(near(h[0], 1.0, 1e-7));
    // A row summing to 1.01 passes a tolerance of 0.1, not the default 1e-3.
    let q = [0.26f32, 0.25, 0.25, 0.25];
    assert!(entropy::rows(&q, 4, &o).is_err());
    assert!(entropy::rows(&q, 4, &o.tolerance(0.1)).is_ok());
    // Logits [0, ln 3] at temperature 1 are probabilities [1/4, 3/4]; at a huge temperature nearly uniform.
    let l = [0.0f64, 3f64.ln()];
    let t1 = entropy::rows(&l, 2, &o.logits(true)).unwrap()[0];
    assert!(near(t1, -(0.25 * 0.25f64.ln() + 0.75 * 0.75f64.ln()), 1e-12));
    let hot = entropy::rows(&l, 2, &o.logits(true).temperature(1e9)).unwrap()[0];
    assert!(near(hot, 2f64.ln(), 1e-9));
    assert_eq!(
        entropy::rows(&l, 2, &o.logits(true).temperature(0.0))
            .unwrap_err()
            .status(),
        sys::MIRS_E_INVALID_ARGUMENT
    );
    let many: Vec<f32> = (0..4096 * 16).map(|i| ((i * 7 % 13) + 1) as f32).collect();
    let a = entropy::rows(&many, 16, &o.logits(true)).unwrap();
    let b = entropy::rows(&many, 16, &o.logits(true).threads(2)).unwrap();
    assert_eq!(a, b);
}
