//! Lets this crate's tests and examples find libmirsafety at run time without LD_LIBRARY_PATH: the -sys crate
//! reports the directory it linked from (DEP_MIRSAFETY_LIB_DIR), and we add it as an rpath.
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_MIRSAFETY_LIB_DIR");
    if let Ok(dir) = std::env::var("DEP_MIRSAFETY_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir);
    }
}
