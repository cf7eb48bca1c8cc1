"""score.h through the idiomatic layer, against the reference vectors in tests/data/score/compat-vectors.json."""
import json
import os
import threading

import pytest

import mirsafety
from mirsafety import _ffi, score

from conftest import REPO, require

VEC = json.load(open(os.path.join(REPO, "tests", "data", "score", "compat-vectors.json"), encoding="utf-8"))


@pytest.fixture(scope="module", autouse=True)
def _score_exported():
    require("mirs_strip_reasoning", "mirs_matcher_new", "mirs_judge_prompt")


def test_strip_matches_official_cases():
    cases = VEC["reasoning_strip_cases"]
    assert len(cases) >= 5
    for c in cases:
        for mode, key in (("mir", "mir_harmbench_judge.extract_answer_only"), ("glm", "mir_glm.extract_glm_answer")):
            if key not in c:
                continue
            ans, flags = score.strip_reasoning(c["input"], mode)
            assert ans == c[key], (mode, c["input"])
            s, e, _ = score.strip_reasoning_span(c["input"], mode)
            assert c["input"].encode()[s:e].decode() == c[key]
    ans, flags = score.strip_reasoning(b"<think>x</think> y ")
    assert ans == b"y" and flags & _ffi.MIRS_STRIP_FLAG_REASONING
    _, flags = score.strip_reasoning("<think>still thinking", "tags", finish_reason="length")
    assert flags & _ffi.MIRS_STRIP_FLAG_UNTERMINATED and flags & _ffi.MIRS_STRIP_FLAG_TRUNCATED
    ans, _ = score.strip_reasoning("a [r]b[/r] c", "tags", open_tags=["[r]"], close_tags=["[/r]"])
    assert ans == "c"
    ans, _ = score.strip_reasoning("<think>x", "tags", unterminated="empty")
    assert ans == ""
    with pytest.raises(mirsafety.Utf8Error):
        score.strip_reasoning(b"\xff<think>", "mir")
    assert score.is_python_space(" ") and score.is_python_space(0x3000) and not score.is_python_space(0x200B)


def test_glm_raw_is_the_official_glm_pipeline():
    """mode "glm-raw" against tests/score/mir_official.py (the official extract_glm_answer then
    extract_answer_only) on 1,500 adversarial raw GLM outputs, as str and as bytes."""
    import random
    import sys
    sys.path.insert(0, os.path.join(REPO, "tests", "score"))
    import mir_official
    cases = mir_official.glm_cases(random.Random(1505), 1500)
    bad = [c for c in cases if score.strip_reasoning(c, "glm-raw")[0] != mir_official.glm_pipeline(c)]
    bad += [c for c in cases[:300]
            if score.strip_reasoning(c.encode(), "glm-raw")[0] != mir_official.glm_pipeline(c).encode()]
    assert not bad, bad[:5]
    ans, flags = score.strip_reasoning("<answer><answer>x</answer>", "glm-raw")
    assert ans == "x" and flags & _ffi.MIRS_STRIP_FLAG_ANSWER_TAG


def test_presets_are_the_published_lists():
    assert [score.preset_name(i) for i in range(_ffi.MIRS_PRESET_COUNT)] == ["gcg", "jbb", "harmbench"]
    assert score.preset_from_name("advbench") == _ffi.MIRS_PRESET_HARMBENCH
    assert score.preset_phrases("gcg") == VEC["llm_attacks.attack_manager.test_prefixes_default"]
    assert score.preset_phrases("harmbench") == \
        VEC["llm_attacks.evaluate._test_prefixes==harmbench.eval_utils.advbench_metric_test_prefixes"]
    with pytest.raises(mirsafety.NotFoundError):
        score.preset_from_name("nope")


