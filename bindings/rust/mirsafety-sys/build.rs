//! Finds libmirsafety without any crate: $MIRSAFETY_LIB_DIR, else the `pkg-config` program, else the meson build
//! tree of this repository (build/lib). Passes the directory on to dependents as DEP_MIRSAFETY_LIB_DIR so that
//! their tests and examples can run without LD_LIBRARY_PATH (see the mirsafety crate's build.rs).
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn pkg_config_libdir() -> Option<PathBuf> {
    let out = Command::new(env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string()))
        .args(["--variable=libdir", "mirsafety"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let dir = String::from_utf8(out.stdout).ok()?.trim().to_string();
    if dir.is_empty() {
        None
    } else {
        Some(PathBuf::from(dir))
    }
}

fn main() {
    println!("cargo:rerun-if-env-changed=MIRSAFETY_LIB_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-changed=build.rs");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let dir = if let Ok(d) = env::var("MIRSAFETY_LIB_DIR") {
        Some(PathBuf::from(d))
    } else if let Some(d) = pkg_config_libdir() {
        Some(d)
    } else {
        let build = manifest.join("../../../build/lib");
        if Path::new(&build).join("libmirsafety.so").exists() {
            Some(build.canonicalize().unwrap_or(build))
        } else {
            None
        }
    };
    match dir {
        Some(d) => {
            println!("cargo:rustc-link-search=native={}", d.display());
            println!("cargo:lib_dir={}", d.display());
            // For this crate's own tests (rustc-link-arg does not reach dependents: see the mirsafety crate).
            println!("cargo:rustc-link-arg=-Wl,-rpath,{}", d.display());
        }
        None => println!(
            "cargo:warning=libmirsafety not found (set MIRSAFETY_LIB_DIR, install its pkg-config file, or build \
             the repository with meson into build/); relying on the default linker path"
        ),
    }
    println!("cargo:rustc-link-lib=dylib=mirsafety");
}
