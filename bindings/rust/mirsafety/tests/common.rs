//! common.h and the generated layer: version, status names, buffers, and binding coverage.
use mirsafety::sys;

#[test]
fn version() {
    let (maj, min, patch, s) = mirsafety::library_version();
    assert_eq!((maj, min), (sys::MIRS_VERSION_MAJOR, sys::MIRS_VERSION_MINOR));
    assert_eq!(s, format!("{}.{}.{}", maj, min, patch));
    assert!(mirsafety::check_version().is_ok());
    assert_eq!(mirsafety::HEADER_VERSION_NUMBER, sys::MIRS_VERSION_NUMBER);
    assert_eq!(unsafe { sys::mirs_version_number() }, maj * 10000 + min * 100 + patch);
}

#[test]
fn version_policy() {
    // docs/c-api.md "Versions and compatibility": any patch; in 0.x the same minor; from 1.0 a newer minor too.
    use mirsafety::version_compatible as ok;
    assert!(ok((0, 1), (0, 1)));
    assert!(!ok((0, 1), (0, 2)) && !ok((0, 2), (0, 1)));
    assert!(!ok((0, 1), (1, 1)) && !ok((1, 0), (2, 0)));
    assert!(ok((1, 2), (1, 2)) && ok((1, 2), (1, 5)) && !ok((1, 2), (1, 1)));
}

#[test]
fn status_names() {
    assert_eq!(mirsafety::status_str(sys::MIRS_OK), "MIRS_OK");
    assert_eq!(mirsafety::status_str(sys::MIRS_E_IO), "MIRS_E_IO");
    assert_eq!(mirsafety::status_str(sys::MIRS_E_OVERFLOW), "MIRS_E_OVERFLOW");
    assert_eq!(mirsafety::status_str(-9999), "MIRS_E_UNKNOWN");
}

#[test]
fn buf_free_accepts_zeroed_and_null() {
    let mut b = sys::mirs_buf {
        data: std::ptr::null_mut(),
        size: 0,
    };
    unsafe {
        sys::mirs_buf_free(&mut b);
        sys::mirs_buf_free(std::ptr::null_mut());
    }
    assert!(b.data.is_null() && b.size == 0);
}

/// Every function of the header is reached by the safe layer (or, for the few the safe layer has no use for, by
/// a test): a module that lands with new API fails here until its Rust wrapper exists.
#[test]
fn every_function_is_wrapped() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut text = String::new();
    for dir in ["src", "tests"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().map_or(false, |x| x == "rs") {
                text.push_str(&std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    let missing: Vec<&str> = sys::FUNCTIONS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| {
            let pat = format!("sys::{}", name);
            // sys::name( called, or sys::name passed as a function pointer; not a longer name with this prefix
            !text.match_indices(&pat).any(|(i, _)| {
                text[i + pat.len()..]
                    .chars()
                    .next()
                    .map_or(true, |c| !(c.is_alphanumeric() || c == '_'))
            })
        })
        .collect();
    assert!(
        missing.is_empty(),
        "functions without a Rust wrapper or test: {:?}",
        missing
    );
}
