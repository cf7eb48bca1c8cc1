//! Images (image.h). [`Image::pixels`] borrows the library's buffer (no copy) for as long as the image lives;
//! inputs are slices passed as they are. An image is immutable: `Send + Sync`.
use std::ffi::CStr;
use std::path::Path;
use std::ptr::{self, NonNull};

use mirsafety_sys as sys;

use crate::error::{check, cpath, empty_buf, take_bytes, take_string, Error, Result};
use crate::{Arrangement, ImageFormat, ImageInfo, JpegDct, JpegSubsampling, JpegWarnings, Layout, ResizeMethod};

fn take(b: sys::mirs_buf) -> Vec<u8> {
    take_bytes(b)
}
fn empty() -> sys::mirs_buf {
    empty_buf()
}
unsafe fn st(p: *const std::os::raw::c_char) -> &'static str {
    if p.is_null() {
        ""
    } else {
        CStr::from_ptr(p).to_str().unwrap_or("")
    }
}

impl ImageFormat {
    /// "image/png", "image/jpeg" ("" for none).
    pub fn mime(self) -> &'static str {
        unsafe { st(sys::mirs_image_format_mime(self.raw())) }
    }
}

impl Layout {
    /// Bytes per pixel (3, 4 or 1).
    pub fn channels(self) -> usize {
        unsafe { sys::mirs_image_layout_channels(self.raw()) }.max(0) as usize
    }
}

/// [`ImageFormat::name`].
pub fn format_name(format: ImageFormat) -> &'static str {
    format.name()
}
/// [`ImageFormat::mime`].
pub fn format_mime(format: ImageFormat) -> &'static str {
    format.mime()
}
/// [`Layout::channels`].
pub fn layout_channels(layout: Layout) -> usize {
    layout.channels()
}
/// The format of encoded bytes from their first bytes ([`ImageFormat::None`] when neither).
pub fn detect_format(data: &[u8]) -> ImageFormat {
    ImageFormat::from_raw(unsafe { sys::mirs_image_detect_format(data.as_ptr(), data.len()) })
        .unwrap_or(ImageFormat::None)
}

