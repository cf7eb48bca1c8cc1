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
//! Handles free themselves on drop; failures are [`Error`]s holding the status and the library's message (copied
//! at once). `Send`/`Sync` follow the header: a [`Dataset`] is both, an [`Iter`] only `Send`.
//! The raw layer is re-exported as [`sys`].
pub use mirsafety_sys as sys;

mod dataset;
mod error;
mod progress;
pub mod entropy;
pub mod image;
pub mod prompt;
pub mod report;
pub mod score;
pub mod stats;

pub use dataset::*;
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

/// Fails with `MIRS_E_VERSION` when the loaded library's major.minor differs from the header these bindings were
/// generated from (patch releases only fix bugs). Called by [`Dataset::open`].
pub fn check_version() -> Result<()> {
    let (maj, min, _, s) = library_version();
    let num = unsafe { sys::mirs_version_number() };
    if maj != sys::MIRS_VERSION_MAJOR || min != sys::MIRS_VERSION_MINOR || num / 100 != HEADER_VERSION_NUMBER / 100 {
        return Err(Error::new(
            sys::MIRS_E_VERSION,
            format!(
                "libmirsafety {} is loaded but these bindings were generated from {}",
                s,
                sys::MIRS_VERSION_STRING
            ),
        ));
    }
    Ok(())
}
