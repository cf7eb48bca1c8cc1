"""report.h through the idiomatic layer: responses, records and the store, reports (checked against a
transcription of the official statics.py in tests/report/statics_ref.py), comparisons (checked against scipy)."""
import json
import os
import sys

import numpy as np
import pytest
import scipy.stats as ss

import mirsafety
from mirsafety import _ffi, report
from mirsafety.report import Record, Records, Report, Responses, Store

from conftest import REPO, require

sys.path.insert(0, os.path.join(REPO, "tests", "report"))
import statics_ref  # noqa: E402

V = _ffi


@pytest.fixture(scope="module", autouse=True)
def _report_exported():
    require("mirs_report_new", "mirs_store_open", "mirs_responses_parse")


BATCH = (
    '{"id":"b1","custom_id":"Violence/Analogy/1","response":{"status_code":200,"body":{"choices":'
    '[{"index":0,"message":{"role":"assistant","content":"Sure \\u00e9"},"finish_reason":"length"}]}},"error":null}\n'
    '{"id":"b2","custom_id":"Violence/Analogy/2","response":null,"error":{"code":"timeout","message":"slow"}}\n'
    '{"id":"b4","custom_id":"Violence/Analogy/1","response":{"status_code":200,"body":{"choices":'
    '[{"text":"again","finish_reason":"stop"}]}}}\n')


def test_responses_batch_and_simple(tmp_path):
    with Responses.parse(BATCH, what="b.jsonl") as r:
        assert r.format == V.MIRS_RESPONSES_BATCH and len(r) == 3
        assert r[0].text == "Sure \u00e9" and r[0].finish_reason == "length" and r[0].status == V.MIRS_RESPONSE_OK
        assert r[1].status == V.MIRS_RESPONSE_FAILED and "slow" in r[1].error
        assert r.find("Violence/Analogy/1").text == "again"
        assert r.duplicates == ["Violence/Analogy/1"]
        assert [x.key for x in r] == ["Violence/Analogy/1", "Violence/Analogy/2", "Violence/Analogy/1"]
        assert "b.jsonl" in r[0].source
        with pytest.raises(mirsafety.NotFoundError):
            r.find("nope")
        with pytest.raises(IndexError):
            r[3]
    p = tmp_path / "simple.jsonl"
    p.write_text('{"key":"k1","response":"hi","status":"ok"}\nnot json\n{"key":"k2","response":null,'
                 '"status":"failed"}\n', encoding="utf-8")
    with pytest.raises(mirsafety.JsonError) as e:
        Responses(p)
    assert "simple.jsonl" in e.value.message
    with Responses(p, mode="lenient", max_records=10) as r:
        assert len(r) == 2 and r.format == V.MIRS_RESPONSES_SIMPLE
        assert len(r.diagnostics) == 1 and ":2" in r.diagnostics[0]


def test_responses_official_and_matching(sample_dir):
    with mirsafety.Dataset(sample_dir) as ds:
        item = next(iter(ds))
        cat, rel = item.category_name, item.relation_name
        n = ds.count_cell(cat, rel)
        doc = [{"original_question": "q", "revised_prompt": "p", "answer": "A%d" % i, "item_index": i,
                "inference_status": "success"} for i in range(n)] + \
              [{"original_question": "q", "revised_prompt": "p", "answer": "x", "item_index": 999,
                "inference_status": "failed"},
               {"original_question": "q", "revised_prompt": "p", "answer": "dup", "item_index": 0,
                "inference_status": "success"}]
        with Responses.parse_official(json.dumps(doc), cat, rel) as r:
            assert len(r) == n + 2 and r[0].key == "%s/%s/#0" % (cat, rel)
            with r.match(ds) as m:
                assert m.matched_count == n
                assert m.item(0) == item and m.item(n) is None and m.item(n + 1) == item
                assert m.unknown == ["%s/%s/#999" % (cat, rel)]
                assert len(m.missing) == len(ds) - n and item.key not in m.missing
                assert m.duplicates == [item.key]


def test_record_texts_keep_nul(tmp_path):
    """Response and judge output texts with U+0000 are written and read back whole; C-string fields refuse it."""
    r = Record("Violence/Analogy/7", "m", "harmbench-mir", _ffi.MIRS_VERDICT_SAFE, response="Sure.\x00NUL",
               judge_output="Yes\x00")
    line = report.record_to_json(r)
    assert json.loads(line)["response"] == "Sure.\x00NUL" and json.loads(line)["judge_output"] == "Yes\x00"
    with Records.parse(line + line) as rs:
        assert rs[0].response == "Sure.\x00NUL" and rs[0].judge_output == "Yes\x00"
    p = str(tmp_path / "s.jsonl")
    with Store(p) as st:
        st.append(r)
    with Records(p) as rs:
        assert rs[0] == r
    with pytest.raises(mirsafety.UnsupportedError):
        report.record_to_json(r._replace(key="K\x00x"))


