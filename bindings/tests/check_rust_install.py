#!/usr/bin/python3
"""A crate outside the repository builds and runs against an installed libmirsafety with no build script and no
environment variable at run time: `meson install --destdir` into a temporary directory (its prefix made that
directory, as `--prefix` would), a scratch crate there WITHOUT a build.rs depending on the `mirsafety` crate by
path, `cargo build --offline` with PKG_CONFIG_PATH pointing at the prefix only (how a user points pkg-config at a
non-system prefix when building), and the program run under `env -i` with only PATH and HOME: it must load the
installed library (/proc/self/maps), its `readelf -d` must name neither libmirsafety (NEEDED) nor the prefix (no
run path: the -sys crate opens the library itself). Then the library is moved away: `check_version()` must return
MIRS_E_NOT_FOUND naming each place tried, and a first call elsewhere must panic with that message (exit 101),
never crash; with a fake library of version 9.0.0 in its place, both must give the version error instead.

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
    let arg = std::env::args().nth(1).expect("usage: scratch <dataset> | --check | --first-call");
    if arg == "--check" {
        match mirsafety::check_version() {
            Ok(()) => println!("loaded {}", mirsafety::library_path().unwrap()),
            Err(e) => {
                println!("error {:?}\n{}", e.kind(), e);
                std::process::exit(3);
            }
        }
        return;
    }
    if arg == "--first-call" {
        // Not Dataset::open: a plain function whose first call has to open the library.
        println!("{}", Relation::Analogy.name());
        return;
    }
    let ds = Dataset::open(&arg).expect("open");
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
    println!("opened {}", mirsafety::library_path().unwrap());
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

    env = dict(base, PKG_CONFIG_PATH=os.path.dirname(pc), CARGO_TARGET_DIR=target)
    run([cargo, "build", "--offline", "--quiet", "--manifest-path", os.path.join(crate, "Cargo.toml")], env)
    exe = os.path.join(target, "debug", "scratch")
    if os.path.exists(os.path.join(crate, "build.rs")):
        sys.exit("the scratch crate has a build.rs")

    # env -i: nothing but PATH and HOME (and, in a sanitizer build, its runtime, which the program does not link).
    clean = ["env", "-i", "PATH=" + os.environ.get("PATH", "/usr/bin:/bin"), "HOME=" + os.environ.get("HOME", "/")]
    if preload:
        clean.append("LD_PRELOAD=" + preload)
    out = run(clean + [exe, sample], None, cwd=tmp)
    if not out.startswith("items "):
        sys.exit("unexpected output:\n" + out)
    lib = re.search(r"^library (.*)$", out, re.M).group(1)
    if not lib.startswith(libdirs[0] + "/"):
        sys.exit("the program loaded %s, not the installed library in %s\n%s" % (lib, libdirs[0], out))
    # Opened from the absolute path the -sys build script baked in, not through a link-time dependency.
    readelf = shutil.which("readelf")
    if readelf:
        dyn = run([readelf, "-d", exe], base)
        if "libmirsafety" in dyn or libdirs[0] in dyn:
            sys.exit("the program links libmirsafety or has a run path to it:\n%s" % dyn)

    # The library gone: a Result from check_version() listing each place tried, a panic (not a crash) elsewhere.
    moved = libdirs[0] + ".moved"
    os.rename(libdirs[0], moved)
    try:
        r = subprocess.run(clean + [exe, "--check"], capture_output=True, text=True, cwd=tmp)
        soname = re.search(r"libmirsafety\.so\.[0-9]+", lib).group(0)
        ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
        cache = subprocess.run([ldconfig, "-p"], capture_output=True, text=True).stdout
        if re.search(r"^\s*%s " % re.escape(soname), cache, re.M):
            # This machine has a system install: the loader's search (the second place) must have found it.
            if r.returncode != 0 or not r.stdout.startswith("loaded " + soname):
                sys.exit("with the prefix gone, the system's %s should load:\n%s%s" % (soname, r.stdout, r.stderr))
        else:
            if (r.returncode != 3 or not r.stdout.startswith("error NotFound") or libdirs[0] not in r.stdout
                    or "dynamic loader's search" not in r.stdout or soname not in r.stdout):
                sys.exit("check_version() without the library: exit %d, expected 3 and MIRS_E_NOT_FOUND listing %s "
                         "and the loader's search for %s:\n%s%s" % (r.returncode, libdirs[0], soname, r.stdout,
                                                                      r.stderr))
            p = subprocess.run(clean + [exe, "--first-call"], capture_output=True, text=True, cwd=tmp)
            if (p.returncode != 101 or "libmirsafety could not be loaded" not in p.stderr
                    or libdirs[0] not in p.stderr):
                sys.exit("a first call without the library: exit %d, expected a panic (101) naming %s:\n%s%s"
                         % (p.returncode, libdirs[0], p.stdout, p.stderr))
        # A library of another version where the installed one was: refused at load, for every entry point.
        cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
        if cc:
            os.makedirs(libdirs[0])
            fake_c = os.path.join(tmp, "fake.c")
            with open(fake_c, "w") as fh:
                fh.write("int mirs_version_major(void) { return 9; }\nint mirs_version_minor(void) { return 0; }\n"
                         "const char *mirs_version_string(void) { return \"9.0.0\"; }\n"
                         "const char *mirs_relation_name(int r) { return (const char *)0 + r; }\n")
            run([cc, "-shared", "-fPIC", "-o", os.path.join(libdirs[0], soname), fake_c], base)
            v = subprocess.run(clean + [exe, "--check"], capture_output=True, text=True, cwd=tmp)
            if (v.returncode != 3 or not v.stdout.startswith("error Version") or "libmirsafety 9.0.0 is loaded from"
                    not in v.stdout):
                sys.exit("check_version() with a 9.0.0 library: exit %d, expected 3 and MIRS_E_VERSION:\n%s%s"
                         % (v.returncode, v.stdout, v.stderr))
            p = subprocess.run(clean + [exe, "--first-call"], capture_output=True, text=True, cwd=tmp)
            if p.returncode != 101 or "libmirsafety 9.0.0 is loaded from" not in p.stderr:
                sys.exit("a first call into a 9.0.0 library: exit %d, expected a panic (101), never the call:\n%s%s"
                         % (p.returncode, p.stdout, p.stderr))
            shutil.rmtree(libdirs[0])
        else:
            print("rust-install: no C compiler, the wrong-version check is not run")
    finally:
        if os.path.isdir(libdirs[0]) and os.path.isdir(moved):
            shutil.rmtree(libdirs[0])
        os.rename(moved, libdirs[0])
print("rust-install: a scratch crate without build.rs built against the installed library (pkg-config, prefix %s), "
      "ran under env -i and opened %s; without the library it reported:\n%s"
      % (prefix, re.search(r"^opened (.*)$", out, re.M).group(1), r.stdout.strip()))
