"""The library's names of its constant groups, capability scores, dump names and judge requests through the
binding (issue #23: one table per group, in C, that the tool, Python and Rust all use)."""
import enum
import json
import os

import pytest

import mirsafety
from mirsafety import enums, report
from mirsafety.entropy import dump_name
from mirsafety.errors import UnknownNameError

SAMPLE = os.environ.get("MIRSAFETY_SAMPLE") or os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples",
                                                             "data", "sample")


def named_enums():
    return [c for c in vars(enums).values() if isinstance(c, type) and issubclass(c, enum.IntEnum)
            and hasattr(c, "from_name")]


def test_every_enum_round_trips_through_the_library_names():
    classes = named_enums()
    assert len(classes) >= 35
    for cls in classes:
        for m in cls:
            name = m.lib_name
            assert name, (cls, m)
            assert cls.from_name(name) is m
            assert cls.from_name(name.upper().replace("-", "_")) is m


def test_unknown_names_list_the_library_choices():
    with pytest.raises(UnknownNameError) as e:
        enums.Strip.from_name("bogus")
    assert isinstance(e.value, ValueError)
    assert "mir, glm, tags, whitespace, glm-raw" in str(e.value)
    assert enums.Strip.from_name("none") is enums.Strip.WHITESPACE  # the tool's spelling
    assert enums.Layout.from_name("L") is enums.Layout.GRAY8  # PIL's mode name
    assert enums.Dtype.from_name("bfloat16") is enums.Dtype.BF16


def test_functions_take_the_library_names():
    r = report.Responses.parse('{"key":"a/b/1","response":"x"}\n')
    with pytest.raises(UnknownNameError):
        report.store_merge([], "/nonexistent/out.jsonl", policy="whatever")
    assert len(r) == 1


def test_capability_scores():
    c = report.Capability.parse('model,score\n"a, b",1.5\nc,2\n', "caps.csv")
    assert len(c) == 2 and c[0] == ("a, b", 1.5) and list(c)[1] == ("c", 2.0)
    assert c.score_of("c") == 2.0 and c.score_of("x") is None
    with pytest.raises(mirsafety.MirsError) as e:
        report.Capability.parse("a,1\nb,zz\n", "caps.csv")
    assert "caps.csv: line 2" in str(e.value)


def test_capability_file(tmp_path):
    p = tmp_path / "caps.csv"
    p.write_text("m1,10\nm2,20\n")
    c = report.Capability(p)
    assert [m for m, _ in c] == ["m1", "m2"]
    c.close()
    with pytest.raises(mirsafety.errors.StateError):
        len(c)


def test_dump_name():
    assert dump_name("Violence/Analogy/12") == "Violence__Analogy__12.npy"
    with pytest.raises(ValueError):
        dump_name("")


def test_judge_requests_last_response_counts():
    ds = mirsafety.Dataset(SAMPLE)
    key = ds[0].key
    text = "".join(json.dumps(x) + "\n" for x in (
        {"key": key, "response": "first"}, {"key": key, "response": "<think>x</think>second"},
        {"key": "nope/x/1", "response": "z"}))
    r = report.Responses.parse(text)
    m = report.ResponseMatch(r, ds)
    lines = []
    s = report.judge_requests(r, m, lines.append)
    assert (s["written"], s["superseded"], s["unmatched"]) == (1, 1, 1)
    body = json.loads(lines[0])
    assert body["custom_id"] == key and body["body"]["max_tokens"] == 1
    gen = body["body"]["prompt"].split("Generation:")[1].split("---")[0]
    assert "second" in gen and "first" not in gen and "think" not in gen
    rub = []
    report.judge_requests(r, m, rub.append, rubric=True, chat=True, model="rt")
    b = json.loads(rub[0])["body"]
    assert b["model"] == "rt" and b["messages"][0]["role"] == "user" and b["max_tokens"] == 16
    with pytest.raises(RuntimeError):
        report.judge_requests(r, m, lambda line: (_ for _ in ()).throw(RuntimeError("stop")))