def test_records_store_and_merge(tmp_path):
    rec = Record("Violence/Analogy/1", "m", "harmbench-mir", V.MIRS_VERDICT_UNSAFE, V.MIRS_RECORD_TRUNCATED,
                 response="Sure", timestamp_ms=5)
    line = report.record_to_json(rec)
    assert line.endswith("\n") and json.loads(line)["key"] == "Violence/Analogy/1"
    with pytest.raises(mirsafety.InvalidArgumentError):
        report.record_to_json(Record("k", None, "j"))
    path = tmp_path / "store.jsonl"
    with Store(path, durability="none") as s:
        assert len(s) == 0 and s.torn_bytes == 0
        s.append(rec)
        s.append({"key": "Violence/Analogy/2", "model": "m", "judge": "harmbench-mir", "verdict": 0})
        s.sync()
        assert s.done("Violence/Analogy/1", "m", "harmbench-mir") and not s.done("Violence/Analogy/3")
        with pytest.raises(mirsafety.StateError):
            Store(path)  # second writer: the lock
        assert len(s) == 2
    recs = Records(path)
    assert len(recs) == 2 and recs[0] == rec and recs[1].verdict == V.MIRS_VERDICT_SAFE
    assert recs.torn_bytes == 0 and recs.diagnostics == []
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"key":"torn')
    assert Records(path).torn_bytes == len('{"key":"torn')
    with pytest.raises(mirsafety.TornError):
        Store(path)
    with Store(path, torn="truncate") as s:
        assert s.torn_bytes == len('{"key":"torn') and len(s) == 2
    parsed = Records.parse(line + "garbage\n" + line, what="mem", mode="lenient")
    assert len(parsed) == 2 and len(parsed.diagnostics) == 1
    other = tmp_path / "other.jsonl"
    with Store(other) as s:
        s.append(rec)
        s.append(rec._replace(key="Violence/Analogy/3"))
    out = tmp_path / "merged.jsonl"
    assert report.store_merge([path, other], out) == (3, 1, 0)
    assert [r.key for r in Records(out)] == ["Violence/Analogy/1", "Violence/Analogy/2", "Violence/Analogy/3"]


def _official_tree(root):
    rng = np.random.default_rng(3)
    for cat in ("Violence", "Privacy"):
        d = root / cat
        d.mkdir(parents=True)
        for rel in ("Analogy", "Causality", "Relevance"):
            items = [{"question": "q", "answer": "a", "label": "unsafe" if rng.random() < 0.4 else "safe"}
                     for _ in range(int(rng.integers(1, 9)))]
            (d / (rel + ".json")).write_text(json.dumps({"ASR": 0, "judge_result": items}), encoding="utf-8")
    (root / "Privacy" / "broken.json").write_text("{not json", encoding="utf-8")


def test_report_matches_official_statics(tmp_path):
    root = tmp_path / "harmbench" / "model"
    _official_tree(root)
    want = statics_ref.block(statics_ref.collect(str(root)))
    with Report("model", "harmbench-mir") as r:
        assert (r.model, r.judge) == ("model", "harmbench-mir")
        r.add_official(root)
        assert r.write("mir") == want
        assert r.skipped_files == 1
        rows = statics_ref.collect(str(root))
        assert r.counts() == (sum(v[1] for v in rows.values()), sum(v[0] for v in rows.values()))
        j = json.loads(r.write("json", by="all"))
        assert isinstance(j, dict)
        assert "Analogy" in r.write("markdown") and "Analogy" in r.write("csv", by=["category", "relation"])
    with Report("model", "harmbench-mir") as r3:  # the reader's threads do not change the result
        r3.add_official(root, threads=3)
        assert r3.write("mir") == want and r3.skipped_files == 1
    recs = Records.from_official(root, "model")
    assert [(x.key, x.verdict) for x in Records.from_official(root, "model", threads=4)] == \
        [(x.key, x.verdict) for x in recs]
    assert len(recs) == sum(v[0] for v in rows.values())
    assert {x.judge for x in recs} == {"harmbench-mir"} and {x.model for x in recs} == {"model"}
    assert sum(x.verdict == V.MIRS_VERDICT_UNSAFE for x in recs) == sum(v[1] for v in rows.values())


