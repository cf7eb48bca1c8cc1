//! Opens libmirsafety at run time, once, and resolves every function of [`FUNCTIONS`](crate::FUNCTIONS).
//!
//! The build script found the library (`MIRSAFETY_LIB_DIR`, pkg-config, this repository's `build/lib`) and baked
//! in its absolute path when that directory is not one the dynamic loader searches by default. At the first call
//! the library is opened from that path, else by its soname through the loader's own search (`LD_LIBRARY_PATH`,
//! the ld.so cache, the default directories), and its version is checked against the header the bindings were
//! generated from (docs/c-api.md, "Versions and compatibility"). The program needs no run path, no build script
//! and no environment variable; nothing of libmirsafety appears in its `NEEDED` entries.
use std::cell::UnsafeCell;
use std::ffi::{CStr, CString};
use std::fmt;
use std::os::raw::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Once;

use crate::{FUNCTIONS, MIRS_VERSION_MAJOR, MIRS_VERSION_MINOR, MIRS_VERSION_STRING, SONAME};

// glibc >= 2.34 has these in libc (libdl is then an empty stub); older glibc and other libcs keep them in libdl.
#[link(name = "dl")]
extern "C" {
    fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlerror() -> *mut c_char;
}
const RTLD_NOW: c_int = 2;

/// The library file the build found, as an absolute path; empty when the loader finds it by soname (a directory
/// it searches by default) or when nothing was found.
const BUILD_PATH: &str = env!("MIRSAFETY_SYS_LIBRARY");
/// How the build looked for it (for the message when loading fails).
const BUILD_SEARCH: &str = env!("MIRSAFETY_SYS_SEARCH");

/// Why the library cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadErrorKind {
    /// No place tried has a library that opens.
    NotFound,
    /// A library opened, but its version cannot serve the header these bindings were generated from.
    Version,
}

/// The failure of [`load`]: what went wrong and a message naming each place tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    kind: LoadErrorKind,
    message: String,
}

impl LoadError {
    pub fn kind(&self) -> LoadErrorKind {
        self.kind
    }
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LoadError {}

/// An opened library: where from, and the entry points in the order of `FUNCTIONS` (0: the library lacks it).
struct Library {
    path: String,
    entries: Vec<usize>,
}

struct State(UnsafeCell<Option<Result<Library, LoadError>>>);
// Written once inside ONCE.call_once, only read after it returned (Once orders the write before the reads).
unsafe impl Sync for State {}

static ONCE: Once = Once::new();
static STATE: State = State(UnsafeCell::new(None));
/// The library in STATE once it loaded (null before, or when it failed): the fast path of [`entry`].
static READY: AtomicPtr<Library> = AtomicPtr::new(std::ptr::null_mut());

fn state() -> &'static Result<Library, LoadError> {
    ONCE.call_once(|| {
        let r = open();
        // SAFETY: the only write, inside call_once; no reader runs before call_once returns.
        unsafe { *STATE.0.get() = Some(r) };
        if let Some(Ok(lib)) = unsafe { &*STATE.0.get() } {
            // A static's address: valid for the process; Release orders the write above before a reader's Acquire.
            READY.store(lib as *const Library as *mut Library, Ordering::Release);
        }
    });
    // SAFETY: call_once has returned, so the value was written and is never written again.
    match unsafe { &*STATE.0.get() } {
        Some(r) => r,
        None => unreachable!("libmirsafety loader state unset after Once"),
    }
}

/// Opens the library (once; later calls return the first answer) and checks its version. Every function of this
/// crate calls it first and panics with the message when it fails; call it to get the failure as a value instead.
pub fn load() -> Result<(), LoadError> {
    state().as_ref().map(|_| ()).map_err(Clone::clone)
}

/// The path (or the soname, when the loader's search found it) the library was opened from.
pub fn library_path() -> Result<&'static str, LoadError> {
    state().as_ref().map(|l| l.path.as_str()).map_err(Clone::clone)
}

/// Whether a library of version `library` (major, minor) serves bindings generated from headers of version `header`
/// (docs/c-api.md, "Versions and compatibility"): the same major, and in 0.x the same minor (a 0.x minor release may
/// change the ABI); from 1.0 on the library's minor may be newer (minor releases only add). The patch never matters.
pub fn version_compatible(header: (i32, i32), library: (i32, i32)) -> bool {
    header.0 == library.0
        && if header.0 == 0 {
            header.1 == library.1
        } else {
            library.1 >= header.1
        }
}

