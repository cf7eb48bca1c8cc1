//! 1. Lets this crate's tests and examples find libmirsafety at run time without LD_LIBRARY_PATH: the -sys crate
//!    reports the directory it linked from (DEP_MIRSAFETY_LIB_DIR), and we add it as an rpath.
//! 2. Passes the run path on (links metadata `rpath`, seen by dependents as `DEP_MIRSAFETY_RS_RPATH`): Cargo
//!    gives link arguments only to the package that prints them, so the crate that links a program adds it in its
//!    own build script (docs/rust.md shows the three lines).
//! 3. Sets `cfg(mirs_module = "<m>")` for every module implemented in this source tree (lib/<m>/meson.build), so
//!    that the tests of a module whose header is declared ahead of its implementation wait for it (the project
//!    lands headers first). Outside the repository every module counts as implemented.
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_MIRSAFETY_LIB_DIR");
    println!("cargo:rerun-if-env-changed=DEP_MIRSAFETY_RPATH");
    if let Ok(rpath) = std::env::var("DEP_MIRSAFETY_RPATH") {
        for dir in rpath.split(':').filter(|d| !d.is_empty()) {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir);
        }
        println!("cargo:rpath={}", rpath);
    }
    println!("cargo:rustc-check-cfg=cfg(mirs_module, values(any()))");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let lib = Path::new(&manifest).join("../../../lib");
    let modules = [
        "util", "dataset", "image", "prompt", "stats", "score", "report", "entropy",
    ];
    for m in modules {
        let here = lib.join(m).join("meson.build");
        println!("cargo:rerun-if-changed={}", here.display());
        if !lib.is_dir() || here.exists() {
            println!("cargo:rustc-cfg=mirs_module=\"{}\"", m);
        }
    }
}