macro_rules! setter {
    ($(#[$m:meta])* $fn:ident, $field:ident, $t:ty) => {
        $(#[$m])*
        pub fn $fn(mut self, v: $t) -> Self {
            self.raw.$field = v;
            self
        }
    };
    ($(#[$m:meta])* $fn:ident, $field:ident, enum $t:ty) => {
        $(#[$m])*
        pub fn $fn(mut self, v: $t) -> Self {
            self.raw.$field = v.raw();
            self
        }
    };
}

/// Decoding options (defaults of `mirs_image_decode_options_init`; one builder method per field).
#[derive(Clone, Copy, Debug)]
pub struct DecodeOptions {
    raw: sys::mirs_image_decode_options,
}
options_type!(
    DecodeOptions,
    sys::mirs_image_decode_options,
    sys::mirs_image_decode_options_init
);
impl DecodeOptions {
    setter!(/// Pixel layout of the result (default RGB8).
        layout, layout, enum Layout);
    setter!(/// What a libjpeg warning does (default strict: an error).
        jpeg_warnings, jpeg_warnings, enum JpegWarnings);
    setter!(/// libjpeg's DCT (default exact).
        jpeg_dct, jpeg_dct, enum JpegDct);
    setter!(/// Widest image accepted.
        max_width, max_width, u32);
    setter!(/// Tallest image accepted.
        max_height, max_height, u32);
    setter!(/// Most pixels accepted.
        max_pixels, max_pixels, u64);
    setter!(/// Largest encoded input accepted, in bytes.
        max_input_bytes, max_input_bytes, u64);
    setter!(/// Largest PNG chunk accepted, in bytes.
        max_png_chunk_bytes, max_png_chunk_bytes, u32);
    setter!(/// Most PNG chunks accepted.
        max_png_chunks, max_png_chunks, u32);
    setter!(/// Most progressive JPEG scans accepted.
        max_jpeg_scans, max_jpeg_scans, u32);
    setter!(/// Most libjpeg warnings tolerated (with [`JpegWarnings::Tolerate`]).
        max_jpeg_warnings, max_jpeg_warnings, u32);
    /// A hint of the size the image will be resized to (lets JPEG decode at a reduced scale); 0 x 0: none.
    pub fn target_size(mut self, width: u32, height: u32) -> Self {
        self.raw.target_width = width;
        self.raw.target_height = height;
        self
    }
    /// Decode PNGs through libpng only (no fast path).
    pub fn png_libpng_only(mut self, yes: bool) -> Self {
        self.raw.png_libpng_only = yes as i32;
        self
    }
}

/// Encoding options (defaults of `mirs_image_encode_options_init`).
#[derive(Clone, Copy, Debug)]
pub struct EncodeOptions {
    raw: sys::mirs_image_encode_options,
}
options_type!(
    EncodeOptions,
    sys::mirs_image_encode_options,
    sys::mirs_image_encode_options_init
);
impl EncodeOptions {
    setter!(/// PNG (default) or JPEG.
        format, format, enum ImageFormat);
    setter!(/// zlib level 0..9 of PNG.
        png_level, png_level, i32);
    setter!(/// JPEG quality 1..100.
        jpeg_quality, jpeg_quality, i32);
    setter!(/// JPEG chroma subsampling.
        jpeg_subsampling, jpeg_subsampling, enum JpegSubsampling);
}

/// Options of [`prepare_batch`] (defaults of `mirs_image_batch_options_init`; its decode and encode options are
/// the arguments of `prepare_batch`).
#[derive(Clone, Copy, Debug)]
pub struct BatchOptions {
    raw: sys::mirs_image_batch_options,
}
// The C struct's two pointers stay NULL here: prepare_batch fills them for its call.
unsafe impl Send for BatchOptions {}
unsafe impl Sync for BatchOptions {}
options_type!(
    BatchOptions,
    sys::mirs_image_batch_options,
    sys::mirs_image_batch_options_init
);
impl BatchOptions {
    setter!(/// Threads (default 1, the calling thread; all joined before the call returns).
        threads, threads, u32);
    setter!(/// Resampling of inputs with a target size.
        resize_method, resize_method, enum ResizeMethod);
    /// Let JPEG decode at a reduced DCT scale when the target is much smaller.
    pub fn dct_scaling(mut self, yes: bool) -> Self {
        self.raw.dct_scaling = yes as i32;
        self
    }
}

/// Options of [`composite`] (defaults of `mirs_image_composite_options_init`).
#[derive(Clone, Copy, Debug)]
pub struct CompositeOptions {
    raw: sys::mirs_image_composite_options,
}
options_type!(
    CompositeOptions,
    sys::mirs_image_composite_options,
    sys::mirs_image_composite_options_init
);
impl CompositeOptions {
    setter!(/// Row, column or grid.
        arrangement, arrangement, enum Arrangement);
    setter!(/// Layout of the result.
        layout, layout, enum Layout);
    setter!(/// Columns of a grid.
        columns, columns, u32);
    setter!(/// Pixels between tiles.
        spacing, spacing, u32);
    setter!(/// Pixels around the tiles.
        margin, margin, u32);
    setter!(/// Background as RGBA.
        background, background, [u8; 4]);
    setter!(/// Most pixels of the result.
        max_pixels, max_pixels, u64);
}

impl ImageInfo {
    /// [`ImageInfo::format`] as an [`ImageFormat`].
    pub fn image_format(&self) -> ImageFormat {
        ImageFormat::from_raw(self.format).unwrap_or(ImageFormat::None)
    }
    /// The C struct for `mirs_image_check_limits`.
    fn to_raw(self) -> sys::mirs_image_info {
        let mut r = ImageInfo::out();
        r.format = self.format;
        r.width = self.width;
        r.height = self.height;
        r.channels = self.channels;
        r.bit_depth = self.bit_depth;
        r.has_alpha = self.has_alpha;
        r.interlaced = self.interlaced;
        r.color_model = self.color_model;
        r
    }
}

/// Header facts of an encoded image in memory.
pub fn probe_memory(data: &[u8], opts: &DecodeOptions) -> Result<ImageInfo> {
    let mut i = ImageInfo::out();
    check(unsafe { sys::mirs_image_probe_memory(data.as_ptr(), data.len(), &opts.raw, &mut i) })?;
    Ok(ImageInfo::from_raw(&i))
}
/// Header facts of an image file.
pub fn probe_file<P: AsRef<Path>>(path: P, opts: &DecodeOptions) -> Result<ImageInfo> {
    let c = cpath(path.as_ref())?;
    let mut i = ImageInfo::out();
    check(unsafe { sys::mirs_image_probe_file(c.as_ptr(), &opts.raw, &mut i) })?;
    Ok(ImageInfo::from_raw(&i))
}

/// Applies decoding's width, height and pixel limits to a probed header (Err LIMIT, or CORRUPT for a zero size).
pub fn check_limits(info: &ImageInfo, opts: &DecodeOptions) -> Result<()> {
    let raw = info.to_raw();
    check(unsafe { sys::mirs_image_check_limits(&raw, &opts.raw) }).map(|_| ())
}

/// A decoded or built 8-bit image. Freed on drop.
pub struct Image {
    ptr: NonNull<sys::mirs_image>,
}
// The header: "An image is immutable once returned: any number of threads may read one image at once".
unsafe impl Send for Image {}
unsafe impl Sync for Image {}

impl Image {
    fn wrap(p: *mut sys::mirs_image) -> Result<Image> {
        NonNull::new(p)
            .map(|ptr| Image { ptr })
            .ok_or_else(|| Error::new(sys::MIRS_E_INTERNAL, "NULL image"))
    }
    pub fn as_ptr(&self) -> *const sys::mirs_image {
        self.ptr.as_ptr()
    }
    /// Decodes PNG/JPEG bytes.
    pub fn decode_memory(data: &[u8], opts: &DecodeOptions) -> Result<Image> {
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_image_decode_memory(data.as_ptr(), data.len(), &opts.raw, &mut out) })?;
        Self::wrap(out)
    }
    /// Decodes a PNG/JPEG file.
    pub fn decode_file<P: AsRef<Path>>(path: P, opts: &DecodeOptions) -> Result<Image> {
        let c = cpath(path.as_ref())?;
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_image_decode_file(c.as_ptr(), &opts.raw, &mut out) })?;
        Self::wrap(out)
    }
    /// A new image from pixels (rows `stride` bytes apart); the library copies them.
    pub fn from_pixels(width: u32, height: u32, layout: Layout, pixels: &[u8], stride: usize) -> Result<Image> {
        let ch = layout.channels();
        let need = (height as usize)
            .saturating_sub(1)
            .saturating_mul(stride)
            .saturating_add(width as usize * ch);
        if ch == 0 || stride < width as usize * ch || pixels.len() < need {
            return Err(Error::new(
                sys::MIRS_E_INVALID_ARGUMENT,
                "pixel slice smaller than width x height x channels",
            ));
        }
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_image_from_pixels(width, height, layout.raw(), pixels.as_ptr(), stride, &mut out) })?;
        Self::wrap(out)
    }
    pub fn width(&self) -> u32 {
        unsafe { sys::mirs_image_width(self.as_ptr()) }
    }
    pub fn height(&self) -> u32 {
        unsafe { sys::mirs_image_height(self.as_ptr()) }
    }
    pub fn layout(&self) -> Layout {
        Layout::from_raw(unsafe { sys::mirs_image_layout(self.as_ptr()) }).expect("an image has a layout of the header")
    }
    pub fn channels(&self) -> usize {
        unsafe { sys::mirs_image_channels(self.as_ptr()) }.max(0) as usize
    }
    pub fn stride(&self) -> usize {
        unsafe { sys::mirs_image_stride(self.as_ptr()) }
    }
    /// The pixel bytes (stride * height), borrowed from the image: no copy.
    pub fn pixels(&self) -> &[u8] {
        let p = unsafe { sys::mirs_image_pixels(self.as_ptr()) };
        let n = self.stride() * self.height() as usize;
        if p.is_null() || n == 0 {
            return &[];
        }
        // SAFETY: the header: the pixels are stride * height bytes owned by the image, immutable, freed with it.
        unsafe { std::slice::from_raw_parts(p, n) }
    }
    /// The format the image was decoded from ([`ImageFormat::None`] for one built from pixels).
    pub fn source_format(&self) -> ImageFormat {
        ImageFormat::from_raw(unsafe { sys::mirs_image_source_format(self.as_ptr()) }).unwrap_or(ImageFormat::None)
    }
    pub fn source_size(&self) -> (u32, u32) {
        unsafe {
            (
                sys::mirs_image_source_width(self.as_ptr()),
                sys::mirs_image_source_height(self.as_ptr()),
            )
        }
    }
    pub fn warning_count(&self) -> u32 {
        unsafe { sys::mirs_image_warning_count(self.as_ptr()) }
    }
    /// CRC-64/XZ of the pixel bytes.
    pub fn checksum(&self) -> Result<u64> {
        let mut v = 0;
        check(unsafe { sys::mirs_image_checksum_pixels(self.as_ptr(), &mut v) })?;
        Ok(v)
    }
    /// A resized copy.
    pub fn resize(&self, width: u32, height: u32, method: ResizeMethod) -> Result<Image> {
        let mut out = ptr::null_mut();
        check(unsafe { sys::mirs_image_resize(self.as_ptr(), width, height, method.raw(), &mut out) })?;
        Self::wrap(out)
    }
    /// PNG or JPEG bytes.
    pub fn encode(&self, opts: &EncodeOptions) -> Result<Vec<u8>> {
        let mut b = empty();
        check(unsafe { sys::mirs_image_encode(self.as_ptr(), &opts.raw, &mut b) })?;
        Ok(take(b))
    }
    /// The encoded image as a data: URL.
    pub fn data_url(&self, opts: &EncodeOptions) -> Result<String> {
        let mut b = empty();
        check(unsafe { sys::mirs_image_encode_data_url(self.as_ptr(), &opts.raw, &mut b) })?;
        Ok(take_string(b))
    }
}
impl Drop for Image {
    fn drop(&mut self) {
        unsafe { sys::mirs_image_free(self.ptr.as_ptr()) }
    }
}