/// The entry point of `FUNCTIONS[i]`. Panics, never returns null: when the library cannot be used (the message of
/// [`load`]) or lacks the function (a library older than the header).
#[inline]
pub fn entry(i: usize) -> *mut c_void {
    let lib = READY.load(Ordering::Acquire);
    if !lib.is_null() {
        // SAFETY: READY is set once, to the library in STATE, which is never written again.
        if let Some(&p) = unsafe { &*lib }.entries.get(i) {
            if p != 0 {
                return p as *mut c_void;
            }
        }
    }
    entry_slow(i)
}

/// [`entry`] before the library is loaded (loads it), or when it cannot be used or lacks the function (panics).
#[cold]
#[inline(never)]
fn entry_slow(i: usize) -> *mut c_void {
    match state() {
        Ok(lib) => match lib.entries.get(i) {
            Some(&p) if p != 0 => p as *mut c_void,
            _ => missing(lib, i),
        },
        Err(e) => panic!("{}", e),
    }
}

#[cold]
#[inline(never)]
fn missing(lib: &Library, i: usize) -> ! {
    panic!(
        "libmirsafety at {} has no function {} (the library is older than the {} header of these bindings)",
        lib.path,
        FUNCTIONS.get(i).map_or("?", |f| f.0),
        MIRS_VERSION_STRING
    )
}

