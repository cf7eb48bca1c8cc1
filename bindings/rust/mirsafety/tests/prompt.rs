#![cfg(mirs_module = "prompt")]
//! prompt.h through the safe layer.
use mirsafety::prompt::{self, Input, PromptOptions, Template};
use mirsafety::{sys, Dataset, Filter};

fn sample() -> std::path::PathBuf {
    std::env::var_os("MIRSAFETY_SAMPLE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../examples/data/sample"))
}

#[test]
fn names_render_templates() {
    assert_eq!(prompt::format_name(mirsafety::PromptFormat::Plain), "plain");
    assert_eq!(prompt::variant_name(mirsafety::Variant::Captions), "captions");
    for f in mirsafety::PromptFormat::ALL {
        assert_eq!(mirsafety::PromptFormat::from_name(f.name()).unwrap(), f);
    }
    for v in mirsafety::Variant::ALL {
        assert_eq!(mirsafety::Variant::from_name(v.name()).unwrap(), v);
    }
    assert_eq!(
        mirsafety::PromptFormat::try_from(sys::MIRS_PROMPT_FORMAT_COUNT)
            .unwrap_err()
            .status(),
        sys::MIRS_E_INVALID_ARGUMENT
    );
    assert_eq!(
        prompt::parse_format("GLM4.1V").unwrap(),
        mirsafety::PromptFormat::Glm4_1v
    );
    assert_eq!(
        prompt::parse_variant("text only").unwrap(),
        mirsafety::Variant::TextOnly
    );
    assert!(prompt::is_request_format(mirsafety::PromptFormat::Openai));
    assert!(!mirsafety::PromptFormat::Qwen2Vl.is_request());
    let input = Input {
        text: "PROMPT",
        images: vec!["a", "b", "c"],
        ..Default::default()
    };
    let q = prompt::render(&input, &PromptOptions::new(mirsafety::PromptFormat::Qwen2Vl)).unwrap();
    assert_eq!(q.matches("<|vision_start|><|image_pad|><|vision_end|>").count(), 3);
    assert!(q.ends_with("PROMPT<|im_end|>\n<|im_start|>assistant\n"));
    let o = PromptOptions::new(mirsafety::PromptFormat::Plain)
        .system("S")
        .unwrap()
        .image_placeholder("<i>")
        .unwrap();
    assert_eq!(
        prompt::render(
            &Input {
                text: "hi",
                images: vec!["x"],
                ..Default::default()
            },
            &o
        )
        .unwrap(),
        "S\n\n<i>\nhi"
    );
    let t = Template::parse("{{#images}}[{{index}}]{{/images}}{{text}}/{{key}}", Some("t")).unwrap();
    let o = PromptOptions::default().template(&t);
    let inp = Input {
        text: "x",
        images: vec!["p", "q"],
        key: Some("K"),
        ..Default::default()
    };
    assert_eq!(prompt::render(&inp, &o).unwrap(), "[1][2]x/K");
    assert_eq!(
        Template::parse("{{nope}}", None).err().unwrap().status(),
        sys::MIRS_E_FORMAT
    );
    let dir = std::env::temp_dir().join(format!("mirs-rust-tmpl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("t.tmpl"), "{{question}}").unwrap();
    let t2 = Template::load(dir.join("t.tmpl")).unwrap();
    let inp = Input {
        text: "x",
        question: Some("Q?"),
        ..Default::default()
    };
    assert_eq!(
        prompt::render(&inp, &PromptOptions::default().template(&t2)).unwrap(),
        "Q?"
    );
    std::fs::remove_dir_all(&dir).ok();
    let p = prompt::permutation("Violence/Analogy/1", 7, 4).unwrap();
    let mut s = p.clone();
    s.sort();
    assert_eq!(s, vec![0, 1, 2, 3]);
}

#[test]
fn items_and_streaming() {
    let ds = Dataset::open(sample()).unwrap();
    let item = ds.get(0).unwrap();
    let o = PromptOptions::new(mirsafety::PromptFormat::Plain);
    let text = prompt::item_text(&item, &o).unwrap();
    assert!(text.ends_with(item.revised_prompt()));
    assert!(prompt::item_line(&item, &o).unwrap().contains(item.key()));
    let req = PromptOptions::new(mirsafety::PromptFormat::Openai).model("m").unwrap();
    assert!(prompt::item_line(&item, &req).unwrap().contains("\"model\":\"m\""));
    let prof = PromptOptions::new(mirsafety::PromptFormat::Openai)
        .model("m")
        .unwrap()
        .profile(mirsafety::Profile::Glm4_1vThinking);
    assert!(prompt::item_line(&item, &prof).unwrap().contains("\"top_p\":0.9"));
    // Issue #18: the numeric request fields have builder methods (the docs used to send users to `raw`).
    let req = PromptOptions::new(mirsafety::PromptFormat::Openai)
        .model("m")
        .unwrap()
        .max_tokens(77)
        .temperature(0.5)
        .detail("low")
        .unwrap();
    let line = prompt::item_line(&item, &req).unwrap();
    assert!(
        line.contains("\"max_tokens\":77") && line.contains("\"temperature\":0.5"),
        "{}",
        line
    );
    assert!(line.contains("\"detail\":\"low\""), "{}", line);
    // A request format without a model is refused by the library, not a crash.
    let e = prompt::item_line(&item, &PromptOptions::new(mirsafety::PromptFormat::Openai)).unwrap_err();
    assert_eq!(e.kind(), mirsafety::ErrorKind::InvalidArgument);
    // The options may be cloned, moved and shared: the strings move with them.
    let moved = std::thread::scope(|s| {
        s.spawn(|| prompt::item_line(&item, &req.clone()).unwrap())
            .join()
            .unwrap()
    });
    assert_eq!(moved, line);
    let shuffled = PromptOptions::new(mirsafety::PromptFormat::Plain)
        .variant(mirsafety::Variant::Shuffled)
        .seed(3)
        .labels(mirsafety::Labels::On)
        .threads(2);
    assert!(prompt::item_text(&item, &shuffled).is_ok());
    let mut lines = Vec::new();
    let n = prompt::write(&ds, &Filter::new().shard(0, 2), &o, |l| {
        lines.push(String::from_utf8(l.to_vec()).unwrap());
        true
    })
    .unwrap();
    assert_eq!(n, ds.iter_filtered(&Filter::new().shard(0, 2)).unwrap().count());
    assert_eq!(lines.len(), n);
    assert!(lines.iter().all(|l| l.ends_with('\n')));
    assert_eq!(prompt::write(&ds, &Filter::new(), &o, |_| false).unwrap(), 1);
    let r = std::panic::catch_unwind(|| prompt::write(&ds, &Filter::new(), &o, |_| panic!("sink panics")));
    assert!(r.is_err()); // the panic crossed back to Rust, not through C
    let path = std::env::temp_dir().join(format!("mirs-rust-prompts-{}.jsonl", std::process::id()));
    assert_eq!(prompt::write_file(&ds, &Filter::new(), &o, &path).unwrap(), ds.len());
    let plain = std::fs::read(&path).unwrap();
    // With progress: one call per item, (1, n) .. (n, n), and the same file.
    let mut ticks = Vec::new();
    assert_eq!(
        prompt::write_file_with_progress(&ds, &Filter::new(), &o, &path, |d, t| ticks.push((d, t))).unwrap(),
        ds.len()
    );
    assert_eq!(ticks, (1..=ds.len()).map(|d| (d, ds.len())).collect::<Vec<_>>());
    assert_eq!(std::fs::read(&path).unwrap(), plain);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        prompt::write_file_with_progress(&ds, &Filter::new(), &o, &path, |_, _| panic!("progress panics")).ok();
    }));
    assert!(r.is_err()); // resumed after the write, not unwound through C
    std::fs::remove_file(&path).ok();
}