pub fn checksum_bytes(data: &[u8]) -> u64 {
    unsafe { sys::mirs_image_checksum_bytes(data.as_ptr(), data.len()) }
}
pub fn checksum_file<P: AsRef<Path>>(path: P) -> Result<u64> {
    let c = cpath(path.as_ref())?;
    let mut v = 0;
    check(unsafe { sys::mirs_image_checksum_file(c.as_ptr(), &mut v) })?;
    Ok(v)
}
/// Qwen2-VL's smart_resize: (height, width).
pub fn smart_resize(height: u32, width: u32, factor: u32, min_pixels: u64, max_pixels: u64) -> Result<(u32, u32)> {
    let (mut h, mut w) = (0, 0);
    check(unsafe { sys::mirs_image_smart_resize(height, width, factor, min_pixels, max_pixels, &mut h, &mut w) })?;
    Ok((h, w))
}
pub fn base64(data: &[u8]) -> Result<String> {
    let mut b = empty();
    check(unsafe { sys::mirs_image_base64(data.as_ptr(), data.len(), &mut b) })?;
    Ok(take_string(b))
}
/// data: URL of encoded PNG/JPEG bytes.
pub fn data_url(data: &[u8]) -> Result<String> {
    let mut b = empty();
    check(unsafe { sys::mirs_image_data_url(data.as_ptr(), data.len(), &mut b) })?;
    Ok(take_string(b))
}
pub fn data_url_file<P: AsRef<Path>>(path: P, max_bytes: u64) -> Result<String> {
    let c = cpath(path.as_ref())?;
    let mut b = empty();
    check(unsafe { sys::mirs_image_data_url_file(c.as_ptr(), max_bytes, &mut b) })?;
    Ok(take_string(b))
}
/// Tiles images into a new one.
pub fn composite(images: &[&Image], opts: &CompositeOptions) -> Result<Image> {
    let ptrs: Vec<*const sys::mirs_image> = images.iter().map(|i| i.as_ptr()).collect();
    let mut out = ptr::null_mut();
    check(unsafe { sys::mirs_image_composite(ptrs.as_ptr(), ptrs.len(), &opts.raw, &mut out) })?;
    Image::wrap(out)
}