fn last_dlerror() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated string valid until the next dl* call on this thread.
    let p = unsafe { dlerror() };
    if p.is_null() {
        "unknown error".to_string()
    } else {
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

/// The places to try, in order: (what, file name or path for dlopen).
fn candidates() -> Vec<(String, String)> {
    let mut v = Vec::new();
    if !BUILD_PATH.is_empty() {
        v.push((
            format!("{} (found when building: {})", BUILD_PATH, BUILD_SEARCH),
            BUILD_PATH.to_string(),
        ));
    }
    let how = if BUILD_PATH.is_empty() && !BUILD_SEARCH.is_empty() {
        format!("; when building: {}", BUILD_SEARCH)
    } else {
        String::new()
    };
    v.push((
        format!(
            "{} (the dynamic loader's search: LD_LIBRARY_PATH, the ld.so cache, the default directories{})",
            SONAME, how
        ),
        SONAME.to_string(),
    ));
    v
}

fn open() -> Result<Library, LoadError> {
    open_from(candidates())
}

/// Opens the first of `places` (what, file name or path) that opens, or fails listing each with its error.
fn open_from(places: Vec<(String, String)>) -> Result<Library, LoadError> {
    let mut tried = Vec::new();
    for (what, name) in places {
        let c = match CString::new(name.as_str()) {
            Ok(c) => c,
            Err(_) => continue,
        };
        // SAFETY: a NUL-terminated file name; the handle is never closed (entry points stay valid for the process).
        let h = unsafe { dlopen(c.as_ptr(), RTLD_NOW) };
        if h.is_null() {
            tried.push(format!("  {}: {}", what, last_dlerror()));
            continue;
        }
        let entries: Vec<usize> = FUNCTIONS
            .iter()
            .map(|(f, _)| match CString::new(*f) {
                // SAFETY: a valid handle and a NUL-terminated symbol name.
                Ok(s) => unsafe { dlsym(h, s.as_ptr()) as usize },
                Err(_) => 0,
            })
            .collect();
        let lib = Library { path: name, entries };
        check_version(&lib)?;
        return Ok(lib);
    }
    Err(LoadError {
        kind: LoadErrorKind::NotFound,
        message: format!("libmirsafety could not be loaded; tried:\n{}", tried.join("\n")),
    })
}

/// The entry point of the function `name`, if the library has it.
fn find(lib: &Library, name: &str) -> Option<usize> {
    let i = FUNCTIONS.iter().position(|f| f.0 == name)?;
    lib.entries.get(i).copied().filter(|&p| p != 0)
}

fn check_version(lib: &Library) -> Result<(), LoadError> {
    let (maj, min, s) = match (
        find(lib, "mirs_version_major"),
        find(lib, "mirs_version_minor"),
        find(lib, "mirs_version_string"),
    ) {
        (Some(a), Some(b), Some(c)) => unsafe {
            // SAFETY: the library's own functions, with the header's signatures.
            let a = std::mem::transmute::<usize, unsafe extern "C" fn() -> i32>(a);
            let b = std::mem::transmute::<usize, unsafe extern "C" fn() -> i32>(b);
            let c = std::mem::transmute::<usize, unsafe extern "C" fn() -> *const c_char>(c);
            let p = c();
            let s = if p.is_null() {
                String::new()
            } else {
                CStr::from_ptr(p).to_string_lossy().into_owned()
            };
            (a(), b(), s)
        },
        _ => {
            return Err(LoadError {
                kind: LoadErrorKind::Version,
                message: format!(
                    "{} is not a libmirsafety (it has no mirs_version_* functions)",
                    lib.path
                ),
            })
        }
    };
    if version_compatible((MIRS_VERSION_MAJOR, MIRS_VERSION_MINOR), (maj, min)) {
        Ok(())
    } else {
        Err(LoadError {
            kind: LoadErrorKind::Version,
            message: format!(
                "libmirsafety {} is loaded from {} but these bindings were generated from the {} header \
                 (docs/c-api.md, \"Versions and compatibility\")",
                s, lib.path, MIRS_VERSION_STRING
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compatibility_rule() {
        assert!(version_compatible((0, 1), (0, 1)));
        assert!(!version_compatible((0, 1), (0, 2)));
        assert!(!version_compatible((0, 2), (0, 1)));
        assert!(version_compatible((1, 2), (1, 3)));
        assert!(!version_compatible((1, 3), (1, 2)));
        assert!(!version_compatible((1, 0), (2, 0)));
    }

    #[test]
    fn lists_each_place_tried() {
        let places = vec![
            (
                "/nonexistent/libmirsafety.so.0 (first)".to_string(),
                "/nonexistent/libmirsafety.so.0".to_string(),
            ),
            (
                "libmirsafety-none.so.0 (second)".to_string(),
                "libmirsafety-none.so.0".to_string(),
            ),
        ];
        let e = open_from(places).err().unwrap();
        assert_eq!(e.kind(), LoadErrorKind::NotFound);
        let lines: Vec<&str> = e.message().lines().collect();
        assert_eq!(lines.len(), 3, "{}", e);
        assert_eq!(lines[0], "libmirsafety could not be loaded; tried:");
        assert!(
            lines[1].starts_with("  /nonexistent/libmirsafety.so.0 (first): "),
            "{}",
            e
        );
        assert!(lines[1].contains("No such file"), "{}", e);
        assert!(lines[2].starts_with("  libmirsafety-none.so.0 (second): "), "{}", e);
        // A library that is not libmirsafety is refused, not called.
        let e = open_from(vec![("libm".to_string(), "libm.so.6".to_string())])
            .err()
            .unwrap();
        assert_eq!(e.kind(), LoadErrorKind::Version);
        assert!(e.message().contains("libm.so.6 is not a libmirsafety"), "{}", e);
    }

    #[test]
    fn candidates_end_with_the_soname() {
        let c = candidates();
        assert_eq!(c.last().unwrap().1, SONAME);
        assert_eq!(c.len(), if BUILD_PATH.is_empty() { 1 } else { 2 });
        if !BUILD_PATH.is_empty() {
            assert!(
                BUILD_PATH.starts_with('/') && BUILD_PATH.ends_with(SONAME),
                "{}",
                BUILD_PATH
            );
        }
    }

    #[test]
    fn loads_the_library() {
        load().unwrap();
        let path = library_path().unwrap();
        assert!(path.ends_with(SONAME), "{}", path);
        let lib = state().as_ref().unwrap();
        for f in [
            "mirs_version_major",
            "mirs_version_minor",
            "mirs_version_string",
            "mirs_status_str",
        ] {
            assert!(find(lib, f).is_some(), "{} not in {}", f, path);
        }
        // The same library the process mapped (not another copy found by another route).
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        assert!(
            maps.lines().any(|l| l.contains("libmirsafety.so")),
            "no libmirsafety mapped"
        );
    }
}
