//! Finds libmirsafety without any crate, in this order:
//!
//! 1. `$MIRSAFETY_LIB_DIR` (an explicit override: the meson tests set it to the build's own library);
//! 2. the `pkg-config` program (`$PKG_CONFIG`, else `pkg-config`): `pkg-config --libs-only-L mirsafety`. For a
//!    library in a system directory it prints nothing (pkg-config leaves the linker's default directories out) and
//!    nothing more is needed; for a prefix the user points `PKG_CONFIG_PATH` at, it prints the `-L` directory;
//! 3. the meson build tree of this repository (`build/lib`), for the in-repository tests and examples.
//!
//! The run path: a directory the dynamic loader does not search by default (not in `ldconfig -p`'s cache) is
//! added as an rpath of this crate's own tests (`cargo:rustc-link-arg`), and passed on as links metadata:
//! `DEP_MIRSAFETY_LIB_DIR` (the directory) and `DEP_MIRSAFETY_RPATH` (only when an rpath is needed). Cargo does
//! not pass link arguments on to dependents' binaries, so the `mirsafety` crate re-exports it as
//! `DEP_MIRSAFETY_RS_RPATH` for the build script of the crate that links the final binary (docs/rust.md).
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `Some(dirs)` when pkg-config knows mirsafety (dirs may be empty: a system directory), `None` otherwise.
fn pkg_config_dirs() -> Option<Vec<PathBuf>> {
    let prog = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string());
    let out = Command::new(prog).args(["--libs-only-L", "mirsafety"]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(
        text.split_whitespace()
            .filter_map(|f| f.strip_prefix("-L"))
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .collect(),
    )
}

/// The version pkg-config reports, when it knows mirsafety.
fn pkg_config_version() -> Option<String> {
    let prog = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string());
    let out = Command::new(prog).args(["--modversion", "mirsafety"]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The header version the bindings were generated from (MIRS_VERSION_STRING in src/bindings.rs).
fn header_version(manifest: &Path) -> Option<String> {
    let text = std::fs::read_to_string(manifest.join("src").join("bindings.rs")).ok()?;
    let line = text.lines().find(|l| l.starts_with("pub const MIRS_VERSION_STRING"))?;
    Some(line.split('"').nth(1)?.to_string())
}

/// The rule of docs/c-api.md ("Versions and compatibility"), as mirsafety::version_compatible applies it at run
/// time: the same major, in 0.x the same minor, from 1.0 a library minor at least the header's.
fn compatible(header: &str, library: &str) -> bool {
    let mm = |v: &str| -> Option<(u32, u32)> {
        let mut it = v.split('.').map(|x| x.parse::<u32>().ok());
        Some((it.next()??, it.next()??))
    };
    match (mm(header), mm(library)) {
        (Some(h), Some(l)) => h.0 == l.0 && if h.0 == 0 { h.1 == l.1 } else { l.1 >= h.1 },
        _ => false,
    }
}

/// Whether the dynamic loader finds the library in `dir` without help: its cache lists a libmirsafety there.
fn loader_default(dir: &Path) -> bool {
    let canon = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    for prog in ["/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig"] {
        if let Ok(out) = Command::new(prog).arg("-p").output() {
            if out.status.success() {
                return String::from_utf8_lossy(&out.stdout).lines().any(|l| {
                    l.trim_start().starts_with("libmirsafety.so")
                        && l.rsplit("=> ").next().map_or(false, |p| {
                            let p = Path::new(p.trim());
                            p.parent().map_or(false, |d| d == dir || d == canon)
                        })
                });
            }
        }
    }
    false // unknown: an rpath does no harm
}

fn main() {
    for v in [
        "MIRSAFETY_LIB_DIR",
        "PKG_CONFIG",
        "PKG_CONFIG_PATH",
        "PKG_CONFIG_LIBDIR",
        "PKG_CONFIG_SYSROOT_DIR",
    ] {
        println!("cargo:rerun-if-env-changed={}", v);
    }
    println!("cargo:rerun-if-changed=build.rs");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let dirs: Option<Vec<PathBuf>> = if let Ok(d) = env::var("MIRSAFETY_LIB_DIR") {
        Some(vec![PathBuf::from(d)])
    } else if let Some(d) = pkg_config_dirs() {
        // A library these bindings cannot serve fails at run time (mirsafety::check_version); say so now.
        if let (Some(lib), Some(hdr)) = (pkg_config_version(), header_version(&manifest)) {
            if !compatible(&hdr, &lib) {
                println!(
                    "cargo:warning=pkg-config finds libmirsafety {} but these bindings were generated from the {} \
                     header: mirsafety::check_version() will refuse it",
                    lib, hdr
                );
            }
        }
        Some(d)
    } else {
        let build = manifest.join("../../../build/lib");
        if build.join("libmirsafety.so").exists() {
            Some(vec![build.canonicalize().unwrap_or(build)])
        } else {
            None
        }
    };
    match dirs {
        Some(dirs) => {
            let mut rpath = Vec::new();
            for d in &dirs {
                println!("cargo:rustc-link-search=native={}", d.display());
                if !loader_default(d) {
                    // For this crate's own tests (rustc-link-arg does not reach dependents).
                    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", d.display());
                    rpath.push(d.display().to_string());
                }
            }
            if let Some(d) = dirs.first() {
                println!("cargo:lib_dir={}", d.display());
            }
            if !rpath.is_empty() {
                println!("cargo:rpath={}", rpath.join(":"));
            }
        }
        None => println!(
            "cargo:warning=libmirsafety not found (install it where pkg-config finds it, point PKG_CONFIG_PATH at \
             its prefix's lib/pkgconfig, set MIRSAFETY_LIB_DIR, or build this repository with meson into build/); \
             relying on the default linker path"
        ),
    }
    println!("cargo:rustc-link-lib=dylib=mirsafety");
}
