#![cfg(mirs_module = "image")]
//! image.h through the safe layer.
use mirsafety::image::{
    self, BatchInput, BatchOptions, BatchSource, CompositeOptions, DecodeOptions, EncodeOptions, Image, Prepared,
};
use mirsafety::sys;
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../tests/data/image")
        .join(name)
}

#[test]
fn decode_probe_encode() {
    let raw = std::fs::read(data("rgb.png")).unwrap();
    assert_eq!(image::detect_format(&raw), mirsafety::ImageFormat::Png);
    assert_eq!(image::format_name(mirsafety::ImageFormat::Jpeg), "jpeg");
    assert_eq!(image::format_mime(mirsafety::ImageFormat::Png), "image/png");
    assert_eq!(image::layout_channels(mirsafety::Layout::Rgba8), 4);
    let o = DecodeOptions::default();
    let info = image::probe_memory(&raw, &o).unwrap();
    assert_eq!(image::probe_file(data("rgb.png"), &o).unwrap().width, info.width);
    assert!(image::check_limits(&info, &o).is_ok());
    let mut big = info;
    big.width = 50000;
    assert_eq!(image::check_limits(&big, &o).unwrap_err().status(), sys::MIRS_E_LIMIT);
    let a = Image::decode_memory(&raw, &o).unwrap();
    let b = Image::decode_file(data("rgb.png"), &o).unwrap();
    assert_eq!((a.width(), a.height()), (info.width, info.height));
    assert_eq!(a.pixels(), b.pixels());
    assert_eq!(
        (a.layout(), a.channels(), a.stride()),
        (mirsafety::Layout::Rgb8, 3, a.width() as usize * 3)
    );
    assert_eq!(a.source_format(), mirsafety::ImageFormat::Png);
    assert_eq!(a.source_size(), (a.width(), a.height()));
    assert_eq!(a.warning_count(), 0);
    let png = a.encode(&EncodeOptions::default()).unwrap();
    let c = Image::decode_memory(&png, &o).unwrap();
    assert_eq!(c.pixels(), a.pixels());
    assert_eq!(c.checksum().unwrap(), a.checksum().unwrap());
    assert_eq!(
        image::checksum_bytes(&raw),
        image::checksum_file(data("rgb.png")).unwrap()
    );
    assert!(a
        .data_url(&EncodeOptions::default())
        .unwrap()
        .starts_with("data:image/png;base64,"));
    assert_eq!(
        image::data_url(&raw).unwrap(),
        image::data_url_file(data("rgb.png"), 0).unwrap()
    );
    assert_eq!(image::base64(b"hi?").unwrap(), "aGk/");
    let e = Image::decode_memory(&raw[..raw.len() / 2], &o).err().unwrap();
    assert_eq!(e.status(), sys::MIRS_E_TRUNCATED);
    let r = a.resize(3, 2, mirsafety::ResizeMethod::Area).unwrap();
    assert_eq!((r.width(), r.height(), r.pixels().len()), (3, 2, 18));
    assert_eq!(image::smart_resize(1080, 1920, 28, 3136, 1003520).unwrap(), (728, 1316));
}

#[test]
fn pixels_and_composite() {
    let px: Vec<u8> = (0..2 * 3 * 3).map(|i| i as u8).collect();
    let a = Image::from_pixels(3, 2, mirsafety::Layout::Rgb8, &px, 9).unwrap();
    assert_eq!(a.pixels(), &px[..]);
    assert!(Image::from_pixels(3, 2, mirsafety::Layout::Rgb8, &px[..10], 9).is_err());
    let b = Image::from_pixels(1, 1, mirsafety::Layout::Gray8, &[7], 1).unwrap();
    let o = CompositeOptions::default()
        .spacing(1)
        .arrangement(mirsafety::Arrangement::Row);
    let c = image::composite(&[&a, &b], &o).unwrap();
    assert_eq!((c.width(), c.height()), (3 + 1 + 3, 2));
    std::thread::scope(|s| {
        s.spawn(|| assert_eq!(a.pixels().len(), 18));
    });
}

