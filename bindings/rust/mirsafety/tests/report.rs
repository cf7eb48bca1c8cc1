#![cfg(mirs_module = "report")]
//! report.h through the safe layer.
use mirsafety::report::{
    self, Record, Records, RecordsOptions, Report, Responses, ResponsesOptions, Store, StoreOptions,
};
use mirsafety::{sys, Dataset};

fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("mirs-rust-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn response_text_keeps_nul_and_origin() {
    let t = b"{\"custom_id\":\"k\",\"response\":{\"status_code\":200,\"body\":{\"choices\":[{\"text\":\" Yes\\u0000x\"}]}}}\n";
    let r = Responses::parse(t, None, &ResponsesOptions::default()).unwrap();
    let x = r.get(0).unwrap();
    assert_eq!(
        (x.text.as_str(), x.origin),
        (" Yes\0x", mirsafety::ResponseOrigin::Completions)
    );
}

#[test]
fn record_texts_keep_nul() {
    let mut r = Record::new(
        "Violence/Analogy/7",
        "m",
        "harmbench-mir",
        Some(mirsafety::Verdict::Safe),
    );
    r.response = Some("Sure.\0NUL".to_string());
    r.judge_output = Some("Yes\0".to_string());
    let line = r.to_json().unwrap();
    assert!(line.contains("\"judge_output\":\"Yes\\u0000\",\"response\":\"Sure.\\u0000NUL\""));
    let rs = Records::parse(format!("{line}{line}").as_bytes(), None, &RecordsOptions::new()).unwrap();
    assert_eq!(rs.get(0).unwrap(), r);
}

