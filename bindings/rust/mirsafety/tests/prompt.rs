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
    assert_eq!(prompt::format_name(sys::MIRS_PROMPT_FORMAT_PLAIN), Some("plain"));
    assert_eq!(
        prompt::variant_name(sys::MIRS_PROMPT_VARIANT_CAPTIONS),
        Some("captions")
    );
    assert_eq!(
        prompt::parse_format("GLM4.1V").unwrap(),
        sys::MIRS_PROMPT_FORMAT_GLM4_1V
    );
    assert_eq!(
        prompt::parse_variant("text only").unwrap(),
        sys::MIRS_PROMPT_VARIANT_TEXT_ONLY
    );
    assert_eq!(prompt::is_request_format(sys::MIRS_PROMPT_FORMAT_OPENAI), Some(true));
    assert_eq!(prompt::is_request_format(99), None);
    let input = Input {
        text: "PROMPT",
        images: vec!["a", "b", "c"],
        ..Default::default()
    };
    let q = prompt::render(&input, &PromptOptions::new(sys::MIRS_PROMPT_FORMAT_QWEN2_VL)).unwrap();
    assert_eq!(q.matches("<|vision_start|><|image_pad|><|vision_end|>").count(), 3);
    assert!(q.ends_with("PROMPT<|im_end|>\n<|im_start|>assistant\n"));
    let o = PromptOptions::new(sys::MIRS_PROMPT_FORMAT_PLAIN)
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
    let o = PromptOptions::new(sys::MIRS_PROMPT_FORMAT_PLAIN);
    let text = prompt::item_text(&item, &o).unwrap();
    assert!(text.ends_with(item.revised_prompt()));
    assert!(prompt::item_line(&item, &o).unwrap().contains(item.key()));
    let req = PromptOptions::new(sys::MIRS_PROMPT_FORMAT_OPENAI).model("m").unwrap();
    assert!(prompt::item_line(&item, &req).unwrap().contains("\"model\":\"m\""));
    let mut prof = PromptOptions::new(sys::MIRS_PROMPT_FORMAT_OPENAI).model("m").unwrap();
    prof.raw.profile = sys::MIRS_PROMPT_PROFILE_GLM4_1V_THINKING;
    assert!(prompt::item_line(&item, &prof).unwrap().contains("\"top_p\":0.9"));
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
