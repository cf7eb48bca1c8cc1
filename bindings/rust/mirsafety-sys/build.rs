//! Finds libmirsafety, without any crate, and tells the crate where it is; nothing is linked (src/load.rs opens the
//! library at the first call). The places, in this order:
//!
//! 1. `$MIRSAFETY_LIB_DIR` (an explicit override: the meson tests set it to the build's own library);
//! 2. the `pkg-config` program (`$PKG_CONFIG`, else `pkg-config`): the `libdir` of `mirsafety.pc`. A system
//!    install is on pkg-config's default path; for another prefix the user points `PKG_CONFIG_PATH` at its
//!    `lib/<triplet>/pkgconfig` when building (the standard pkg-config contract), never when running;
//! 3. the meson build tree of this repository (`build/lib`), for the in-repository tests and examples.
//!
//! The result is `MIRSAFETY_SYS_LIBRARY` (compile-time environment of this crate, `env!`): the absolute path of
//! `<dir>/libmirsafety.so.<soname number>`, or empty when the directory is one the dynamic loader searches by
//! default (its cache lists the library there) or nothing was found: the library is then opened by soname.
//! `MIRSAFETY_SYS_SEARCH` says how it was found (or what was tried), for the message when loading fails.
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn pkg_config(args: &[&str]) -> Option<String> {
    let prog = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string());
    let out = Command::new(prog).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The library directory pkg-config gives for mirsafety: its `libdir` variable, else the first `-L`.
fn pkg_config_dir() -> Option<PathBuf> {
    if let Some(d) = pkg_config(&["--variable=libdir", "mirsafety"]).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    let libs = pkg_config(&["--libs-only-L", "mirsafety"])?;
    let dir = libs
        .split_whitespace()
        .filter_map(|f| f.strip_prefix("-L"))
        .find(|d| !d.is_empty());
    dir.map(PathBuf::from)
}

/// A `pub const NAME: &str = "...";` of the generated src/bindings.rs.
fn generated_str(manifest: &Path, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(manifest.join("src").join("bindings.rs")).ok()?;
    let start = format!("pub const {}: &str", name);
    let line = text.lines().find(|l| l.starts_with(&start))?;
    Some(line.split('"').nth(1)?.to_string())
}

/// The rule of docs/c-api.md ("Versions and compatibility"), as src/load.rs applies it at run time: the same
/// major, in 0.x the same minor, from 1.0 a library minor at least the header's.
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

/// Whether the dynamic loader finds `soname` in `dir` without help: its cache lists it there.
fn loader_default(dir: &Path, soname: &str) -> bool {
    let canon = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    for prog in ["/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig"] {
        if let Ok(out) = Command::new(prog).arg("-p").output() {
            if out.status.success() {
                return String::from_utf8_lossy(&out.stdout).lines().any(|l| {
                    l.trim_start().starts_with(&format!("{} ", soname))
                        && l.rsplit("=> ").next().map_or(false, |p| {
                            let p = Path::new(p.trim());
                            p.parent().map_or(false, |d| d == dir || d == canon)
                        })
                });
            }
        }
    }
    false // unknown: the absolute path does no harm
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
    println!("cargo:rerun-if-changed=src/bindings.rs");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let soname = generated_str(&manifest, "SONAME").expect("src/bindings.rs has no SONAME");
    let tree = manifest.join("../../../build/lib");
    let mut tried = Vec::new();
    let found: Option<(PathBuf, String)> = if let Ok(d) = env::var("MIRSAFETY_LIB_DIR") {
        Some((PathBuf::from(&d), format!("MIRSAFETY_LIB_DIR={}", d)))
    } else if let Some(d) = pkg_config_dir() {
        // A library these bindings cannot serve is refused when loaded; say so now.
        if let (Some(lib), Some(hdr)) = (
            pkg_config(&["--modversion", "mirsafety"]),
            generated_str(&manifest, "MIRS_VERSION_STRING"),
        ) {
            if !compatible(&hdr, &lib) {
                println!(
                    "cargo:warning=pkg-config finds libmirsafety {} but these bindings were generated from the {} \
                     header: it will be refused when loaded",
                    lib, hdr
                );
            }
        }
        let how = format!("pkg-config's libdir of mirsafety.pc, {}", d.display());
        Some((d, how))
    } else if tree.join(&soname).exists() {
        let d = tree.canonicalize().unwrap_or(tree);
        let how = format!("this repository's build tree, {}", d.display());
        Some((d, how))
    } else {
        tried.push("MIRSAFETY_LIB_DIR unset".to_string());
        tried.push("pkg-config knows no mirsafety (a prefix of your own: PKG_CONFIG_PATH when building)".to_string());
        tried.push(format!("no {} in {}", soname, tree.display()));
        None
    };
    let (path, search) = match found {
        Some((dir, how)) => {
            let dir = dir.canonicalize().unwrap_or(dir);
            let file = dir.join(&soname);
            if !file.exists() {
                println!(
                    "cargo:warning=libmirsafety: no {} in {} ({})",
                    soname,
                    dir.display(),
                    how
                );
            }
            if loader_default(&dir, &soname) {
                (
                    String::new(),
                    format!("{}, a directory the dynamic loader searches by default", how),
                )
            } else {
                (file.display().to_string(), how)
            }
        }
        None => {
            println!(
                "cargo:warning=libmirsafety not found when building ({}); it will be opened by its soname {} through \
                 the dynamic loader's search",
                tried.join("; "),
                soname
            );
            (String::new(), format!("nothing found ({})", tried.join("; ")))
        }
    };
    println!("cargo:rustc-env=MIRSAFETY_SYS_LIBRARY={}", path);
    println!("cargo:rustc-env=MIRSAFETY_SYS_SEARCH={}", search);
}
