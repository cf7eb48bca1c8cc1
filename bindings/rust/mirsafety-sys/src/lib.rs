//! Raw declarations of libmirsafety's C API, generated from `include/mirsafety/*.h` by
//! `bindings/gen/generate.py` (see `bindings.rs`). Every function is `unsafe`; the `mirsafety` crate is the
//! safe layer. Structs are `#[repr(C)]` with their size and alignment asserted at compile time; opaque handles are
//! zero-sized `#[repr(C)]` types that are neither `Send`, `Sync` nor `Unpin`.
//!
//! The library is not linked: it is opened at the first call ([`load`]), from the path the build script found
//! (`MIRSAFETY_LIB_DIR`, pkg-config, this repository's `build/lib`) or else by its soname ([`SONAME`]) through the
//! dynamic loader's search, and its version is checked against the header. A first call that finds no usable
//! library panics with the places tried; call [`load`] first to get that as a [`LoadError`] instead.
#[rustfmt::skip] // generated (bindings/gen/generate.py)
#[allow(non_camel_case_types, non_upper_case_globals, non_snake_case, clippy::all)]
mod bindings;
pub use bindings::*;

mod load;
pub use load::{library_path, load, version_compatible, LoadError, LoadErrorKind};

#[cfg(test)]
mod tests {
    use super::*;

    /// Field offsets, sizes and alignments of the Rust structs equal the C layout the generator recorded from
    /// clang (bindings/tests/layout_check.c checks the C compiler against the same numbers).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn layout_matches_c() {
        let rust = rust_layout();
        assert_eq!(rust.len(), C_LAYOUT.len());
        for ((name, size, align, fields), (cname, csize, calign, cfields)) in rust.iter().zip(C_LAYOUT.iter()) {
            assert_eq!(name, cname);
            assert_eq!((size, align), (csize, calign), "{}: size/align", name);
            assert_eq!(fields.len(), cfields.len(), "{}: field count", name);
            for ((f, off), (cf, coff)) in fields.iter().zip(cfields.iter()) {
                assert_eq!((f, off), (cf, coff), "{}.{} offset", name, f);
                println!("{} {} {}", name, f, off);
            }
            println!("{} size {} align {}", name, size, align);
        }
    }

    #[test]
    fn version_matches_header() {
        unsafe {
            assert_eq!(mirs_version_major(), MIRS_VERSION_MAJOR);
            assert_eq!(mirs_version_minor(), MIRS_VERSION_MINOR);
            assert_eq!(mirs_version_patch(), MIRS_VERSION_PATCH);
            assert_eq!(mirs_version_number(), MIRS_VERSION_NUMBER);
            let s = std::ffi::CStr::from_ptr(mirs_version_string());
            assert_eq!(s.to_str().unwrap(), MIRS_VERSION_STRING);
        }
    }
}