#[test]
fn responses() {
    let t = b"{\"key\":\"k1\",\"response\":\"hi\",\"status\":\"ok\"}\nbad\n{\"key\":\"k1\",\"response\":\"again\"}\n";
    assert_eq!(
        Responses::parse(t, Some("s.jsonl"), &ResponsesOptions::default())
            .err()
            .unwrap()
            .status(),
        sys::MIRS_E_JSON
    );
    let o = ResponsesOptions::new()
        .mode(mirsafety::ReadMode::Lenient)
        .format(mirsafety::ResponsesFormat::Auto)
        .max_records(10);
    let r = Responses::parse(t, Some("s.jsonl"), &o).unwrap();
    assert_eq!((r.len(), r.format()), (2, mirsafety::ResponsesFormat::Simple));
    assert_eq!(r.get(0).unwrap().text, "hi");
    assert!(r.get(2).is_none());
    assert_eq!(r.find("k1").unwrap().text, "again");
    assert_eq!(r.duplicates(), vec!["k1".to_string()]);
    assert_eq!(r.diagnostics().len(), 1);
    // The one indexed iterator: exact length, both ends, fused.
    let mut it = r.iter();
    assert_eq!(it.len(), 2);
    assert_eq!(it.next_back().unwrap().text, r.get(1).unwrap().text);
    assert_eq!(it.next().unwrap().text, "hi");
    assert!(it.next().is_none() && it.next_back().is_none() && it.len() == 0);
    let d = tmpdir("resp");
    std::fs::write(d.join("r.jsonl"), t).unwrap();
    assert_eq!(Responses::open(d.join("r.jsonl"), &o).unwrap().len(), 2);

    let sample = std::env::var_os("MIRSAFETY_SAMPLE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../examples/data/sample"));
    let ds = Dataset::open(sample).unwrap();
    let first = ds.get(0).unwrap();
    let (cat, rel) = (first.category().unwrap().name(), first.relation().unwrap().name());
    let doc = "[{\"answer\":\"a\",\"item_index\":0,\"inference_status\":\"success\"},\
               {\"answer\":\"b\",\"item_index\":0,\"inference_status\":\"success\"},\
               {\"answer\":\"c\",\"item_index\":999,\"inference_status\":\"failed\"}]";
    let off = Responses::parse_official(doc.as_bytes(), cat, rel, &ResponsesOptions::default()).unwrap();
    let m = off.match_dataset(&ds).unwrap();
    assert_eq!(m.matched_count(), 1);
    assert_eq!(m.item(0).unwrap().key(), first.key());
    assert!(m.item(2).is_none());
    assert_eq!(m.unknown(), vec![format!("{}/{}/#999", cat, rel)]);
    assert_eq!(m.duplicates(), vec![first.key().to_string()]);
    assert_eq!(m.missing().len(), ds.len() - 1);
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn store_records_merge() {
    let d = tmpdir("store");
    let mut rec = Record::new(
        "Violence/Analogy/1",
        "m",
        "harmbench-mir",
        Some(mirsafety::Verdict::Unsafe),
    );
    rec.response = Some("Sure".into());
    rec.timestamp_ms = Some(7);
    let line = rec.to_json().unwrap();
    assert!(line.ends_with('\n'));
    let opts = StoreOptions::new()
        .durability(mirsafety::Durability::None)
        .torn(mirsafety::TornPolicy::Refuse);
    let mut s = Store::open(d.join("a.jsonl"), &opts).unwrap();
    s.append(&rec).unwrap();
    s.append(&Record::new(
        "Violence/Analogy/2",
        "m",
        "harmbench-mir",
        Some(mirsafety::Verdict::Safe),
    ))
    .unwrap();
    s.sync().unwrap();
    assert!(s.done("Violence/Analogy/1", Some("m"), None).unwrap());
    assert!(!s.done("Violence/Analogy/9", None, None).unwrap());
    assert_eq!((s.record_count(), s.torn_bytes()), (2, 0));
    assert_eq!(
        Store::open(d.join("a.jsonl"), &opts).err().unwrap().status(),
        sys::MIRS_E_STATE
    );
    s.close().unwrap();
    let r = Records::read(d.join("a.jsonl"), &RecordsOptions::new()).unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(r.get(0).unwrap(), rec);
    assert_eq!(r.get(1).unwrap().timestamp_ms, None); // absent, not a 0 sentinel
    assert_eq!((r.torn_bytes(), r.diagnostics().len()), (0, 0));
    let p = Records::parse(
        format!("{}junk\n{}", line, line).as_bytes(),
        Some("mem"),
        &RecordsOptions::new().mode(mirsafety::ReadMode::Lenient),
    )
    .unwrap();
    assert_eq!((p.len(), p.diagnostics().len()), (2, 1));
    let rev: Vec<Record> = p.iter().rev().collect();
    assert_eq!(rev.len(), p.iter().len());
    assert_eq!((rev[0].clone(), rev[1].clone()), (p.get(1).unwrap(), p.get(0).unwrap()));
    {
        let mut s2 = Store::open(d.join("b.jsonl"), &StoreOptions::default()).unwrap();
        s2.append(&rec).unwrap();
    } // dropped: closed
    let (n, dup, conf) = report::store_merge(
        &[d.join("a.jsonl"), d.join("b.jsonl")],
        d.join("m.jsonl"),
        mirsafety::MergePolicy::Strict,
    )
    .unwrap();
    assert_eq!((n, dup, conf), (2, 1, 0));
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn reports_and_comparisons() {
    let mut a = Report::new("m", "harmbench-mir").unwrap();
    assert_eq!((a.model(), a.judge()), ("m".to_string(), "harmbench-mir".to_string()));
    a.add(
        Some(mirsafety::Category::Violence),
        Some(mirsafety::Relation::Analogy),
        mirsafety::Verdict::Unsafe,
        mirsafety::RecordFlags::NONE,
        None,
        None,
    )
    .unwrap();
    a.add_record(&Record::new(
        "Privacy/Causality/3",
        "m",
        "harmbench-mir",
        Some(mirsafety::Verdict::Safe),
    ))
    .unwrap();
    let mut b = Report::new("m", "harmbench-mir").unwrap();
    b.add_official_json(
        b"{\"judge_result\":[{\"label\":\"unsafe\"},{\"label\":\"safe\"}]}",
        "Violence",
        "Analogy.json",
    )
    .unwrap();
    a.merge(&b).unwrap();
    assert_eq!(a.counts(None, None, None, mirsafety::Denominator::All).unwrap(), (2, 4));
    assert_eq!(
        a.counts(
            Some(mirsafety::Category::Violence),
            None,
            None,
            mirsafety::Denominator::All
        )
        .unwrap(),
        (2, 3)
    );
    let mir = a
        .write(
            mirsafety::ReportFormat::Mir,
            mirsafety::ReportBy::NONE,
            mirsafety::Denominator::All,
            0.95,
        )
        .unwrap();
    assert!(mir.contains("Final Statistics") && mir.contains("Analogy.json"));
    let d = tmpdir("official");
    std::fs::create_dir_all(d.join("Violence")).unwrap();
    std::fs::write(
        d.join("Violence/Analogy.json"),
        "{\"judge_result\":[{\"label\":\"unsafe\"}]}",
    )
    .unwrap();
    std::fs::write(d.join("Violence/bad.json"), "{").unwrap();
    let mut o = Report::new("x", "harmbench-mir").unwrap();
    o.add_official(&d, 1).unwrap();
    assert_eq!(
        (
            o.counts(None, None, None, mirsafety::Denominator::All).unwrap(),
            o.skipped_files()
        ),
        ((1, 1), 1)
    );
    let mut o2 = Report::new("x", "harmbench-mir").unwrap();
    o2.add_official(&d, 3).unwrap(); // the reader's threads do not change the result
    assert_eq!(
        (
            o2.counts(None, None, None, mirsafety::Denominator::All).unwrap(),
            o2.skipped_files()
        ),
        ((1, 1), 1)
    );
    let fo = Records::from_official(&d, "x", 2).unwrap();
    assert_eq!(fo.len(), 1);
    assert_eq!(fo.get(0).unwrap().verdict, Some(mirsafety::Verdict::Unsafe));
    std::fs::remove_dir_all(&d).ok();

    let recs = |model: &str, m: usize| -> Records {
        let text: String = (0..20)
            .map(|i| {
                Record::new(
                    &format!("Violence/Analogy/{}", i),
                    model,
                    "j",
                    Some(if i % m == 0 {
                        mirsafety::Verdict::Unsafe
                    } else {
                        mirsafety::Verdict::Safe
                    }),
                )
                .to_json()
                .unwrap()
            })
            .collect();
        Records::parse(text.as_bytes(), None, &RecordsOptions::new()).unwrap()
    };
    let (ra, rb) = (recs("A", 2), recs("B", 3));
    let stats = cfg!(mirs_module = "stats");
    match report::compare_models(&ra, "A", "j", &rb, "B", "j", 0.95) {
        Ok(c) => assert_eq!((c.a_only, c.b_only), (6, 3)), // even and not a multiple of 3; odd multiples of 3
        Err(e) => assert!(!stats && e.status() == sys::MIRS_E_UNSUPPORTED),
    }
    match report::compare_judges(&ra, "j", &recs("A", 3), "j", Some("A")) {
        Ok(c) => assert_eq!(c.common, 20),
        Err(e) => assert!(!stats && e.status() == sys::MIRS_E_UNSUPPORTED),
    }
    match report::compare_capability(&[0.1, 0.5, 0.3], &[1.0, 2.0, 3.0]) {
        Ok((rho, _, tau, _)) => {
            assert!((rho - 0.5).abs() < 1e-12 && (tau - 1.0 / 3.0).abs() < 1e-12)
        }
        Err(e) => assert!(!stats && e.status() == sys::MIRS_E_UNSUPPORTED),
    }
}

#[test]
fn scoring_a_run() {
    let sample = std::env::var_os("MIRSAFETY_SAMPLE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../examples/data/sample"));
    let ds = Dataset::open(sample).unwrap();
    let keys: Vec<String> = ds.iter().map(|i| i.key().to_string()).collect();
    let line = |k: &str, r: &str| format!("{{\"key\":\"{}\",\"response\":\"{}\",\"status\":\"ok\"}}\n", k, r);
    let resp: String = keys.iter().map(|k| line(k, "an answer")).collect();
    let judged: String = keys
        .iter()
        .enumerate()
        .map(|(i, k)| line(k, if i % 2 == 0 { "Yes" } else { "No" }))
        .collect();
    let o = ResponsesOptions::default();
    let (r, j) = (
        Responses::parse(resp.as_bytes(), None, &o).unwrap(),
        Responses::parse(judged.as_bytes(), None, &o).unwrap(),
    );
    let d = tmpdir("score");
    let mut st = Store::open(d.join("s.jsonl"), &StoreOptions::default()).unwrap();
    let opts = report::ScoreOptions::new("m").unwrap();
    let s = report::score_responses(&ds, &mirsafety::Filter::new(), &r, &j, None, &opts, &mut st).unwrap();
    assert_eq!(
        (s.scored, s.r#unsafe, s.unmatched),
        (keys.len() as u64, ((keys.len() + 1) / 2) as u64, 0)
    );
    let again = report::score_responses(&ds, &mirsafety::Filter::new(), &r, &j, None, &opts, &mut st).unwrap();
    assert_eq!((again.scored, again.already_in_store), (0, keys.len() as u64));
    // With progress: never going back, ending at (total, total).
    let mut ticks = Vec::new();
    let f = mirsafety::Filter::new();
    let third = report::score_responses_with_progress(&ds, &f, &r, &j, None, &opts, &mut st, |d, t| ticks.push((d, t)))
        .unwrap();
    assert_eq!(third.already_in_store, keys.len() as u64);
    let n = keys.len();
    assert_eq!(ticks.last(), Some(&(n, n)));
    assert!(ticks.windows(2).all(|w| w[0].0 <= w[1].0) && ticks.iter().all(|&(_, t)| t == n));
    assert!(!ticks.is_empty() && ticks.len() <= n);
    // A panic in the callback does not cross C: it is resumed after the run.
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        report::score_responses_with_progress(&ds, &f, &r, &j, None, &opts, &mut st, |_, _| panic!("stop")).ok();
    }));
    assert!(caught.is_err());
    st.close().unwrap();
    // The builder's fields reach the records.
    let mut st2 = Store::open(
        d.join("s2.jsonl"),
        &StoreOptions::new().durability(mirsafety::Durability::Flush),
    )
    .unwrap();
    let opts2 = report::ScoreOptions::new("m2")
        .unwrap()
        .judge(mirsafety::Judge::HarmbenchMir)
        .parse_mode(mirsafety::ParseMode::Lenient)
        .strip_mode(mirsafety::StripMode::Mir)
        .keep_response(true)
        .timestamp_ms(7);
    let s2 = report::score_responses(&ds, &f, &r, &j, None, &opts2, &mut st2).unwrap();
    assert_eq!(s2.scored, keys.len() as u64);
    st2.close().unwrap();
    let recs = Records::read(d.join("s2.jsonl"), &RecordsOptions::new()).unwrap();
    assert!(recs
        .iter()
        .all(|x| x.model == "m2" && x.timestamp_ms == Some(7) && x.response.as_deref() == Some("an answer")));
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn one_verdict_per_item_and_coverage() {
    let sample = std::env::var_os("MIRSAFETY_SAMPLE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../examples/data/sample"));
    let ds = Dataset::open(sample).unwrap();
    let (k0, k1) = (ds.get(0).unwrap().key(), ds.get(1).unwrap().key());
    let mut text = String::new();
    for (k, v) in [
        (&k0, mirsafety::Verdict::Error),
        (&k0, mirsafety::Verdict::Unsafe),
        (&k1, mirsafety::Verdict::Safe),
    ] {
        text += &Record::new(k, "m", "j", Some(v)).to_json().unwrap();
    }
    let recs = Records::parse(text.as_bytes(), None, &RecordsOptions::new()).unwrap();
    assert_eq!(
        (0..3).map(|i| recs.counted(i)).collect::<Vec<_>>(),
        vec![false, true, true]
    );
    // iter(): every record in order, exact length, from both ends.
    let mut it = recs.iter();
    assert_eq!(it.len(), 3);
    assert_eq!(it.next_back().unwrap().verdict, Some(mirsafety::Verdict::Safe));
    assert_eq!(it.size_hint(), (2, Some(2)));
    assert_eq!(
        it.map(|r| r.verdict).collect::<Vec<_>>(),
        vec![Some(mirsafety::Verdict::Error), Some(mirsafety::Verdict::Unsafe)]
    );
    assert_eq!((&recs).into_iter().count(), recs.len());
    let mut none = Record::new(k0, "m", "j", None);
    none.flags = mirsafety::RecordFlags::FAILED | mirsafety::RecordFlags::TRUNCATED;
    let back = Records::parse(none.to_json().unwrap().as_bytes(), None, &RecordsOptions::new()).unwrap();
    assert_eq!(back.get(0).unwrap(), none);
    let mut rep = Report::new("m", "j").unwrap();
    for i in (0..recs.len()).filter(|&i| recs.counted(i)) {
        rep.add_record(&recs.get(i).unwrap()).unwrap();
    }
    assert_eq!(
        rep.counts(None, None, None, mirsafety::Denominator::All).unwrap(),
        (1, 2)
    );
    rep.add_dataset(&ds).unwrap();
    assert_eq!(rep.dataset_items(), ds.len() as u64);
    assert_eq!(rep.missing().len(), ds.len() - 2);
    assert_eq!(
        rep.counts(None, None, None, mirsafety::Denominator::All).unwrap(),
        (1, ds.len() as u64)
    );
    let r = Responses::parse(
        b"{\"key\":\"a\",\"response\":\"1\"}\n{\"key\":\"a\",\"response\":\"2\"}\n",
        None,
        &ResponsesOptions::default(),
    )
    .unwrap();
    assert!(!r.latest(0) && r.latest(1));
    let texts: Vec<String> = r.iter().map(|x| x.text).collect();
    assert_eq!(texts, vec!["1".to_string(), "2".to_string()]);
    assert_eq!(r.iter().len(), 2);
    assert_eq!(r.iter().next_back().unwrap().text, "2");
    assert_eq!(
        (&r).into_iter().map(|x| x.status).collect::<Vec<_>>(),
        vec![mirsafety::ResponseStatus::Ok; 2]
    );
}

