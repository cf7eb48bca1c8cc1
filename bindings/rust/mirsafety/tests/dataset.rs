//! dataset.h through the safe layer, on the bundled sample.
#![cfg(mirs_module = "dataset")]
use std::path::PathBuf;

use mirsafety::{sys, Dataset, DatasetOptions, Filter, Item, Iter, Relation};

fn sample() -> PathBuf {
    match std::env::var_os("MIRSAFETY_SAMPLE") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../examples/data/sample"),
    }
}

fn open() -> Dataset {
    Dataset::open(sample()).expect("the sample opens")
}

// Send/Sync as the header documents them: a dataset is shareable, an iterator may move but not be shared.
fn assert_send_sync<T: Send + Sync>() {}
fn assert_send<T: Send>() {}
#[test]
fn thread_markers() {
    assert_send_sync::<Dataset>();
    assert_send_sync::<Item<'static>>();
    assert_send::<Iter<'static>>();
}

#[test]
fn taxonomy() {
    use mirsafety::{Category, Group, Relation};
    assert_eq!(mirsafety::category_name(Category::SelfHarm), "Self-Harm");
    assert_eq!(Relation::TemporalJump.name(), "Temporal_Jump");
    assert_eq!(mirsafety::relation_name(Relation::TemporalJump), "Temporal_Jump");
    assert_eq!(mirsafety::group_name(Group::Semantic), "Semantic");
    assert_eq!(
        mirsafety::category_display_name(Category::IllegalActivities),
        "Illegal Activities"
    );
    assert_eq!(
        mirsafety::relation_display_name(Relation::TemporalJump),
        "Temporal Jump"
    );
    assert!(!mirsafety::relation_description(Relation::TemporalContinuity).is_empty());
    assert_eq!(mirsafety::relation_group(Relation::Causality), Group::Logical);
    // Every value of the header and only those (the C name functions answer NULL past the end).
    assert_eq!(Category::ALL.len(), sys::MIRS_CATEGORY_COUNT as usize);
    assert_eq!(Relation::ALL.len(), sys::MIRS_RELATION_COUNT as usize);
    assert_eq!(Group::ALL.len(), sys::MIRS_GROUP_COUNT as usize);
    for (i, c) in Category::ALL.iter().enumerate() {
        assert_eq!(c.raw(), i as i32);
        assert_eq!(Category::try_from(i as i32).unwrap(), *c);
        assert_eq!(Category::from_name(c.name()).unwrap(), *c);
    }
    for r in Relation::ALL {
        assert_eq!(Relation::from_name(r.name()).unwrap(), r);
        assert!(Group::ALL.contains(&r.group()));
    }
    for v in [-1, 6, 31, 32, 99, i32::MIN, i32::MAX] {
        assert!(unsafe { sys::mirs_category_name(v) }.is_null());
        let e = Category::try_from(v).unwrap_err();
        assert_eq!(e.kind(), mirsafety::ErrorKind::InvalidArgument);
    }
    for v in [-1, 9, 31, 32, 99] {
        assert!(unsafe { sys::mirs_relation_name(v) }.is_null());
        assert_eq!(
            Relation::try_from(v).unwrap_err().status(),
            sys::MIRS_E_INVALID_ARGUMENT
        );
    }
    assert_eq!(Group::try_from(4).unwrap_err().status(), sys::MIRS_E_INVALID_ARGUMENT);
    assert_eq!(mirsafety::parse_category("self harm").unwrap(), Category::SelfHarm);
    assert_eq!(
        mirsafety::parse_relation("TEMPORAL_JUMP").unwrap(),
        Relation::TemporalJump
    );
    assert_eq!(mirsafety::parse_group("logical").unwrap(), Group::Logical);
    let e = mirsafety::parse_category("nope").unwrap_err();
    assert_eq!(e.status(), sys::MIRS_E_NOT_FOUND);
    assert_eq!(e.kind(), mirsafety::ErrorKind::NotFound);
    assert_eq!(e.status_name(), "MIRS_E_NOT_FOUND");
    assert!(!e.message().is_empty());
    assert_eq!(mirsafety::last_error().0, sys::MIRS_E_NOT_FOUND);
    mirsafety::clear_error();
    assert_eq!(mirsafety::last_error(), (0, String::new()));
    assert_eq!(
        mirsafety::key_shard("a/b/1", 5) as u64,
        mirsafety::key_hash("a/b/1") % 5
    );
}

