//! Safe Rust API of libmirsafety, the evaluation machinery of MIR-SafetyBench.
//!
//! ```no_run
//! let ds = mirsafety::Dataset::open("examples/data/sample")?;
//! for item in ds.iter_filtered(&mirsafety::Filter::new().shard(0, 4))? {
//!     println!("{} {:?}", item.key(), item.image_files());
//! }
//! # Ok::<(), mirsafety::Error>(())
//! ```
//!
//! Handles free themselves on drop; failures are [`Error`]s holding the status ([`Error::kind`]) and the
//! library's message (copied at once). Options are builders, the header's constants are enums and flag sets
//! ([`Relation`], [`Verdict`], [`MatchFlags`], ...), and borrowed memory is tied to lifetimes: no safe code can
//! cause undefined behaviour ([`safety`] lists the guarantees and the tests that pin them). `Send`/`Sync`
//! follow the header: a [`Dataset`] is both, an [`Iter`] only `Send`. The raw layer is re-exported as [`sys`].
pub use mirsafety_sys as sys;

/// `Default` (the library's `_init` defaults for this header's struct size) and `new()` of an options builder
/// `$name { raw: $raw }`; defined before the modules so that every one of them can use it.
macro_rules! options_type {
    ($name:ident, $raw:ty, $init:path) => {
        impl Default for $name {
            fn default() -> Self {
                let mut raw = std::mem::MaybeUninit::zeroed();
                unsafe {
                    $init(raw.as_mut_ptr(), std::mem::size_of_val(&raw));
                    $name {
                        raw: raw.assume_init(),
                    }
                }
            }
        }
        impl $name {
            /// The library's defaults.
            pub fn new() -> Self {
                Self::default()
            }
        }
    };
}

pub mod client;
mod dataset;
pub mod entropy;
#[rustfmt::skip] // generated (bindings/gen/generate.py)
mod enums;
mod error;
pub mod image;
mod progress;
pub mod prompt;
pub mod report;
pub mod safety;
pub mod score;
pub mod stats;

/// The Rust blocks of docs/rust.md, run as doc tests so that the guide cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../../docs/rust.md")]
pub struct RustGuideExamples;

pub use dataset::*;
pub use enums::*;
pub use error::{clear_error, last_error, status_str, Error, Result};

/// The library's version as (major, minor, patch, string).
pub fn library_version() -> (i32, i32, i32, String) {
    unsafe {
        (
            sys::mirs_version_major(),
            sys::mirs_version_minor(),
            sys::mirs_version_patch(),
            std::ffi::CStr::from_ptr(sys::mirs_version_string())
                .to_string_lossy()
                .into_owned(),
        )
    }
}

/// The header version these bindings were generated from, as `MIRS_VERSION_NUMBER`.
pub const HEADER_VERSION_NUMBER: i32 = sys::MIRS_VERSION_NUMBER;

/// Whether a library of version `library` (major, minor) serves bindings generated from headers of version `header`
/// (docs/c-api.md, "Versions and compatibility"): the same major, and in 0.x the same minor (a 0.x minor release may
/// change the ABI); from 1.0 on the library's minor may be newer (minor releases only add). The patch never matters.
pub fn version_compatible(header: (i32, i32), library: (i32, i32)) -> bool {
    sys::version_compatible(header, library)
}

/// Opens the library if that has not been done ([`sys::load`]) and returns why it cannot be used:
/// `MIRS_E_NOT_FOUND` with each place tried, or `MIRS_E_VERSION` when the library found cannot serve the header
/// these bindings were generated from ([`version_compatible`]). Called by [`Dataset::open`]; any other first call
/// into a library that cannot be used panics with the same message (never undefined behaviour).
pub fn check_version() -> Result<()> {
    sys::load().map_err(|e| {
        let status = match e.kind() {
            sys::LoadErrorKind::Version => sys::MIRS_E_VERSION,
            _ => sys::MIRS_E_NOT_FOUND,
        };
        Error::new(status, e.message())
    })
}

/// Where the library was opened from: its path, or its soname when the dynamic loader's search found it.
pub fn library_path() -> Result<&'static str> {
    check_version()?;
    sys::library_path().map_err(|e| Error::new(sys::MIRS_E_NOT_FOUND, e.message()))
}