#[test]
fn failed_items_reach_their_own_sink() {
    // As tests/prompt/test_prompt_items.c (issue #17): the second item's image is missing.
    let ds = Dataset::open(sample()).unwrap();
    let img = ds.get(0).unwrap().image_files()[0].to_path_buf();
    let dir = std::env::temp_dir().join(format!("mirs-rust-failed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&img, dir.join("img.png")).unwrap();
    let rec = |id: u32, prompt: &str, second: &str| {
        format!(
            "{{\"id\":{},\"category\":\"Privacy\",\"relation\":\"Analogy\",\"original_question\":\"q\",\
             \"revised_prompt\":\"{}\",\"images\":[\"img.png\",\"{}\"]}}\n",
            id, prompt, second
        )
    };
    std::fs::write(dir.join("m.jsonl"), rec(1, "", "img.png") + &rec(2, "p", "gone.png")).unwrap();
    let ds = Dataset::open(dir.join("m.jsonl")).unwrap();
    let o = PromptOptions::new(mirsafety::PromptFormat::Openai).model("m").unwrap();
    // Without a failed sink the missing image fails the job.
    let e = prompt::write(&ds, &Filter::new(), &o, |_| true).unwrap_err();
    assert!(
        e.kind() == mirsafety::ErrorKind::NotFound && e.message().contains("gone.png"),
        "{}",
        e
    );
    let (mut lines, mut failed) = (Vec::new(), Vec::new());
    let n = prompt::write_with_failed(
        &ds,
        &Filter::new(),
        &o,
        |l| {
            lines.push(l.to_vec());
            true
        },
        |l| {
            failed.push(String::from_utf8(l.to_vec()).unwrap());
            true
        },
    )
    .unwrap();
    assert_eq!((n, lines.len(), failed.len()), (1, 1, 1));
    assert!(
        failed[0].starts_with("{\"key\":\"Privacy/Analogy/2\",\"response\":\"[INFERENCE_FAILED: "),
        "{}",
        failed[0]
    );
    assert!(failed[0].ends_with('\n'));
    let out = dir.join("out.jsonl");
    let mut nfailed = 0;
    assert_eq!(
        prompt::write_file_with_failed(&ds, &Filter::new(), &o, &out, |_| {
            nfailed += 1;
            true
        })
        .unwrap(),
        1
    );
    assert_eq!((nfailed, std::fs::read(&out).unwrap()), (1, lines.concat()));
    // A panic in the failed sink stops the write and comes back here.
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        prompt::write_with_failed(&ds, &Filter::new(), &o, |_| true, |_| panic!("failed sink panics")).ok();
    }));
    assert!(r.is_err());
    assert_eq!(
        prompt::permutation("k", 0, 65537).unwrap_err().status(),
        sys::MIRS_E_LIMIT
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn options_are_checked_by_the_library() {
    use mirsafety::prompt::PromptOptions;
    use mirsafety::PromptFormat;
    assert!(PromptOptions::new(PromptFormat::Qwen2Vl).check().is_ok());
    let e = PromptOptions::new(PromptFormat::Openai).check().err().unwrap();
    assert!(e.message().contains("needs a model name"), "{}", e.message());
}
