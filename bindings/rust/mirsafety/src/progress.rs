//! The progress callbacks of the C API (`mirs_prompt_progress_fn`, `mirs_score_progress_fn`: both
//! `(userdata, done, total)`) as Rust closures.

use std::os::raw::c_void;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

/// A closure behind a C progress callback. A panic in it must not unwind through C: it is kept, later calls are
/// ignored, and [`Progress::finish`] resumes it once the C call has returned.
pub(crate) struct Progress<F> {
    f: F,
    panic: Option<Box<dyn std::any::Any + Send>>,
}

unsafe extern "C" fn tramp<F: FnMut(usize, usize)>(ud: *mut c_void, done: usize, total: usize) {
    let st = &mut *(ud as *mut Progress<F>);
    if st.panic.is_some() {
        return;
    }
    if let Err(p) = catch_unwind(AssertUnwindSafe(|| (st.f)(done, total))) {
        st.panic = Some(p);
    }
}

impl<F: FnMut(usize, usize)> Progress<F> {
    pub(crate) fn new(f: F) -> Self {
        Progress { f, panic: None }
    }

    /// The function and userdata to put in an options struct; valid while `self` is neither moved nor dropped.
    pub(crate) fn raw(&mut self) -> (Option<unsafe extern "C" fn(*mut c_void, usize, usize)>, *mut c_void) {
        (Some(tramp::<F>), self as *mut Progress<F> as *mut c_void)
    }

    /// Resumes a panic of the closure, if there was one.
    pub(crate) fn finish(mut self) {
        if let Some(p) = self.panic.take() {
            resume_unwind(p);
        }
    }
}