#[test]
fn prepare_batch_keeps_order_and_per_input_errors() {
    let (w, h) = (640u32, 480u32);
    let px: Vec<u8> = (0..w * h * 3).map(|i| ((i % 1531) * 7 % 251) as u8).collect();
    let src = Image::from_pixels(w, h, mirsafety::Layout::Rgb8, &px, w as usize * 3).unwrap();
    let e = EncodeOptions::default()
        .format(mirsafety::ImageFormat::Jpeg)
        .jpeg_quality(90);
    let jpg = src.encode(&e).unwrap();
    let o = DecodeOptions::default();
    let want = Image::decode_memory(&jpg, &o).unwrap();
    let png_path = data("rgb.png");
    let missing = data("missing.png");
    let inputs = [
        BatchInput {
            source: BatchSource::Memory(&jpg),
            target: None,
        },
        BatchInput {
            source: BatchSource::File(&missing),
            target: None,
        },
        BatchInput {
            source: BatchSource::Memory(&jpg[..jpg.len() / 2]),
            target: None,
        },
        BatchInput {
            source: BatchSource::File(&png_path),
            target: None,
        },
        BatchInput {
            source: BatchSource::Memory(&jpg),
            target: Some((100, 75)),
        },
    ];
    let bo = BatchOptions::default();
    for threads in [1u32, 2, 4] {
        let bo = bo.threads(threads);
        let out = image::prepare_batch(&inputs, &bo, None, None).unwrap();
        assert_eq!(out.len(), 5);
        match &out[0] {
            Ok(Prepared::Image(i)) => assert_eq!(i.pixels(), want.pixels()),
            r => panic!("input 0: {:?}", r),
        }
        let err = out[1].as_ref().unwrap_err();
        assert_eq!(err.status(), sys::MIRS_E_NOT_FOUND);
        assert!(err.message().contains("missing.png"));
        assert_eq!(out[2].as_ref().unwrap_err().status(), sys::MIRS_E_TRUNCATED);
        match &out[3] {
            Ok(Prepared::Image(i)) => {
                assert_eq!(i.pixels(), Image::decode_file(&png_path, &o).unwrap().pixels())
            }
            r => panic!("input 3: {:?}", r),
        }
        let hint = DecodeOptions::default().target_size(100, 75);
        let quarter = Image::decode_memory(&jpg, &hint).unwrap();
        assert_eq!((quarter.width(), quarter.height()), (160, 120));
        let r = quarter.resize(100, 75, mirsafety::ResizeMethod::Bicubic).unwrap();
        match &out[4] {
            Ok(Prepared::Image(i)) => assert_eq!(i.pixels(), r.pixels()),
            r => panic!("input 4: {:?}", r),
        }
    }
    let out = image::prepare_batch(&inputs[..2], &bo, Some(&o), Some(&EncodeOptions::default())).unwrap();
    match &out[0] {
        Ok(Prepared::Encoded(b)) => {
            assert_eq!(&b[..4], b"\x89PNG");
            assert_eq!(Image::decode_memory(b, &o).unwrap().pixels(), want.pixels());
        }
        r => panic!("encoded: {:?}", r),
    }
    assert!(out[1].is_err());
    // An out-of-range method cannot reach the library: it is refused where it would become a ResizeMethod, with
    // the status the library gives it.
    assert_eq!(
        mirsafety::ResizeMethod::try_from(42).unwrap_err().status(),
        sys::MIRS_E_INVALID_ARGUMENT
    );
    let mut raw: sys::mirs_image_batch_options = unsafe { std::mem::zeroed() };
    unsafe { sys::mirs_image_batch_options_init(&mut raw, std::mem::size_of_val(&raw)) };
    raw.resize_method = 42;
    let mut b = std::ptr::null_mut();
    assert_eq!(unsafe { sys::mirs_image_batch_new(&mut b) }, sys::MIRS_OK);
    assert_eq!(
        unsafe { sys::mirs_image_batch_run(b, &raw, std::ptr::null_mut()) },
        sys::MIRS_E_INVALID_ARGUMENT
    );
    unsafe { sys::mirs_image_batch_free(b) };
}

#[test]
fn every_option_reaches_the_library() {
    let raw = std::fs::read(data("rgb.png")).unwrap();
    let d = DecodeOptions::new();
    let full = Image::decode_memory(&raw, &d).unwrap();
    let e = Image::decode_memory(&raw, &d.max_width(1)).unwrap_err();
    assert_eq!(e.kind(), mirsafety::ErrorKind::Limit);
    assert_eq!(
        Image::decode_memory(&raw, &d.max_input_bytes(8)).unwrap_err().kind(),
        mirsafety::ErrorKind::Limit
    );
    let g = Image::decode_memory(&raw, &d.layout(mirsafety::Layout::Gray8).png_libpng_only(true)).unwrap();
    assert_eq!(
        (g.layout(), g.channels(), g.width()),
        (mirsafety::Layout::Gray8, 1, full.width())
    );
    let e = EncodeOptions::new();
    let fast = full.encode(&e.png_level(0)).unwrap();
    let small = full.encode(&e.png_level(9)).unwrap();
    assert!(fast.len() >= small.len());
    let jpg = full
        .encode(
            &e.format(mirsafety::ImageFormat::Jpeg)
                .jpeg_subsampling(mirsafety::JpegSubsampling::S444),
        )
        .unwrap();
    assert_eq!(image::detect_format(&jpg), mirsafety::ImageFormat::Jpeg);
    assert_eq!(
        full.encode(&e.format(mirsafety::ImageFormat::Jpeg).jpeg_quality(0))
            .unwrap_err()
            .kind(),
        mirsafety::ErrorKind::InvalidArgument
    );
    let c = CompositeOptions::new().margin(2).background([1, 2, 3, 255]);
    let out = image::composite(&[&full], &c).unwrap();
    assert_eq!((out.width(), out.height()), (full.width() + 4, full.height() + 4));
    assert_eq!(&out.pixels()[..3], &[1, 2, 3]);
    let col = image::composite(
        &[&full, &full],
        &CompositeOptions::new().arrangement(mirsafety::Arrangement::Column),
    )
    .unwrap();
    assert_eq!(col.height(), 2 * full.height());
    assert!(image::composite(&[&full, &full], &CompositeOptions::new().max_pixels(1)).is_err());
}
