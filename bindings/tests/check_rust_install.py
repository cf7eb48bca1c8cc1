#!/usr/bin/python3
"""A crate outside the repository builds and runs against an installed libmirsafety with no environment
variables of ours: `meson install --destdir` into a temporary directory (its prefix made that directory, as
`--prefix` would), a scratch crate there depending on the `mirsafety` crate by path with the three-line build
script of docs/rust.md, `cargo build --offline` with PKG_CONFIG_PATH pointing at the prefix only (how a user finds
a non-system prefix), and the program run without LD_LIBRARY_PATH: it must load the installed library.

Usage: check_rust_install.py <cargo> <meson> <build dir> <repo root> <sample dir> <cargo target dir>
A sanitizer build passes its runtime as LD_PRELOAD: it is kept away from cargo and given to the program only."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

cargo, meson, build, repo, sample, target = sys.argv[1:7]

MAIN_RS = r'''
use mirsafety::prompt::{self, PromptOptions};
use mirsafety::{Dataset, Filter, Relation};

fn main() {
    let path = std::env::args().nth(1).expect("usage: scratch <dataset>");
    let ds = Dataset::open(&path).expect("open");
    let n = ds.iter_filtered(&Filter::new().relations(&[Relation::Analogy])).unwrap().len();
    let item = ds.get(0).unwrap();
    let o = PromptOptions::new(mirsafety::PromptFormat::Openai).model("m").unwrap().max_tokens(64);
    let line = prompt::item_line(&item, &o).unwrap();
    assert!(line.contains("\"max_tokens\":64"));
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let lib = maps
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|p| p.contains("libmirsafety.so"))
        .unwrap_or("?")
        .to_string();
    println!("items {} analogy {} version {}", ds.len(), n, mirsafety::library_version().3);
    println!("library {}", lib);
}
'''

BUILD_RS = r'''
fn main() {
    // libmirsafety outside the loader's default path: run it from where it was linked (docs/rust.md).
    if let Ok(rpath) = std::env::var("DEP_MIRSAFETY_RS_RPATH") {
        for dir in rpath.split(':') {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir);
        }
    }
}
'''


def run(cmd, env, cwd=None):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd)
    if r.returncode != 0:
        sys.exit("%s failed (%d):\n%s%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r.stdout


ours = ("MIRSAFETY_LIB_DIR", "MIRSAFETY_LIBRARY", "LD_LIBRARY_PATH", "PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR",
        "PKG_CONFIG_SYSROOT_DIR", "LD_PRELOAD", "MIRSAFETY_SAMPLE")
base = {k: v for k, v in os.environ.items() if k not in ours}
preload = os.environ.get("LD_PRELOAD")

with tempfile.TemporaryDirectory() as tmp:
    dest = os.path.join(tmp, "dest")
    run([meson, "install", "-C", build, "--no-rebuild", "--quiet", "--destdir", dest], base)
    pcs = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs if f == "mirsafety.pc"]
    if len(pcs) != 1:
        sys.exit("expected one installed mirsafety.pc, found %r" % pcs)
    pc = pcs[0]
    # The destdir copy becomes a prefix of its own: prefix= names where it now is (what --prefix would write).
    text = open(pc, encoding="utf-8").read()
    old = re.search(r"^prefix=(.*)$", text, re.M).group(1)
    prefix = dest + old
    with open(pc, "w", encoding="utf-8") as fh:
        fh.write(re.sub(r"^prefix=.*$", "prefix=" + prefix, text, count=1, flags=re.M))
    libdirs = [d for d, _, fs in os.walk(prefix) if any(f.startswith("libmirsafety.so") for f in fs)]
    if len(libdirs) != 1:
        sys.exit("expected one installed library directory, found %r" % libdirs)

    crate = os.path.join(tmp, "scratch")
    os.makedirs(os.path.join(crate, "src"))
    with open(os.path.join(crate, "Cargo.toml"), "w") as fh:
        fh.write('[package]\nname = "scratch"\nversion = "0.1.0"\nedition = "2021"\n\n'
                 '[dependencies]\nmirsafety = { path = "%s" }\n\n[workspace]\n'
                 % os.path.join(repo, "bindings", "rust", "mirsafety"))
    with open(os.path.join(crate, "src", "main.rs"), "w") as fh:
        fh.write(MAIN_RS)
    with open(os.path.join(crate, "build.rs"), "w") as fh:
        fh.write(BUILD_RS)

    env = dict(base, PKG_CONFIG_PATH=os.path.dirname(pc), CARGO_TARGET_DIR=target)
    run([cargo, "build", "--offline", "--quiet", "--manifest-path", os.path.join(crate, "Cargo.toml")], env)
    exe = os.path.join(target, "debug", "scratch")

    run_env = dict(base)
    if preload:
        run_env["LD_PRELOAD"] = preload
    out = run([exe, sample], run_env, cwd=tmp)
    lib = re.search(r"^library (.*)$", out, re.M).group(1)
    if not lib.startswith(libdirs[0] + "/"):
        sys.exit("the program loaded %s, not the installed library in %s\n%s" % (lib, libdirs[0], out))
    if not out.startswith("items "):
        sys.exit("unexpected output:\n" + out)
    # It found the library through the run path the build scripts added (no LD_LIBRARY_PATH was set).
    readelf = shutil.which("readelf")
    if readelf:
        dyn = run([readelf, "-d", exe], base)
        if libdirs[0] not in dyn:
            sys.exit("no run path to %s in the program:\n%s" % (libdirs[0], dyn))
print("rust-install: a scratch crate built against the installed library (pkg-config, prefix %s) and ran "
      "without LD_LIBRARY_PATH: %s" % (prefix, out.splitlines()[0]))
