//! What safe code cannot do: the guarantees of this crate, each pinned by a doc test that must fail to compile
//! with the named error (run by `cargo test --doc`).
//!
//! **No C struct is reachable from safe code.** Options are builders over a private C struct (one method per
//! field, enums for the header's constants), text is kept in `CString`s owned by the options, and the pointers
//! the library reads are filled in for each call from borrows that last the call. The struct of issue #18 is gone:
//!
//! ```compile_fail,E0616
//! let mut o = mirsafety::prompt::PromptOptions::new(mirsafety::PromptFormat::Openai);
//! o.raw.model = 0x10 as _;
//! ```
//!
//! (`o.max_tokens(256)` is the method the docs now name.) Out-of-range values cannot be written: the header's
//! groups of constants are enums and flag sets ([`crate::Relation`], [`crate::MatchFlags`]), and turning a
//! number into one refuses what the header does not define with `MIRS_E_INVALID_ARGUMENT`, as the C functions
//! do (`Relation::try_from(99)`). A slice the library reads or writes always comes with its own length, and every
//! length computed from several dimensions is checked for overflow first.
//!
//! **No library, or the wrong one, is an error, never a wild call.** The library is opened at the first call and its
//! version checked against the header ([`crate::check_version`], which [`crate::Dataset::open`] calls, returns
//! `MIRS_E_NOT_FOUND` or `MIRS_E_VERSION` with each place tried); any other first call then panics with that
//! message, and a function the library lacks panics when called instead of jumping anywhere.
//!
//! **Borrowed pointers are tied to lifetimes.** An item lives as long as its dataset:
//!
//! ```compile_fail,E0505
//! let ds = mirsafety::Dataset::open("examples/data/sample").unwrap();
//! let item = ds.get(0).unwrap();
//! drop(ds);
//! item.key();
//! ```
//!
//! and so do iterators and the texts an item hands out:
//!
//! ```compile_fail,E0597
//! let key: &str = {
//!     let ds = mirsafety::Dataset::open("examples/data/sample").unwrap();
//!     ds.iter().next().unwrap().key()
//! };
//! key.len();
//! ```
//!
//! An item found through a response match borrows the dataset, not the match:
//!
//! ```compile_fail,E0505
//! # use mirsafety::report::{Responses, ResponsesOptions};
//! let ds = mirsafety::Dataset::open("examples/data/sample").unwrap();
//! let r = Responses::parse(b"", None, &ResponsesOptions::default()).unwrap();
//! let m = r.match_dataset(&ds).unwrap();
//! let item = m.item(0);
//! drop(ds);
//! item.is_some();
//! ```
//!
//! An image's pixels are borrowed from it (no copy), and so is the answer `strip_reasoning` finds in a text:
//!
//! ```compile_fail,E0505
//! let img = mirsafety::image::Image::from_pixels(1, 1, mirsafety::Layout::Gray8, &[7], 1).unwrap();
//! let px = img.pixels();
//! drop(img);
//! px.len();
//! ```
//!
//! ```compile_fail,E0505
//! use mirsafety::score::{strip_reasoning, StripOptions};
//! let text = String::from("<think>x</think>answer");
//! let (answer, _) = strip_reasoning(&text, mirsafety::StripMode::Mir, &StripOptions::default()).unwrap();
//! drop(text);
//! answer.len();
//! ```
//!
//! A match of responses to a dataset refers to both, so it borrows both:
//!
//! ```compile_fail,E0505
//! # use mirsafety::report::{Responses, ResponsesOptions};
//! let ds = mirsafety::Dataset::open("examples/data/sample").unwrap();
//! let r = Responses::parse(b"", None, &ResponsesOptions::default()).unwrap();
//! let m = r.match_dataset(&ds).unwrap();
//! drop(r);
//! m.matched_count();
//! ```
//!
//! Options borrow the template they use; a streaming matcher borrows its matcher:
//!
//! ```compile_fail,E0597
//! use mirsafety::prompt::{PromptOptions, Template};
//! let o = {
//!     let t = Template::parse("{{text}}", None).unwrap();
//!     PromptOptions::default().template(&t)
//! };
//! o.clone();
//! ```
//!
//! ```compile_fail,E0505
//! let m = mirsafety::score::Matcher::new(&["no"], mirsafety::MatchFlags::NONE).unwrap();
//! let s = m.stream().unwrap();
//! drop(m);
//! s.result().ok();
//! ```
//!
//! Tensors, views of tensors and slices of their data: see [`crate::entropy`].
//!
//! **`Send` and `Sync` follow the header.** Immutable handles ([`crate::Dataset`], [`crate::Item`],
//! [`crate::score::Matcher`], [`crate::report::Records`], [`crate::report::Responses`], [`crate::image::Image`],
//! [`crate::prompt::Template`], [`crate::report::ResponseMatch`], [`crate::entropy::Tensor`]) are `Send + Sync`; one-thread-at-a-time ones
//! ([`crate::Iter`], [`crate::score::MatcherStream`], [`crate::report::Store`], [`crate::report::Report`],
//! [`crate::entropy::Accumulator`], [`crate::entropy::Monitor`]) are `Send` only:
//!
//! ```compile_fail,E0277
//! fn shared<T: Sync>() {}
//! shared::<mirsafety::Iter<'static>>();
//! ```
//!
//! ```compile_fail,E0277
//! fn shared<T: Sync>() {}
//! shared::<mirsafety::score::MatcherStream<'static>>();
//! ```
//!
//! ```compile_fail,E0277
//! fn shared<T: Sync>() {}
//! shared::<mirsafety::report::Store>();
//! ```
//!
//! ```compile_fail,E0277
//! fn shared<T: Sync>() {}
//! shared::<mirsafety::report::Report>();
//! ```
//!
//! **Callbacks never unwind through C.** A panic in a sink or progress closure is caught, the C call is stopped
//! (a sink) or left to finish without further calls (progress), and the panic is resumed once it has returned.
//!
//! **Every `unsafe` block** calls the library with arguments the header allows (handles this crate owns or
//! borrows for the call, buffers with their lengths, output structs zeroed with their `struct_size` set), or
//! builds a slice or `&str` from memory the header says lives as long as the borrow it is tied to.