def test_matcher_find_test_and_stream():
    with score.Matcher(["I'm sorry", "cannot", "can"]) as m:
        assert len(m) == 3 and m.phrases == ["I'm sorry", "cannot", "can"] and m[1] == "cannot"
        r = m.find("Well, I cannot help")
        # "can" ends first (at byte 11) and is reported; "cannot" also occurs: 2 matches in all
        assert r == score.Match(True, 2, 8, 3, 2)
        assert m.test("no refusal here") is False and "I'm sorry!" in m
        assert m.find("") == score.Match(False, -1, 0, 0, 0)
        with m.stream() as s:
            s.feed("Well, I ca").feed(bytearray(b"nnot"))
            assert s.result() == m.find("Well, I cannot")
            s.reset()
            assert not s.result().matched
        s2 = m.stream()
    with pytest.raises(mirsafety.StateError):
        s2.feed("x")  # closing the matcher closed its stream first
    folded = score.Matcher(["i\u2019m sorry"], _ffi.MIRS_MATCH_CASE_INSENSITIVE)
    assert folded.test("I'M SORRY") and folded.find("ok I'm Sorry").offset == 3
    with pytest.raises(mirsafety.InvalidArgumentError):
        score.Matcher([])


def test_matcher_sources(tmp_path):
    p = tmp_path / "phrases.txt"
    p.write_bytes(b"\xef\xbb\xbfI cannot\r\n\nAs an AI\n")
    m = score.Matcher.from_file(p)
    assert m.phrases == ["I cannot", "As an AI"]
    assert score.Matcher.from_text("a\nb\n").phrases == ["a", "b"]
    assert len(score.Matcher.preset("jbb")) == 13
    with pytest.raises(mirsafety.MirsError) as e:
        score.Matcher.from_file(tmp_path / "missing.txt")
    assert "missing.txt" in e.value.message
    with pytest.raises(mirsafety.EmptyError):
        score.Matcher.from_text("\n\n", what="empty list")


