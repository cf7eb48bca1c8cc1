#![cfg(mirs_module = "image")]
//! image.h through the safe layer.
use mirsafety::image::{self, CompositeOptions, DecodeOptions, EncodeOptions, Image};
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
    assert_eq!(image::detect_format(&raw), sys::MIRS_IMAGE_FORMAT_PNG);
    assert_eq!(image::format_name(sys::MIRS_IMAGE_FORMAT_JPEG), Some("jpeg"));
    assert_eq!(image::format_mime(sys::MIRS_IMAGE_FORMAT_PNG), Some("image/png"));
    assert_eq!(image::layout_channels(sys::MIRS_LAYOUT_RGBA8), 4);
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
        (sys::MIRS_LAYOUT_RGB8, 3, a.width() as usize * 3)
    );
    assert_eq!(a.source_format(), sys::MIRS_IMAGE_FORMAT_PNG);
    assert_eq!(a.source_size(), (a.width(), a.height()));
    assert_eq!(a.warning_count(), 0);
    assert_eq!(a.decode_threads(), 1);
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
    let r = a.resize(3, 2, sys::MIRS_RESIZE_AREA).unwrap();
    assert_eq!((r.width(), r.height(), r.pixels().len()), (3, 2, 18));
    assert_eq!(image::smart_resize(1080, 1920, 28, 3136, 1003520).unwrap(), (728, 1316));
}

#[test]
fn pixels_and_composite() {
    let px: Vec<u8> = (0..2 * 3 * 3).map(|i| i as u8).collect();
    let a = Image::from_pixels(3, 2, sys::MIRS_LAYOUT_RGB8, &px, 9).unwrap();
    assert_eq!(a.pixels(), &px[..]);
    assert!(Image::from_pixels(3, 2, sys::MIRS_LAYOUT_RGB8, &px[..10], 9).is_err());
    let b = Image::from_pixels(1, 1, sys::MIRS_LAYOUT_GRAY8, &[7], 1).unwrap();
    let mut o = CompositeOptions::default();
    o.raw.spacing = 1;
    let c = image::composite(&[&a, &b], &o).unwrap();
    assert_eq!((c.width(), c.height()), (3 + 1 + 3, 2));
    std::thread::scope(|s| {
        s.spawn(|| assert_eq!(a.pixels().len(), 18));
    });
}

#[test]
fn jpeg_in_two_bands_equals_one_thread() {
    let (w, h) = (640u32, 480u32);
    let px: Vec<u8> = (0..w * h * 3).map(|i| ((i % 1531) * 7 % 251) as u8).collect();
    let src = Image::from_pixels(w, h, sys::MIRS_LAYOUT_RGB8, &px, w as usize * 3).unwrap();
    let mut e = EncodeOptions::default();
    e.raw.format = sys::MIRS_IMAGE_FORMAT_JPEG;
    let jpg = src.encode(&e).unwrap();
    let mut o = DecodeOptions::default();
    o.raw.threads = 1;
    let one = Image::decode_memory(&jpg, &o).unwrap();
    o.raw.threads = 2;
    let two = Image::decode_memory(&jpg, &o).unwrap();
    assert_eq!((one.decode_threads(), two.decode_threads()), (1, 2));
    assert_eq!(one.pixels(), two.pixels());
}
