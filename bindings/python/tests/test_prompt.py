"""prompt.h through the idiomatic layer, against the reference renderings in tests/data/prompt/reference.json."""
import json
import os

import pytest

import mirsafety
from mirsafety import _ffi, prompt

from conftest import REPO, require

REF = json.load(open(os.path.join(REPO, "tests", "data", "prompt", "reference.json"), encoding="utf-8"))


@pytest.fixture(scope="module", autouse=True)
def _prompt_exported():
    require("mirs_prompt_render", "mirs_prompt_write")


def test_names():
    assert prompt.format_name(_ffi.MIRS_PROMPT_FORMAT_QWEN2_VL) == "qwen2-vl"
    assert prompt.variant_name(_ffi.MIRS_PROMPT_VARIANT_SHUFFLED) == "shuffled"
    assert prompt.parse_format("qwen2.5-vl") == _ffi.MIRS_PROMPT_FORMAT_QWEN2_VL
    assert prompt.parse_variant("TextOnly") == _ffi.MIRS_PROMPT_VARIANT_TEXT_ONLY
    assert prompt.is_request_format("openai") and not prompt.is_request_format("plain")
    with pytest.raises(mirsafety.NotFoundError):
        prompt.parse_format("nope")


def test_render_matches_official_adapter():
    got = prompt.render("PROMPT", images=["a.png", "b.png", "c.png"], format="qwen2-vl")
    assert got == REF["render.qwen2_5_vl.mir_adapter_3_images"]
    labelled = prompt.render("PROMPT", images=["a.png", "b.png", "c.png"], format="qwen2-vl", labels="on")
    assert labelled == REF["render.qwen2_5_vl.mir_adapter_3_images.add_vision_id"]
    assert prompt.render("hi", images=["x"], format="plain", system="S", image_placeholder="<img>") == \
        "S\n\n<img>\nhi"


def test_templates(tmp_path):
    t = prompt.Template("{{#images}}[{{index}}:{{image}}]{{/images}} {{text}} ({{relation}})", name="mine")
    out = prompt.render("hello", images=["p.png", "q.png"], relation="Analogy", format="template", template=t)
    assert out == "[1:p.png][2:q.png] hello (Analogy)"
    with pytest.raises(mirsafety.FormatError) as e:
        prompt.Template("{{nosuchvar}}", name="bad.tmpl")
    assert "bad.tmpl:1:" in e.value.message
    p = tmp_path / "t.tmpl"
    p.write_text("{{key}}|{{question}}", encoding="utf-8")
    with prompt.Template.load(p) as t2:
        assert prompt.render("x", key="K", question="Q", format="template", template=t2) == "K|Q"
    with pytest.raises(mirsafety.StateError):
        t2.handle


def test_permutation_is_a_seeded_shuffle():
    p = prompt.permutation("Violence/Analogy/1", 7, 4)
    assert sorted(p) == [0, 1, 2, 3]
    assert p == prompt.permutation("Violence/Analogy/1", 7, 4)
    assert prompt.permutation("k", 0, 0) == []


def test_items_lines_and_streaming(sample_dir, tmp_path):
    with mirsafety.Dataset(sample_dir) as ds:
        item = ds[0]
        assert prompt.item_text(item, format="plain") == "<image>\n" * len(item.image_files) + item.revised_prompt
        assert prompt.item_text(item, format="plain", variant="text-only") == item.original_question
        line = json.loads(prompt.item_line(item, format="qwen2-vl"))
        assert line["key"] == item.key and line["images"] == item.image_files
        shuffled = json.loads(prompt.item_line(item, format="plain", variant="shuffled", seed=3))
        perm = prompt.permutation(item.key, 3, len(item.image_files))
        assert shuffled["images"] == [item.image_files[i] for i in perm]
        req = json.loads(prompt.item_line(item, format="openai", model="m", max_tokens=64, detail="low"))
        assert req["model"] == "m" and req["max_tokens"] == 64
        req = json.loads(prompt.item_line(item, format="openai", model="m", profile="qwen2.5-vl"))
        assert req["top_p"] == 0.001 and req["mm_processor_kwargs"] == {"min_pixels": 50176, "max_pixels": 1003520}
        with pytest.raises(mirsafety.InvalidArgumentError):
            prompt.item_line(item, format="anthropic", model="m", profile="glm-4.1v-thinking")
        # A missing image: a failed record through failed=, the other items go on.
        import shutil
        root = tmp_path / "ds"
        shutil.copytree(sample_dir, root)
        rel = os.path.relpath(ds[0].image_files[0], sample_dir)
        assert not rel.startswith("..")
        os.remove(root / rel)  # the copy's file, never the sample's
        with mirsafety.Dataset(root) as ds2:
            lines, failed = [], []
            n = prompt.write(ds2, lines.append, format="openai", model="m", failed=failed.append)
            assert n == len(ds2) - 1 and len(lines) == n and len(failed) == 1
            rec = json.loads(failed[0])
            assert rec["key"] == ds2[0].key and rec["status"] == "failed"
            assert rec["response"].startswith("[INFERENCE_FAILED: ")
            with pytest.raises(mirsafety.MirsError):
                prompt.write(ds2, lines.append, format="openai", model="m")
        with pytest.raises(mirsafety.InvalidArgumentError):
            prompt.item_line(item, format="openai")  # no model
        lines, ticks = [], []
        n = prompt.write(ds, lines.append, format="plain", shard=(0, 2), progress=lambda d, t: ticks.append((d, t)))
        want = [x.key for x in ds.iter(shard=(0, 2))]
        assert n == len(lines) == len(want) and [json.loads(l)["key"] for l in lines] == want
        assert all(l.endswith("\n") for l in lines) and ticks[-1] == (n, n)
        assert prompt.write(ds, lambda line: False, format="plain") == 1  # stop after the first line

        def boom(line):
            raise KeyError("from the sink")
        with pytest.raises(KeyError):
            prompt.write(ds, boom, format="plain")
        out = tmp_path / "prompts.jsonl"
        assert prompt.write_file(ds, out, format="plain", categories=["Violence"]) == \
            sum(1 for x in ds if x.category_name == "Violence")
        with pytest.raises(mirsafety.InvalidArgumentError):
            prompt.write_file(ds, tmp_path / "no.jsonl", format="openai")
        assert not (tmp_path / "no.jsonl").exists()


def test_check_options_is_the_librarys():
    from mirsafety import prompt
    from mirsafety.errors import InvalidArgumentError
    prompt.check_options(format="qwen2-vl")
    prompt.check_options(format="openai", model="m", profile="qwen2.5-vl")
    with pytest.raises(InvalidArgumentError, match="needs a model name"):
        prompt.check_options(format="openai")
    with pytest.raises(InvalidArgumentError, match="openai or openai-batch"):
        prompt.check_options(format="qwen2-vl", profile="qwen2.5-vl")
    with pytest.raises(InvalidArgumentError, match="composite_dir"):
        prompt.check_options(format="qwen2-vl", variant="composite")
