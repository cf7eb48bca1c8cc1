use std::ffi::CStr;
use std::fmt;

use mirsafety_sys as sys;

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