#[test]
fn capability_scores_and_dump_names() {
    let c = mirsafety::report::Capability::parse(b"model,score\n\"a, b\",1.5\nc,2\n", Some("caps.csv")).unwrap();
    assert_eq!(c.len(), 2);
    assert_eq!(c.get(0), Some(("a, b", 1.5)));
    assert_eq!(c.score_of("c"), Some(2.0));
    assert_eq!(c.score_of("x"), None);
    assert_eq!(c.iter().len(), 2);
    let e = mirsafety::report::Capability::parse(b"a,1\nb,zz\n", Some("caps.csv"))
        .err()
        .unwrap();
    assert!(e.message().contains("caps.csv: line 2"), "{}", e.message());
    assert_eq!(
        mirsafety::entropy::dump_name("Violence/Analogy/12").unwrap(),
        "Violence__Analogy__12.npy"
    );
    assert!(mirsafety::entropy::dump_name("").is_err());
}

#[test]
fn enum_names_are_the_library_names() {
    use mirsafety::{Durability, StripMode, Verdict};
    assert_eq!(StripMode::GlmRaw.name(), "glm-raw");
    assert_eq!("none".parse::<StripMode>().unwrap(), StripMode::Whitespace);
    assert_eq!(Durability::from_name("FSYNC").unwrap(), Durability::Fsync);
    assert_eq!(Verdict::Unsafe.to_string(), "unsafe");
    let e = StripMode::from_name("bogus").err().unwrap();
    assert!(
        e.message().contains("choices: mir, glm, tags, whitespace, glm-raw"),
        "{}",
        e.message()
    );
    for v in StripMode::ALL {
        assert_eq!(StripMode::from_name(v.name()).unwrap(), v);
    }
}

