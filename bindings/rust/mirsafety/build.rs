//! Sets `cfg(mirs_module = "<m>")` for every module implemented in this source tree (lib/<m>/meson.build), so
//! that the tests of a module whose header is declared ahead of its implementation wait for it (the project
//! lands headers first). Outside the repository every module counts as implemented.
use std::path::Path;

fn main() {
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