#[test]
fn open_iterate_get_find() {
    let ds = open();
    assert!(!ds.is_empty() && ds.len() == ds.iter().len());
    assert_eq!(ds.path(), sample().as_path());
    assert_eq!(ds.format(), mirsafety::DatasetFormat::Official);
    assert!(ds.diagnostics().is_empty());
    let mut images = 0;
    let mut cells = 0;
    let mut it = ds.iter();
    assert_eq!(it.size_hint(), (ds.len(), Some(ds.len())));
    it.next();
    assert_eq!(it.len(), ds.len() - 1);
    it.reset();
    assert_eq!(it.len(), ds.len());
    assert_eq!(it.by_ref().count(), ds.len());
    assert_eq!((it.len(), it.next().is_none(), it.len()), (0, true, 0));
    for (i, item) in ds.iter().enumerate() {
        assert_eq!(item.index(), i);
        assert_eq!(ds.get(i).unwrap().key(), item.key());
        assert_eq!(ds.find(item.key()).unwrap().index(), i);
        let key = format!(
            "{}/{}/{}",
            item.category().unwrap().name(),
            item.relation().unwrap().name(),
            item.id()
        );
        assert_eq!(item.key(), key);
        assert_eq!(item.category_name(), item.category().unwrap().name());
        assert_eq!(item.relation_name(), item.relation().unwrap().name());
        assert!(!item.revised_prompt().is_empty() && !item.original_question().is_empty());
        let _ = (
            item.id_is_int(),
            item.relationship_type(),
            item.iteration(),
            item.source_index(),
        );
        assert!(item.source_file().to_str().unwrap().ends_with("_final.json"));
        assert_eq!(item.image_paths().len(), item.image_count());
        for f in item.image_files() {
            assert!(f.starts_with(sample()));
        }
        let _ = (item.descriptions(), item.keywords(), format!("{:?}", item));
        images += item.image_count();
    }
    assert_eq!(images, ds.image_total());
    for c in mirsafety::Category::ALL {
        for r in mirsafety::Relation::ALL {
            cells += ds.count_cell(c, r);
        }
    }
    assert_eq!(cells, ds.len());
    assert!(ds.get(ds.len()).is_none());
    assert_eq!(ds.find("no/such/key").unwrap_err().status(), sys::MIRS_E_NOT_FOUND);
    assert_eq!(ds.find("nul\0key").unwrap_err().status(), sys::MIRS_E_INVALID_ARGUMENT);
    assert_eq!(ds.checksum(false).unwrap(), ds.checksum(false).unwrap());
    assert!(ds.checksum(true).is_ok());
    assert_eq!((&ds).into_iter().count(), ds.len());
}

#[test]
fn filters_shards_shuffle() {
    let ds = open();
    let all: Vec<&str> = ds.iter().map(|i| i.key()).collect();
    let mut seen = Vec::new();
    for s in 0..3 {
        let it = ds.iter_filtered(&Filter::new().shard(s, 3)).unwrap();
        let total = it.total();
        let part: Vec<&str> = it.map(|i| i.key()).collect();
        assert_eq!(part.len(), total);
        assert!(part.iter().all(|k| mirsafety::key_shard(k, 3) == s));
        seen.extend(part);
    }
    seen.sort();
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
    assert_eq!(
        ds.iter_filtered(&Filter::new().shard(3, 3)).err().unwrap().status(),
        sys::MIRS_E_RANGE
    );

    let cat = ds.get(0).unwrap().category().unwrap();
    let only: Vec<&str> = ds
        .iter_filtered(&Filter::new().categories(&[cat]))
        .unwrap()
        .map(|i| i.key())
        .collect();
    let want: Vec<&str> = ds
        .iter()
        .filter(|i| i.category() == Some(cat))
        .map(|i| i.key())
        .collect();
    assert_eq!(only, want);
    let rel = ds.get(0).unwrap().relation().unwrap();
    let it = ds.iter_filtered(&Filter::new().relations(&[rel])).unwrap();
    let n = it.len();
    assert_eq!(it.count(), n);
    assert_eq!(n, ds.iter().filter(|i| i.relation() == Some(rel)).count());
    assert!(n < ds.len());
    let g = rel.group();
    let n = ds.iter_filtered(&Filter::new().groups(&[g])).unwrap().count();
    assert_eq!(
        n,
        ds.iter().filter(|i| i.relation().map(|r| r.group()) == Some(g)).count()
    );
    // Issue #18: an out-of-range relation used to become an empty mask, which keeps every item. It cannot be
    // written any more: the value is refused where it becomes a Relation, with the C library's status.
    assert_eq!(
        Relation::try_from(99).unwrap_err().status(),
        sys::MIRS_E_INVALID_ARGUMENT
    );
    assert_eq!(
        Relation::try_from(-1).unwrap_err().status(),
        sys::MIRS_E_INVALID_ARGUMENT
    );
    assert_eq!(
        Relation::try_from(32).unwrap_err().status(),
        sys::MIRS_E_INVALID_ARGUMENT
    );
    let pick: Vec<&str> = all.iter().step_by(3).cloned().collect();
    let got: Vec<&str> = ds
        .iter_filtered(&Filter::new().keys(&pick))
        .unwrap()
        .map(|i| i.key())
        .collect();
    assert_eq!(got, pick);

    let a: Vec<&str> = ds
        .iter_filtered(&Filter::new().shuffle(7))
        .unwrap()
        .map(|i| i.key())
        .collect();
    let b: Vec<&str> = ds
        .iter_filtered(&Filter::new().shuffle(7))
        .unwrap()
        .map(|i| i.key())
        .collect();
    assert_eq!(a, b);
    let mut it = ds.iter();
    let first = it.next().unwrap().key();
    it.reset();
    assert_eq!(it.next().unwrap().key(), first);
    assert!(it.error().is_none());
}

