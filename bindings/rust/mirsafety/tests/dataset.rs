//! dataset.h through the safe layer, on the bundled sample.
#![cfg(mirs_module = "dataset")]
use std::path::PathBuf;

use mirsafety::{sys, Dataset, DatasetOptions, Filter, Item, Iter};

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
    assert_eq!(
        mirsafety::category_name(sys::MIRS_CATEGORY_SELF_HARM),
        Some("Self-Harm")
    );
    assert_eq!(mirsafety::category_name(6), None);
    assert_eq!(mirsafety::relation_name(1), Some("Temporal_Jump"));
    assert_eq!(mirsafety::group_name(2), Some("Semantic"));
    assert_eq!(mirsafety::category_display_name(3), Some("Illegal Activities"));
    assert_eq!(mirsafety::relation_display_name(1), Some("Temporal Jump"));
    assert!(mirsafety::relation_description(0).is_some());
    assert_eq!(
        mirsafety::relation_group(sys::MIRS_RELATION_CAUSALITY),
        Some(sys::MIRS_GROUP_LOGICAL)
    );
    assert_eq!(mirsafety::relation_group(99), None);
    assert_eq!(
        mirsafety::parse_category("self harm").unwrap(),
        sys::MIRS_CATEGORY_SELF_HARM
    );
    assert_eq!(mirsafety::parse_relation("TEMPORAL_JUMP").unwrap(), 1);
    assert_eq!(mirsafety::parse_group("logical").unwrap(), sys::MIRS_GROUP_LOGICAL);
    let e = mirsafety::parse_category("nope").unwrap_err();
    assert_eq!(e.status(), sys::MIRS_E_NOT_FOUND);
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
    assert!(ds.len() > 0 && !ds.is_empty());
    assert_eq!(ds.path(), sample().as_path());
    assert_eq!(ds.format(), sys::MIRS_DATASET_FORMAT_OFFICIAL);
    assert!(ds.diagnostics().unwrap().is_empty());
    let mut images = 0;
    let mut cells = 0;
    for (i, item) in ds.iter().enumerate() {
        assert_eq!(item.index(), i);
        assert_eq!(ds.get(i).unwrap().key(), item.key());
        assert_eq!(ds.find(item.key()).unwrap().index(), i);
        let key = format!(
            "{}/{}/{}",
            mirsafety::category_name(item.category()).unwrap(),
            mirsafety::relation_name(item.relation()).unwrap(),
            item.id()
        );
        assert_eq!(item.key(), key);
        assert_eq!(item.category_name(), mirsafety::category_name(item.category()).unwrap());
        assert_eq!(item.relation_name(), mirsafety::relation_name(item.relation()).unwrap());
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
    for c in 0..sys::MIRS_CATEGORY_COUNT {
        for r in 0..sys::MIRS_RELATION_COUNT {
            cells += ds.count_cell(c, r);
        }
    }
    assert_eq!(cells, ds.len());
    assert_eq!(ds.get(ds.len()).unwrap_err().status(), sys::MIRS_E_RANGE);
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

    let cat = ds.get(0).unwrap().category();
    let only: Vec<&str> = ds
        .iter_filtered(&Filter::new().categories(&[cat]))
        .unwrap()
        .map(|i| i.key())
        .collect();
    let want: Vec<&str> = ds.iter().filter(|i| i.category() == cat).map(|i| i.key()).collect();
    assert_eq!(only, want);
    let rel = ds.get(0).unwrap().relation();
    let n = ds.iter_filtered(&Filter::new().relations(&[rel])).unwrap().count();
    assert_eq!(n, ds.iter().filter(|i| i.relation() == rel).count());
    let g = mirsafety::relation_group(rel).unwrap();
    let n = ds.iter_filtered(&Filter::new().groups(&[g])).unwrap().count();
    assert_eq!(
        n,
        ds.iter()
            .filter(|i| mirsafety::relation_group(i.relation()) == Some(g))
            .count()
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
    let mut opts = DatasetOptions::new()
        .lenient(false)
        .check_images(true)
        .format(sys::MIRS_DATASET_FORMAT_AUTO);
    assert_eq!(opts.raw.struct_size, std::mem::size_of::<sys::mirs_dataset_options>());
    assert!(Dataset::open_with(sample(), &opts).is_ok());
    opts.raw.max_items = 1;
    assert_eq!(
        Dataset::open_with(sample(), &opts).err().unwrap().status(),
        sys::MIRS_E_LIMIT
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