/// Where one input of [`prepare_batch`] comes from.
#[derive(Clone, Copy, Debug)]
pub enum BatchSource<'a> {
    File(&'a Path),
    Memory(&'a [u8]),
}

/// One input of [`prepare_batch`]: its source and, optionally, the exact size of its result.
#[derive(Clone, Copy, Debug)]
pub struct BatchInput<'a> {
    pub source: BatchSource<'a>,
    pub target: Option<(u32, u32)>,
}

/// One result of [`prepare_batch`]: the image, or its encoded bytes when encode options were given.
#[derive(Debug)]
pub enum Prepared {
    Image(Image),
    Encoded(Vec<u8>),
}

impl std::fmt::Debug for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Image({}x{}, {:?})", self.width(), self.height(), self.layout())
    }
}

struct Batch(*mut sys::mirs_image_batch);
impl Drop for Batch {
    fn drop(&mut self) {
        unsafe { sys::mirs_image_batch_free(self.0) }
    }
}

/// Decodes (resizes, encodes) many inputs in one call on [`BatchOptions::threads`] threads (default 1; all joined
/// before it returns), through `mirs_image_batch_run()`, with `decode` and `encode` options (None: defaults, and
/// images rather than encoded bytes). The outer `Err` is a call that could not run (bad options, no memory); each input has its own
/// inner `Result`, in input order, and a failed input never stops the others.
pub fn prepare_batch(
    inputs: &[BatchInput<'_>],
    opts: &BatchOptions,
    decode: Option<&DecodeOptions>,
    encode: Option<&EncodeOptions>,
) -> Result<Vec<Result<Prepared>>> {
    let mut raw = opts.raw;
    raw.decode = decode.map_or(ptr::null(), |d| &d.raw as *const _);
    raw.encode = encode.map_or(ptr::null(), |e| &e.raw as *const _);
    let mut p = ptr::null_mut();
    check(unsafe { sys::mirs_image_batch_new(&mut p) })?;
    let b = Batch(p);
    for inp in inputs {
        let (tw, th) = inp.target.unwrap_or((0, 0));
        match inp.source {
            BatchSource::File(path) => {
                let c = cpath(path)?;
                check(unsafe { sys::mirs_image_batch_add_file(b.0, c.as_ptr(), tw, th) })?;
            }
            BatchSource::Memory(data) => {
                // The slices outlive the run: they are borrowed for this whole function.
                check(unsafe { sys::mirs_image_batch_add_memory(b.0, data.as_ptr(), data.len(), tw, th) })?;
            }
        }
    }
    debug_assert_eq!(unsafe { sys::mirs_image_batch_count(b.0) }, inputs.len());
    check(unsafe { sys::mirs_image_batch_run(b.0, &raw, ptr::null_mut()) })?;
    let mut out = Vec::with_capacity(inputs.len());
    for i in 0..inputs.len() {
        let status = unsafe { sys::mirs_image_batch_status(b.0, i) };
        if status < 0 {
            let msg = unsafe { CStr::from_ptr(sys::mirs_image_batch_message(b.0, i)) };
            out.push(Err(Error::new(status, msg.to_string_lossy().into_owned())));
        } else if encode.is_some() {
            let mut n = 0usize;
            let d = unsafe { sys::mirs_image_batch_encoded(b.0, i, &mut n) };
            let v = if d.is_null() {
                Vec::new()
            } else {
                unsafe { std::slice::from_raw_parts(d, n) }.to_vec()
            };
            out.push(Ok(Prepared::Encoded(v)));
        } else {
            debug_assert!(!unsafe { sys::mirs_image_batch_image(b.0, i) }.is_null());
            let mut img = ptr::null_mut();
            check(unsafe { sys::mirs_image_batch_take_image(b.0, i, &mut img) })?;
            out.push(Ok(Prepared::Image(Image::wrap(img)?)));
        }
    }
    Ok(out)
}
