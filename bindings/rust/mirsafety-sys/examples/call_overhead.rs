//! What a call through the loaded entry points costs, against the same function called through a bare function
//! pointer (what a call through the PLT of a linked library amounts to: an indirect jump), measured in the same run.
//!
//! `cargo run --release --offline -p mirsafety-sys --example call_overhead [calls]`
use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_void};
use std::time::Instant;

use mirsafety_sys as sys;

extern "C" {
    fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
}

fn best_of<F: FnMut() -> i64>(runs: usize, mut f: F) -> (f64, i64) {
    let mut best = f64::INFINITY;
    let mut sum = 0;
    for _ in 0..runs {
        let t = Instant::now();
        sum += f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, sum)
}

fn main() {
    let calls: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000_000);
    let t = Instant::now();
    sys::load().unwrap_or_else(|e| panic!("{}", e));
    let t_load = t.elapsed().as_secs_f64();
    let path = CString::new(sys::library_path().unwrap()).unwrap();
    // The same library (dlopen of a loaded one returns its handle); its function as a bare pointer.
    let direct = unsafe {
        let h = dlopen(path.as_ptr(), 2);
        assert!(!h.is_null());
        let name = CString::new("mirs_version_number").unwrap();
        let p = dlsym(h, name.as_ptr());
        assert!(!p.is_null());
        std::mem::transmute::<*mut c_void, unsafe extern "C" fn() -> c_int>(p)
    };
    let direct = unsafe { std::ptr::read_volatile(&direct) }; // never a constant the compiler can see through
    let (t_direct, s1) = best_of(5, || (0..calls).map(|_| unsafe { direct() } as i64).sum());
    let (t_loaded, s2) = best_of(5, || {
        (0..calls).map(|_| unsafe { sys::mirs_version_number() } as i64).sum()
    });
    assert_eq!(s1, s2);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l.to_string()))
        .unwrap_or_default();
    println!("{} calls of mirs_version_number, best of 5 ({})", calls, cpu.trim());
    println!(
        "first load (dlopen, {} dlsym, version check): {:.0} us",
        sys::FUNCTIONS.len(),
        t_load * 1e6
    );
    println!(
        "bare function pointer (baseline): {:.2} ns/call",
        t_direct * 1e9 / calls as f64
    );
    println!(
        "mirsafety_sys wrapper:            {:.2} ns/call",
        t_loaded * 1e9 / calls as f64
    );
    println!("ratio wrapper / baseline:         {:.2}", t_loaded / t_direct);
}