def test_report_add_merge_counts():
    a = Report("m", "harmbench-mir")
    a.add("Violence", "Analogy", "unsafe")
    a.add("Violence", "Analogy", V.MIRS_VERDICT_SAFE, flags=V.MIRS_RECORD_FAILED)
    a.add_record(Record("Privacy/Causality/3", "m", "harmbench-mir", V.MIRS_VERDICT_UNSAFE))
    b = Report("m", "harmbench-mir")
    b.add_official_json('{"judge_result":[{"label":"unsafe"},{"label":"safe"}]}', "Violence", "Analogy.json")
    a.merge(b)
    assert a.counts() == (3, 5)
    assert a.counts("Violence", "Analogy") == (2, 4)
    assert a.counts(denominator="answered") == (3, 4)
    assert a.counts(group="Logical") == (3, 5)
    a.close()
    with pytest.raises(mirsafety.StateError):
        a.counts()


def test_write_html():
    """The HTML page of several reports and an accumulator (mirs_report_write_html): returned whole, or line by
    line to a sink, the same bytes either way; names escaped; a failing sink's exception comes back."""
    a = Report("m <1>", "harmbench-mir")
    a.add_record(Record("Violence/Analogy/1", "m <1>", "harmbench-mir", V.MIRS_VERDICT_UNSAFE))
    a.add_record(Record("Privacy/Causality/3", "m <1>", "harmbench-mir", V.MIRS_VERDICT_SAFE))
    b = Report("other", "llamaguard3")
    b.add_record(Record("Violence/Analogy/1", "other", "llamaguard3", V.MIRS_VERDICT_SAFE))
    acc = mirsafety.entropy.Accumulator(1, 1, bins=8, lo=0.0, hi=4.0)
    for v in (1.0, 1.2, 1.1):
        acc.add_item("safe", np.full((1, 1, 1), v))
        acc.add_item("unsafe", np.full((1, 1, 1), v + 1.5))
    page = report.write_html([a, b], [("acc <x>", acc)], title="T & t", note="n", denominator="answered",
                             confidence=0.9)
    assert page.startswith("<!DOCTYPE html>\n") and page.endswith("</body></html>\n")
    assert "<title>T &amp; t</title>" in page and "m &lt;1&gt;" in page and "acc &lt;x&gt;" in page
    assert "90% Wilson" in page and "<script" not in page
    lines = []
    assert report.write_html([a, b], [("acc <x>", acc, "nats")], title="T & t", note="n",
                             denominator="answered", confidence=0.9, sink=lines.append) is None
    assert "".join(lines) == page and all(x.endswith("\n") and x.count("\n") == 1 for x in lines)
    plain = report.write_html([a])
    assert "<title>Attack success rates</title>" in plain and "Attention entropy" not in plain
    first = []
    report.write_html([a], sink=lambda line: (first.append(line), False)[1])
    assert len(first) == 1

    def boom(line):
        raise KeyError("stop")

    with pytest.raises(KeyError):
        report.write_html([a], sink=boom)
    with pytest.raises(mirsafety.MirsError):
        report.write_html([a], confidence=2.0)


def test_comparisons():
    ka = [Record("Violence/Analogy/%d" % i, "A", "j", int(i % 3 == 0)) for i in range(30)]
    kb = [Record("Violence/Analogy/%d" % i, "B", "j", int(i % 2 == 0)) for i in range(30)]
    text_a = "".join(report.record_to_json(r) for r in ka)
    text_b = "".join(report.record_to_json(r) for r in kb)
    ra, rb = Records.parse(text_a), Records.parse(text_b)
    jb = Records.parse("".join(report.record_to_json(r._replace(model="A", judge="k")) for r in kb))
    asr = np.array([0.1, 0.4, 0.35, 0.8, 0.6])
    cap = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    if "mirs_stats_spearman" in mirsafety.lib().missing:
        # Without the stats module the library says so instead of guessing (reported at the session's end).
        for call in (lambda: report.compare_models(ra, "A", "j", rb, "B", "j"),
                     lambda: report.compare_judges(ra, "j", jb, "k"),
                     lambda: report.compare_capability(asr, cap)):
            with pytest.raises(mirsafety.UnsupportedError):
                call()
        return
    c = report.compare_models(ra, "A", "j", rb, "B", "j")
    b10 = sum(1 for i in range(30) if i % 3 == 0 and i % 2 != 0)
    b01 = sum(1 for i in range(30) if i % 3 != 0 and i % 2 == 0)
    assert (c["a_only"], c["b_only"]) == (b10, b01)
    assert c["asr_a"] == pytest.approx(100 * 10 / 30) and c["asr_b"] == pytest.approx(100 * 15 / 30)  # percent
    assert c["mcnemar_p"] == pytest.approx(ss.binomtest(b10, b10 + b01, 0.5).pvalue, rel=1e-9)
    d = report.compare_judges(ra, "j", jb, "k")
    assert d["common"] == 30 and sum(map(sum, d["matrix"])) == 30
    assert d["matrix"][V.MIRS_VERDICT_UNSAFE][V.MIRS_VERDICT_UNSAFE] == 5
    rho, rp, tau, tp = report.compare_capability(asr, cap)
    assert rho == pytest.approx(ss.spearmanr(asr, cap).statistic, rel=1e-9)
    assert tau == pytest.approx(ss.kendalltau(asr, cap).statistic, rel=1e-9)