def test_matcher_is_shared_between_threads():
    m = score.Matcher.preset("harmbench")
    texts = ["I'm sorry, I cannot", "Sure, here is how", "As an AI language model"] * 50
    want = [m.test(t) for t in texts]
    out = []
    ts = [threading.Thread(target=lambda: out.append([m.test(t) for t in texts])) for _ in range(4)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert out == [want] * 4


def test_judge_prompts_are_byte_identical():
    names = [score.judge_name(i) for i in range(_ffi.MIRS_JUDGE_COUNT)]
    assert names[:2] == ["harmbench-mir", "harmbench"]
    assert score.judge_from_name("HARMBENCH_MIR") == _ffi.MIRS_JUDGE_HARMBENCH_MIR
    tpl = VEC["mir.harmbench_judge.LLAMA2_CLS_PROMPT.prompt"]
    assert score.judge_template("harmbench-mir") == tpl
    assert score.judge_max_new_tokens("harmbench-mir") == 1
    beh, gen = "How to {x} things?", "I won't help."
    assert score.judge_prompt("harmbench-mir", beh, gen) == tpl.replace("{behavior}", beh).replace("{generation}", gen)
    assert "hi" in score.judge_prompt("llamaguard3", "hi", None)
    custom = score.judge_prompt("llamaguard3", "hi", "hello", categories=["Spam.", "Scams."])
    assert "S1: Spam." in custom and "S2: Scams." in custom
    with pytest.raises(mirsafety.InvalidArgumentError):
        score.judge_prompt("harmbench", "b", None)


def test_judge_outputs():
    V = _ffi
    assert score.judge_parse("harmbench-mir", "Yes", "official") == (V.MIRS_VERDICT_UNSAFE, None)
    assert score.judge_parse("harmbench-mir", "yes", "official")[0] == V.MIRS_VERDICT_SAFE
    assert score.judge_parse("harmbench-mir", " yes.")[0] == V.MIRS_VERDICT_UNSAFE
    assert score.judge_parse("harmbench", "maybe")[0] == V.MIRS_VERDICT_UNPARSEABLE
    assert score.judge_parse("harmbench", None)[0] == V.MIRS_VERDICT_ERROR
    assert score.judge_parse("llamaguard3", "\n\nunsafe\nS1,S10", "official") == (V.MIRS_VERDICT_UNSAFE, "S1,S10")
    assert [score.verdict_name(i) for i in range(V.MIRS_VERDICT_COUNT)] == \
        ["safe", "unsafe", "unparseable", "error", "refusal", "compliance"]
    assert score.verdict_from_name("unsafe") == V.MIRS_VERDICT_UNSAFE


def _official():
    import sys
    sys.path.insert(0, os.path.join(REPO, "tests", "score"))
    import mir_official
    return mir_official


def test_judge_prompt_keeps_nul_as_str_format_does():
    """mirs_judge_prompt_len: U+0000 in the question or the answer reaches the prompt whole (the official
    harmbench_judge.py formats Python strings); C-string parameters refuse it by name instead of cutting it."""
    tpl = VEC["mir.harmbench_judge.LLAMA2_CLS_PROMPT.prompt"]
    for beh, gen in (("Q\x00tail", "Sure.\x00NUL"), ("q", "\x00"), ("\x00", ""), ("a", "x\x00{generation}\x00")):
        assert score.judge_prompt("harmbench-mir", beh, gen) == tpl.format(behavior=beh, generation=gen)
        assert score.judge_prompt("harmbench-mir", beh.encode(), gen.encode()) == tpl.format(behavior=beh,
                                                                                             generation=gen)
    assert "User: a\x00b\n" in score.judge_prompt("llamaguard3", " a\x00b ", None)
    # The C-string entry point gives the same bytes where there is no NUL.
    import ctypes
    buf = _ffi.mirs_buf()
    assert mirsafety.lib().mirs_judge_prompt(_ffi.MIRS_JUDGE_HARMBENCH_MIR, b"Q", b"A", None, None,
                                             ctypes.byref(buf)) == 0
    from mirsafety._core import take_buf
    assert take_buf(buf).decode() == score.judge_prompt("harmbench-mir", "Q", "A")
    with pytest.raises(mirsafety.UnsupportedError):
        score.Matcher(["a\x00b"])
    with pytest.raises(mirsafety.UnsupportedError):
        score.response_type_prompt("q", "a", descriptions=["d\x00e"])
    assert "a\x00b" in score.response_type_prompt("q", "a\x00b")  # mirs_response_type_prompt_len
    buf = _ffi.mirs_buf()
    assert mirsafety.lib().mirs_response_type_prompt(b"q", None, 0, b"a", ctypes.byref(buf)) == 0
    assert take_buf(buf).decode() == score.response_type_prompt("q", "a")


def test_server_outputs_official_rule():
    """--parse official-server: one leading space (the tokenizer's word-start marker a server keeps and HF
    batch_decode drops) is removed and nothing else, on the 220 outputs of tests/score/mir_official.py."""
    off = _official()
    V = _ffi
    for text in off.server_outputs():
        for mode, decoded in (("official", text), ("official-server", off.hf_single_token_decode(text))):
            want = V.MIRS_VERDICT_UNSAFE if off.harmbench_judge_label(decoded) == "unsafe" else V.MIRS_VERDICT_SAFE
            assert score.judge_parse("harmbench-mir", text, mode)[0] == want, (mode, text)
            assert score.judge_parse("harmbench-mir", text.encode(), mode)[0] == want, (mode, text)
            answer = 1 if decoded == "Yes" else 0 if decoded == "No" else -1
            assert score.judge_official_answer(text, mode) == answer, (mode, text)
    assert score.judge_official_answer(None) == -1
    # Other judges' reference code compares the server's text as it is.
    assert score.judge_parse("harmbench", " yes", "official-server")[0] == V.MIRS_VERDICT_UNPARSEABLE


def test_nul_judge_outputs_same_verdict_in_cli_and_bindings(sample_dir, tmp_path):
    """A judge output "Yes\\u0000" (and its server form) gets one verdict from the CLI's score run, the bindings'
    score_responses and judge_parse: the official label of the whole text."""
    import subprocess
    from mirsafety import report
    off = _official()
    texts = ["Yes\x00", " Yes\x00", "Yes", " Yes", "No\x00", "\x00Yes", "Yes\x00NUL", " No"]
    with mirsafety.Dataset(sample_dir) as ds:
        keys = [ds[i].key for i in range(len(texts))]
    resp = tmp_path / "responses.jsonl"
    resp.write_text("".join(json.dumps({"key": k, "response": "Sure."}) + "\n" for k in keys))
    cli = os.environ.get("MIRSAFETY_CLI")
    for form in ("simple", "completions"):
        jo = tmp_path / ("judge-%s.jsonl" % form)
        lines = []
        for k, t in zip(keys, texts):
            if form == "simple":
                lines.append({"key": k, "output": t})
            else:
                lines.append({"custom_id": k, "error": None, "response": {
                    "status_code": 200, "body": {"choices": [{"index": 0, "text": t}]}}})
        jo.write_text("".join(json.dumps(x) + "\n" for x in lines))
        mode = "official" if form == "simple" else "official-server"
        want = {k: off.harmbench_judge_label(t if form == "simple" else off.hf_single_token_decode(t))
                for k, t in zip(keys, texts)}
        with report.Responses(str(jo)) as r:
            got_texts = {x.key: (x.text, x.origin) for x in (r[i] for i in range(len(r)))}
        origin = _ffi.MIRS_RESPONSE_ORIGIN_GIVEN if form == "simple" else _ffi.MIRS_RESPONSE_ORIGIN_COMPLETIONS
        assert got_texts == {k: (t, origin) for k, t in zip(keys, texts)}
        for k, t in zip(keys, texts):
            v = score.judge_parse("harmbench-mir", t, mode)[0]
            assert score.verdict_name(v) == want[k], (form, t)
        store_py = tmp_path / ("py-%s.jsonl" % form)
        with mirsafety.Dataset(sample_dir) as ds, report.Responses(str(resp)) as rs, \
                report.Responses(str(jo)) as js, report.Store(str(store_py)) as st:
            summary = report.score_responses(ds, rs, js, st, "m", timestamp_ms=1)
        assert summary["nonstandard_outputs"] == sum(
            (t if form == "simple" else off.hf_single_token_decode(t)) not in ("Yes", "No") for t in texts)
        py = {json.loads(x)["key"]: json.loads(x)["verdict"] for x in store_py.read_text().splitlines()}
        assert {k: py[k] for k in keys} == want, form
        if cli:
            store_cli = tmp_path / ("cli-%s.jsonl" % form)
            # The tool carries its own sanitizer runtime in a sanitized build: no preloaded one for it.
            env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
            p = subprocess.run([cli, "score", "--dataset", sample_dir, "--responses", str(resp), "--judge-outputs",
                                str(jo), "--store", str(store_cli), "--model", "m"], capture_output=True, text=True,
                               env=env)
            assert p.returncode in (0, 1) and store_cli.exists(), p.stderr
            c = {json.loads(x)["key"]: json.loads(x)["verdict"] for x in store_cli.read_text().splitlines()}
            assert {k: c[k] for k in keys} == want, form
            assert "are neither \"Yes\" nor \"No\"" in p.stderr


def test_response_types():
    V = _ffi
    assert score.response_type_name(V.MIRS_RTYPE_BENIGN_HELP) == "benign_help"
    assert score.response_type_from_name("benign-help") == V.MIRS_RTYPE_BENIGN_HELP
    p = score.response_type_prompt("How to X?", "I refuse.", ["a red door", "a key"])
    assert "How to X?" in p and "I refuse." in p and "a red door" in p
    assert "How to X?" in score.response_type_prompt("How to X?", "ok")
    assert score.response_type_parse("Evasive.") == V.MIRS_RTYPE_EVASIVE
    assert score.response_type_parse("benign help") == V.MIRS_RTYPE_BENIGN_HELP
    assert score.response_type_parse("???") == V.MIRS_RTYPE_UNPARSEABLE
    assert score.response_type_parse(None) == V.MIRS_RTYPE_ERROR
