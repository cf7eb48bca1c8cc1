//! Host safety (issue #18): what safe code can hand the library never makes it read or write out of bounds. Each
//! case is a length, a size product, a value or an order of drops that a C caller could get wrong; here it is an
//! `Err` (or a compile error: see `mirsafety::safety`). Run under ASan by the meson suite, where an out-of-bounds
//! access in the library would abort the test.
#![cfg(all(
    mirs_module = "dataset",
    mirs_module = "entropy",
    mirs_module = "image",
    mirs_module = "prompt"
))]
use mirsafety::entropy::{self, EntropyOptions};
use mirsafety::image::{self, Image};
use mirsafety::prompt::{self, PromptOptions};
use mirsafety::{sys, Dataset, ErrorKind, Filter};

fn sample() -> std::path::PathBuf {
    std::env::var_os("MIRSAFETY_SAMPLE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../examples/data/sample"))
}

#[test]
fn issue_18_reproducers() {
    let ds = Dataset::open(sample()).unwrap();
    let item = ds.get(0).unwrap();
    // The options' text fields are owned strings; the numeric ones are methods. What used to be
    // `o.raw.model = 0x10 as _` does not compile (mirsafety::safety); a model that is not a C string is refused.
    let e = PromptOptions::new(mirsafety::PromptFormat::Openai)
        .model("a\0b")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    let o = PromptOptions::new(mirsafety::PromptFormat::Openai)
        .model("m")
        .unwrap()
        .max_tokens(5);
    assert!(prompt::item_line(&item, &o).unwrap().contains("\"max_tokens\":5"));
    // Filter::relations(&[99]) kept every item: 99, -1 and 32 are no relation, refused as 9..31 are.
    for v in [99, -1, 32, 9, 31] {
        let e = mirsafety::Relation::try_from(v).unwrap_err();
        assert_eq!(
            (e.status(), e.kind()),
            (sys::MIRS_E_INVALID_ARGUMENT, ErrorKind::InvalidArgument)
        );
    }
    // The C library refuses the same bits in a raw filter (bits 9..31; 32 and more cannot be set in a u32).
    let mut raw: sys::mirs_filter = unsafe { std::mem::zeroed() };
    unsafe { sys::mirs_filter_init(&mut raw, std::mem::size_of_val(&raw)) };
    raw.relations = 1 << 9;
    let mut it = std::ptr::null_mut();
    assert_eq!(
        unsafe { sys::mirs_iter_new(ds.as_ptr(), &raw, &mut it) },
        sys::MIRS_E_INVALID_ARGUMENT
    );
    // Every relation the enum can hold keeps a strict subset.
    for r in mirsafety::Relation::ALL {
        let n = ds.iter_filtered(&Filter::new().relations(&[r])).unwrap().len();
        assert!(n < ds.len());
    }
}

#[test]
fn sizes_that_overflow_are_errors_not_short_buffers() {
    let o = EntropyOptions::new();
    let big = usize::MAX / 2 + 1;
    // [2^63, 2, 1, 1] wraps to 0 elements in usize arithmetic: refused before the library sees it.
    let e = entropy::view::<f32>(&[], [big, 2, 1, 1], &o).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Overflow | ErrorKind::Mismatch), "{}", e);
    let e = entropy::reduce(&[], big, 2, 1, mirsafety::Axes::NONE).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Overflow | ErrorKind::Mismatch), "{}", e);
    let mut acc = entropy::Accumulator::new(1, 1, 4, 0.0, 1.0).unwrap();
    let e = acc.add_item(mirsafety::EntropyLabel::Safe, &[], big, 2, 1).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Overflow | ErrorKind::Mismatch), "{}", e);
    assert_eq!(
        entropy::npy_write_f64("/nonexistent/x.npy", &[], &[big, 2])
            .unwrap_err()
            .kind(),
        ErrorKind::Overflow
    );
    // rows_spans: nrows * nspans must not wrap.
    let e = entropy::rows_spans(&[0.25f32, 0.25, 0.5], 3, &[(0, 1), (1, 2), (2, 3)], &o).unwrap();
    assert_eq!(e.1, vec![0.25, 0.25, 0.5]);
    // Lengths that are not whole rows.
    assert_eq!(
        entropy::rows(&[0.5f32; 3], 2, &o).unwrap_err().kind(),
        ErrorKind::Mismatch
    );
    assert_eq!(
        entropy::rows(&[0.5f32; 3], 0, &o).unwrap_err().kind(),
        ErrorKind::Mismatch
    );
    assert_eq!(
        prompt::permutation("k", 0, usize::MAX).unwrap_err().kind(),
        ErrorKind::Limit
    );
}