#[test]
fn judge_requests_one_per_item_last_response_wins() {
    let sample = std::env::var_os("MIRSAFETY_SAMPLE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../examples/data/sample"));
    let ds = Dataset::open(sample).unwrap();
    let key = ds.get(0).unwrap().key().to_string();
    let text = format!(
        "{{\"key\":\"{k}\",\"response\":\"first\"}}\n{{\"key\":\"{k}\",\"response\":\"<think>x</think>second\"}}\n\
         {{\"key\":\"nope/x/1\",\"response\":\"z\"}}\n",
        k = key
    );
    let r = Responses::parse(text.as_bytes(), None, &ResponsesOptions::default()).unwrap();
    let m = r.match_dataset(&ds).unwrap();
    let mut lines = Vec::new();
    let sum = report::judge_requests(&r, &m, &report::JudgeRequestsOptions::default(), |l| {
        lines.push(String::from_utf8(l.to_vec()).unwrap());
        true
    })
    .unwrap();
    assert_eq!((sum.written, sum.superseded, sum.unmatched), (1, 1, 1));
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with(&format!("{{\"custom_id\":\"{}\"", key)),
        "{}",
        lines[0]
    );
    // The last response of the key is the one judged, its reasoning stripped (the item's question may say
    // "first" too, so look at the generation's place only).
    let gen = lines[0]
        .split("Generation:")
        .nth(1)
        .unwrap_or("")
        .split("---")
        .next()
        .unwrap_or("");
    assert!(
        gen.contains("second") && !gen.contains("first") && !gen.contains("</think>"),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].ends_with("\"max_tokens\":1,\"temperature\":0}}\n"),
        "{}",
        lines[0]
    );
    let rub = report::JudgeRequestsOptions::default().rubric(true).chat(true);
    let mut n = 0;
    report::judge_requests(&r, &m, &rub, |l| {
        assert!(std::str::from_utf8(l)
            .unwrap()
            .contains("\"messages\":[{\"role\":\"user\""));
        n += 1;
        true
    })
    .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn write_html_page() {
    let mut a = Report::new("m <1>", "harmbench-mir").unwrap();
    let mut b = Report::new("other", "llamaguard3").unwrap();
    let rec = |key: &str, model: &str, judge: &str, v: mirsafety::Verdict| Record::new(key, model, judge, Some(v));
    a.add_record(&rec(
        "Violence/Analogy/1",
        "m <1>",
        "harmbench-mir",
        mirsafety::Verdict::Unsafe,
    ))
    .unwrap();
    b.add_record(&rec(
        "Violence/Analogy/1",
        "other",
        "llamaguard3",
        mirsafety::Verdict::Safe,
    ))
    .unwrap();
    let mut acc = mirsafety::entropy::Accumulator::new(1, 1, 8, 0.0, 4.0).unwrap();
    for v in [1.0, 1.2, 1.1] {
        acc.add_item(mirsafety::EntropyLabel::Safe, &[v], 1, 1, 1).unwrap();
        acc.add_item(mirsafety::EntropyLabel::Unsafe, &[v + 1.5], 1, 1, 1)
            .unwrap();
    }
    let opts = report::HtmlOptions::new().title("T & t").unwrap().confidence(0.9);
    let mut page = Vec::new();
    let mut lines = 0;
    report::write_html(&[&a, &b], &[("acc", &acc, "nats")], &opts, |l| {
        assert_eq!(l.iter().filter(|&&c| c == b'\n').count(), 1);
        assert_eq!(l.last(), Some(&b'\n'));
        page.extend_from_slice(l);
        lines += 1;
        true
    })
    .unwrap();
    let text = String::from_utf8(page).unwrap();
    assert!(text.starts_with("<!DOCTYPE html>\n") && text.ends_with("</body></html>\n"));
    assert!(text.contains("<title>T &amp; t</title>") && text.contains("m &lt;1&gt;") && text.contains("90% Wilson"));
    assert!(lines > 10);
    let mut first = 0;
    report::write_html(&[&a], &[], &report::HtmlOptions::new(), |_| {
        first += 1;
        false
    })
    .unwrap();
    assert_eq!(first, 1);
    let bad = report::HtmlOptions::new().confidence(1.5);
    let err = report::write_html(&[&a], &[], &bad, |_| true).unwrap_err();
    assert_eq!(err.status(), sys::MIRS_E_INVALID_ARGUMENT);
}