#[test]
fn options_and_errors() {
    let e = Dataset::open("/nonexistent/mirsafety-dataset").err().unwrap();
    assert!(e.status() < 0 && !e.message().is_empty());
    assert!(format!("{}", e).starts_with("MIRS_E_"));
    let opts = DatasetOptions::new()
        .mode(mirsafety::ReadMode::Strict)
        .check_images(true)
        .format(mirsafety::DatasetFormat::Auto)
        .oddities(mirsafety::Oddities::Accept);
    assert!(Dataset::open_with(sample(), &opts).is_ok());
    let e = Dataset::open_with(sample(), &opts.max_items(1)).err().unwrap();
    assert_eq!((e.status(), e.kind()), (sys::MIRS_E_LIMIT, mirsafety::ErrorKind::Limit));
    // The builder reaches every field: the library checks them as in C.
    let e = Dataset::open_with(sample(), &opts.max_images(1)).err().unwrap();
    assert_eq!(e.message(), "mirs_dataset_open: min_images 2 > max_images 1");
    let few = opts.mode(mirsafety::ReadMode::Lenient).min_images(1).max_images(2);
    let full = Dataset::open(sample()).unwrap().len();
    // An item outside the image range is an oddity: accepted with a diagnostic of status 0, or refused (skipped).
    let ds = Dataset::open_with(sample(), &few).unwrap();
    let d = ds.diagnostics();
    assert!(ds.len() == full && !d.is_empty() && d.iter().all(|x| x.status == 0));
    let ds = Dataset::open_with(sample(), &few.oddities(mirsafety::Oddities::Refuse)).unwrap();
    let d = ds.diagnostics();
    assert!(
        ds.len() < full
            && d.iter()
                .any(|x| x.status < 0 && x.kind() != mirsafety::ErrorKind::Other)
    );
}

#[test]
fn one_dataset_many_threads() {
    let ds = open();
    let want: Vec<String> = ds.iter().map(|i| i.key().to_string()).collect();
    std::thread::scope(|s| {
        let hs: Vec<_> = (0..4)
            .map(|_| s.spawn(|| ds.iter().map(|i| i.key().to_string()).collect::<Vec<_>>()))
            .collect();
        for h in hs {
            assert_eq!(h.join().unwrap(), want);
        }
    });
    // an iterator moves to another thread (Send)
    let it = ds.iter();
    let n = std::thread::scope(|s| s.spawn(move || it.count()).join().unwrap());
    assert_eq!(n, ds.len());
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

// A diagnostic about a whole file has no item position (None, not a -1 sentinel); one about an item has it.
#[test]
fn diagnostic_item_index_is_an_option() {
    let root = std::env::temp_dir().join(format!("mirs-rust-diag-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    copy_tree(&sample(), &root);
    let victim = root.join("Self-Harm").join("Causality_final.json");
    std::fs::write(&victim, "[{\"id\": 1, \"revised_prompt\": ").unwrap();
    let lenient = DatasetOptions::new().mode(mirsafety::ReadMode::Lenient);
    let ds = Dataset::open_with(&root, &lenient).unwrap();
    let d = ds.diagnostics();
    let file = d
        .iter()
        .find(|x| x.file.ends_with("Causality_final.json"))
        .expect("a diagnostic for the file");
    assert_eq!((file.status, file.item_index), (sys::MIRS_E_JSON, None));
    let few = lenient.min_images(1).max_images(2);
    let ds = Dataset::open_with(sample(), &few).unwrap();
    let d = ds.diagnostics();
    assert!(!d.is_empty() && d.iter().all(|x| x.item_index.is_some()));
    std::fs::remove_dir_all(&root).unwrap();
}