#[test]
fn pixel_slices_shorter_than_the_image_are_refused() {
    let px = [0u8; 12];
    for (w, h, stride, n) in [
        (2u32, 2u32, 6usize, 11usize),
        (2, 2, 5, 12),
        (4, 1, 12, 11),
        (1, 3, 4, 10),
    ] {
        let e = Image::from_pixels(w, h, mirsafety::Layout::Rgb8, &px[..n], stride).unwrap_err();
        assert_eq!(
            e.kind(),
            ErrorKind::InvalidArgument,
            "{}x{} stride {} len {}",
            w,
            h,
            stride,
            n
        );
    }
    let e = Image::from_pixels(u32::MAX, u32::MAX, mirsafety::Layout::Rgba8, &px, usize::MAX).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    let img = Image::from_pixels(2, 2, mirsafety::Layout::Rgb8, &px, 6).unwrap();
    assert_eq!(img.pixels().len(), 12);
    // Truncated and empty inputs are the library's errors, never reads past the slice.
    let png = img.encode(&image::EncodeOptions::new()).unwrap();
    for n in 0..png.len() {
        assert!(Image::decode_memory(&png[..n], &image::DecodeOptions::new()).is_err());
        assert!(image::probe_memory(&png[..n], &image::DecodeOptions::new()).is_err() || n >= 24);
    }
}

#[test]
fn tensors_from_bytes_stay_inside_them() {
    // A .npy header that claims more data than there is, and every prefix of a valid file.
    let dir = std::env::temp_dir().join(format!("mirs-host-safety-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.npy");
    entropy::npy_write_f64(&path, &[0.25; 8], &[2, 4]).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    for n in 0..bytes.len() {
        if let Ok(t) = entropy::Tensor::from_bytes(&bytes[..n], None) {
            panic!("a {}-byte prefix opened: {:?}", n, t.info());
        }
    }
    let t = entropy::Tensor::from_bytes(&bytes, None).unwrap();
    assert_eq!(t.data::<f64>().map(|d| d.len()), Some(8));
    assert!(t.view("qk").unwrap().entropy(&EntropyOptions::new()).is_ok());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn handles_drop_in_any_order_the_compiler_allows() {
    let ds = Dataset::open(sample()).unwrap();
    let mut it = ds.iter();
    let first = it.next().unwrap();
    drop(it); // the item outlives its iterator: it borrows the dataset, not the iterator
    assert!(!first.key().is_empty());
    let m = mirsafety::score::Matcher::new(&["sorry"], mirsafety::MatchFlags::NONE).unwrap();
    let mut s = m.stream().unwrap();
    s.feed(b"so").unwrap();
    s.feed(b"rry").unwrap();
    assert!(s.result().unwrap().matched);
    drop(s);
    drop(m);
    // Shared across threads where the header allows it.
    std::thread::scope(|sc| {
        for _ in 0..4 {
            sc.spawn(|| {
                let item = ds.get(1).unwrap();
                prompt::item_text(&item, &PromptOptions::new(mirsafety::PromptFormat::Plain)).unwrap()
            });
        }
    });
}