def test_score_responses(sample_dir, tmp_path):
    with mirsafety.Dataset(sample_dir) as ds:
        keys = [it.key for it in ds]
        resp = "".join(json.dumps({"key": k, "response": "<think>x</think> answer %d" % i, "status": "ok"}) + "\n"
                       for i, k in enumerate(keys))
        judged = "".join(json.dumps({"key": k, "response": "Yes" if i % 4 == 0 else "No", "status": "ok"}) + "\n"
                         for i, k in enumerate(keys[:-1]))  # the last item is still waiting for its judge
        rtypes = "".join(json.dumps({"key": k, "response": "refusal", "status": "ok"}) + "\n" for k in keys)
        r, j, t = Responses.parse(resp), Responses.parse(judged), Responses.parse(rtypes)
        path = tmp_path / "scores.jsonl"
        with Store(path) as st:
            s = report.score_responses(ds, r, j, st, "m", rtype_outputs=t, keep_response=True, timestamp_ms=1,
                                       shard=(0, 2))
            part = [it.key for it in ds.iter(shard=(0, 2))]
            waiting = int(keys[-1] in part)
            assert s["scored"] == len(part) - waiting and s["outside_filter"] == len(keys) - len(part)
            assert s["awaiting_judge_output"] == waiting and s["unmatched"] == 0
            assert s["unsafe"] == sum(1 for i, k in enumerate(keys[:-1]) if i % 4 == 0 and k in part)
            ticks = []
            again = report.score_responses(ds, r, j, st, "m", shard=(0, 2), progress=lambda d, t: ticks.append((d, t)))
            assert again["scored"] == 0 and again["already_in_store"] == s["scored"]
            # every response looked at is reported (fewer than 1000 here), ending with (total, total)
            n = len(keys)
            assert ticks[-1] == (n, n) and [d for d, _ in ticks] == sorted(d for d, _ in ticks)
            assert len(ticks) == n and all(t == n for _, t in ticks)

            def boom(done, total):
                raise KeyError("stop")
            with pytest.raises(KeyError):
                report.score_responses(ds, r, j, st, "m", shard=(0, 2), progress=boom)
        recs = list(Records(path))
        assert len(recs) == s["scored"] and all(x.model == "m" and x.judge == "harmbench-mir" for x in recs)
        assert all(x.response_type == "refusal" and x.response.startswith("<think>") for x in recs)


def test_one_verdict_per_item_and_coverage(sample_dir, tmp_path):
    """A judge error and its retry are two records of one item: only the retry counts; a report over the
    dataset counts the items without a verdict as not unsafe and lists them."""
    with mirsafety.Dataset(sample_dir) as ds:
        keys = [it.key for it in ds]
        lines = [Record(keys[0], "m", "j", V.MIRS_VERDICT_ERROR), Record(keys[1], "m", "j", V.MIRS_VERDICT_SAFE),
                 Record(keys[0], "m", "j", V.MIRS_VERDICT_UNSAFE), Record(keys[1], "m", "j", V.MIRS_VERDICT_ERROR)]
        text = "".join(report.record_to_json(x) for x in lines)
        with Records.parse(text) as recs:
            assert [recs.counted(i) for i in range(4)] == [False, True, True, False]
            assert [(x.key, x.verdict) for x in recs.counting()] == [(keys[1], V.MIRS_VERDICT_SAFE),
                                                                     (keys[0], V.MIRS_VERDICT_UNSAFE)]
            with Report("m", "j") as rep:
                for x in recs.counting():
                    rep.add_record(x)
                assert rep.counts() == (1, 2) and rep.dataset_items == 0 and rep.missing == []
                assert '"covered_items":2,"dataset_items":null' in rep.write("json")
                rep.add_dataset(ds)
                assert rep.dataset_items == len(keys) and rep.missing == keys[2:]
                assert rep.counts() == (1, len(keys)) and rep.counts(denominator="answered") == (1, 2)
                with pytest.raises(mirsafety.StateError):
                    rep.add_dataset(ds)
        with Responses.parse(BATCH) as r:
            assert [r.latest(i) for i in range(3)] == [False, True, True]
