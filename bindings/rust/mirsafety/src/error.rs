use std::ffi::CStr;
use std::fmt;

use mirsafety_sys as sys;

use crate::ErrorKind;

/// A libmirsafety failure: the status (a negative `MIRS_E_*`) and the library's message, copied from the
/// thread-local buffer at the moment of the failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    status: i32,
    message: String,
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The error for `status` with the calling thread's last message (read now, before any other call).
    pub(crate) fn last(status: i32) -> Error {
        let message = unsafe { CStr::from_ptr(sys::mirs_error_last()) }
            .to_string_lossy()
            .into_owned();
        Error { status, message }
    }

    /// An error raised by this crate itself (argument checks done before calling the library).
    pub(crate) fn new(status: i32, message: impl Into<String>) -> Error {
        Error {
            status,
            message: message.into(),
        }
    }

    /// The `MIRS_E_*` status (negative).
    pub fn status(&self) -> i32 {
        self.status
    }

    /// The status as an [`ErrorKind`] (`ErrorKind::Other` for a status these bindings do not know).
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::from_raw(self.status).unwrap_or(ErrorKind::Other)
    }

    /// The library's static name of the status ("MIRS_E_IO").
    pub fn status_name(&self) -> &'static str {
        status_str(self.status)
    }

    /// The library's message (file, record and byte offset where they help).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status_name(), self.message)
    }
}

impl std::error::Error for Error {}

/// The error for a number that is not one of the values of a group of constants (an enum's `try_from`).
pub(crate) fn invalid_value(what: &str, v: i64) -> Error {
    Error::new(sys::MIRS_E_INVALID_ARGUMENT, format!("{} is not a {} value", v, what))
}

/// The error for a text or path with a NUL byte, which a C string cannot hold.
pub(crate) fn nul_error(what: &str) -> Error {
    Error::new(sys::MIRS_E_INVALID_ARGUMENT, format!("{} contains a NUL byte", what))
}

/// A C string of `s`.
pub(crate) fn cstring(s: &str, what: &str) -> Result<std::ffi::CString> {
    std::ffi::CString::new(s).map_err(|_| nul_error(what))
}

/// A C string of a path (its bytes as they are: paths need not be UTF-8).
pub(crate) fn cpath(p: &std::path::Path) -> Result<std::ffi::CString> {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::CString::new(p.as_os_str().as_bytes()).map_err(|_| nul_error("path"))
}

/// Copies a buffer the library filled and frees it.
pub(crate) fn take_bytes(mut b: sys::mirs_buf) -> Vec<u8> {
    let v = if b.data.is_null() || b.size == 0 {
        Vec::new()
    } else {
        // SAFETY: the library filled b with `size` bytes it owns until mirs_buf_free.
        unsafe { std::slice::from_raw_parts(b.data, b.size) }.to_vec()
    };
    // SAFETY: b came from the library (or is the empty buffer, which mirs_buf_free accepts).
    unsafe { sys::mirs_buf_free(&mut b) };
    v
}

/// [`take_bytes`] as text (the library writes UTF-8; anything else is replaced, never trusted).
pub(crate) fn take_string(b: sys::mirs_buf) -> String {
    match String::from_utf8(take_bytes(b)) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// An empty buffer for the library to fill.
pub(crate) fn empty_buf() -> sys::mirs_buf {
    sys::mirs_buf {
        data: std::ptr::null_mut(),
        size: 0,
    }
}

/// `Ok(status)` for MIRS_OK / MIRS_DONE, the thread's error for negative statuses.
pub(crate) fn check(status: i32) -> Result<i32> {
    if status < 0 {
        Err(Error::last(status))
    } else {
        Ok(status)
    }
}

/// The library's static name of a status code ("MIRS_E_UNKNOWN" for values it does not know).
pub fn status_str(status: i32) -> &'static str {
    if sys::load().is_err() {
        // The load failure itself must display without the library.
        return match status {
            sys::MIRS_E_NOT_FOUND => "MIRS_E_NOT_FOUND",
            sys::MIRS_E_VERSION => "MIRS_E_VERSION",
            _ => "MIRS_E_UNKNOWN",
        };
    }
    let p = unsafe { sys::mirs_status_str(status) };
    // Static ASCII strings by contract.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap_or("MIRS_E_UNKNOWN")
}

/// The status and message of the calling thread's last failure (`(MIRS_OK, "")` if none).
pub fn last_error() -> (i32, String) {
    unsafe {
        let st = sys::mirs_error_last_status();
        (
            st,
            CStr::from_ptr(sys::mirs_error_last()).to_string_lossy().into_owned(),
        )
    }
}

/// Clears the calling thread's last error.
pub fn clear_error() {
    unsafe { sys::mirs_error_clear() }
}
