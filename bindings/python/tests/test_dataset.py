"""dataset.h through the idiomatic layer, checked against a pure-Python reading of the sample's JSON files."""
import ctypes
import json
import os
import shutil
import threading

import pytest

import mirsafety
from mirsafety import _ffi


# Skipped (and reported at the end of the session) while the library lacks the dataset module.
pytestmark = pytest.mark.skipif("mirs_dataset_open" in mirsafety.lib().missing,
                                reason="the library does not export the dataset functions yet")


def reference(sample_dir):
    """{key: item dict} and the order, read with json from the official layout (the independent reference)."""
    out = {}
    for cat in os.listdir(sample_dir):
        d = os.path.join(sample_dir, cat)
        if not os.path.isdir(d):
            continue
        for f in os.listdir(d):
            if not f.endswith("_final.json"):
                continue
            rel = f[: -len("_final.json")]
            data = json.load(open(os.path.join(d, f), encoding="utf-8"))
            if isinstance(data, dict):
                data = [data]
            for i, it in enumerate(data):
                out["%s/%s/%s" % (cat, rel, it["id"])] = (cat, rel, i, it)
    return out


@pytest.fixture(scope="module")
def ds(sample_dir):
    with mirsafety.Dataset(sample_dir) as d:
        yield d


def test_taxonomy():
    assert mirsafety.categories() == ["Hate_Speech", "Violence", "Self-Harm", "Illegal_Activities", "Harassment",
                                      "Privacy"]
    assert len(mirsafety.relations()) == _ffi.MIRS_RELATION_COUNT == 9
    assert mirsafety.relations()[1] == "Temporal_Jump"
    assert mirsafety.groups() == ["Temporal", "Spatial", "Semantic", "Logical"]
    assert mirsafety.category_name(99) is None and mirsafety.relation_name(-1) is None
    assert mirsafety.group_name(99) is None
    assert mirsafety.category_display_name(3) == "Illegal Activities"
    assert mirsafety.relation_display_name(1) == "Temporal Jump"
    assert mirsafety.relation_description(0) and mirsafety.relation_description(9) is None
    assert mirsafety.relation_group(_ffi.MIRS_RELATION_CAUSALITY) == _ffi.MIRS_GROUP_LOGICAL
    assert mirsafety.relation_group(42) == -1
    assert mirsafety.parse_category("self harm") == _ffi.MIRS_CATEGORY_SELF_HARM
    assert mirsafety.parse_relation("temporal-jump") == _ffi.MIRS_RELATION_TEMPORAL_JUMP
    assert mirsafety.parse_group("SEMANTIC") == _ffi.MIRS_GROUP_SEMANTIC
    with pytest.raises(mirsafety.NotFoundError):
        mirsafety.parse_relation("nope")


def test_key_hash_and_shard():
    h = mirsafety.key_hash("Violence/Analogy/3")
    assert h == mirsafety.key_hash(b"Violence/Analogy/3") and 0 <= h < 2 ** 64
    assert mirsafety.key_shard("Violence/Analogy/3", 7) == h % 7
    assert mirsafety.key_shard("x", 0) == 0


def test_open_and_count_match_reference(ds, sample_dir):
    ref = reference(sample_dir)
    assert len(ds) == len(ref) > 0
    assert ds.path == sample_dir
    assert ds.format == mirsafety.dataset.FORMAT_OFFICIAL
    keys = [it.key for it in ds]
    assert sorted(keys) == sorted(ref)
    assert ds.image_total == sum(len(v[3]["images"]) for v in ref.values())
    for cat in mirsafety.categories():
        for rel in mirsafety.relations():
            want = sum(1 for v in ref.values() if v[0] == cat and v[1] == rel)
            assert ds.count_cell(cat, rel) == want
    assert ds.diagnostics == []


def test_item_fields_match_reference(ds, sample_dir):
    ref = reference(sample_dir)
    for i, item in enumerate(ds):
        cat, rel, pos, raw = ref[item.key]
        assert item.index == i and ds[i] == item and ds[item.key] == item
        assert item.category_name == cat and item.relation_name == rel
        assert mirsafety.category_name(item.category) == cat and mirsafety.relation_name(item.relation) == rel
        assert item.id == str(raw["id"]) and item.id_is_int == isinstance(raw["id"], int)
        assert item.revised_prompt == raw["revised_prompt"]
        assert item.original_question == raw["original_question"]
        assert item.relationship_type == raw.get("relationship_type", "")
        assert item.iteration == raw.get("iteration", 0)
        assert item.source_file == os.path.join(cat, rel + "_final.json")
        assert item.source_index == pos
        assert item.image_paths == raw["images"]
        assert item.image_files == [os.path.join(sample_dir, cat, p) for p in raw["images"]]
        desc = raw.get("image_descriptions", [])
        kw = raw.get("image_keywords", [])
        assert item.descriptions == ([desc] if isinstance(desc, str) else desc)
        assert item.keywords == ([kw] if isinstance(kw, str) else kw)
        assert item.to_dict()["key"] == item.key
        assert repr(item).startswith("<mirsafety.Item ")


def test_get_find_errors(ds):
    assert ds[-1] == ds[len(ds) - 1]
    assert ds[0:2] == [ds[0], ds[1]]
    with pytest.raises(IndexError):
        ds[len(ds)]
    with pytest.raises(KeyError):
        ds["Violence/Analogy/no-such-id"]
    with pytest.raises(mirsafety.NotFoundError) as e:
        ds.find("nope")
    assert e.value.message
    assert ds[0].key in ds and "nope" not in ds and 3 not in ds


def test_filters(ds):
    keys = [it.key for it in ds]
    for cat in mirsafety.categories():
        got = [it.key for it in ds.iter(categories=[cat])]
        assert got == [k for k in keys if k.split("/")[0] == cat]
    rel = ds[0].relation_name
    got = [it.key for it in ds.iter(relations=rel)]
    assert got == [k for k in keys if k.split("/")[1] == rel]
    grp = mirsafety.relation_group(ds[0].relation)
    got = [it.key for it in ds.iter(groups=[grp])]
    assert got == [k for k in keys if mirsafety.relation_group(mirsafety.parse_relation(k.split("/")[1])) == grp]
    pick = keys[::3]
    assert [it.key for it in ds.iter(keys=pick + ["unknown/key/1"])] == pick
    with pytest.raises(ValueError):
        ds.iter(categories=[])


def test_shards_partition_the_dataset(ds):
    keys = [it.key for it in ds]
    seen = []
    for i in range(3):
        with ds.iter(shard=(i, 3)) as it:
            part = [x.key for x in it]
            assert len(it) == len(part)
            assert all(mirsafety.key_shard(k, 3) == i for k in part)
            seen += part
    assert sorted(seen) == sorted(keys)
    with pytest.raises(mirsafety.RangeError):
        ds.iter(shard=(3, 3))


def test_shuffle_is_seeded_and_stable(ds):
    a = [x.key for x in ds.iter(shuffle=True, seed=7)]
    b = [x.key for x in ds.iter(shuffle=True, seed=7)]
    c = [x.key for x in ds.iter(shuffle=True, seed=8)]
    assert a == b and sorted(a) == sorted(x.key for x in ds)
    if len(a) > 3:
        assert a != c
    # the relative order of any subset is kept: a shard of the shuffled order is the shuffled shard
    sub = [x.key for x in ds.iter(shuffle=True, seed=7, shard=(0, 2))]
    assert sub == [k for k in a if mirsafety.key_shard(k, 2) == 0]


def test_iterator_reset_and_len(ds):
    with ds.iter() as it:
        assert len(it) == len(ds)
        first = next(it)
        rest = list(it)
        assert 1 + len(rest) == len(ds)
        it.reset()
        assert next(it) == first


def test_close_is_deterministic_and_safe(sample_dir):
    d = mirsafety.Dataset(sample_dir)
    it = d.iter()
    item = next(it)
    d.close()
    d.close()
    assert d.closed
    with pytest.raises(mirsafety.StateError):
        item.key
    with pytest.raises(mirsafety.StateError):
        next(it)
    with pytest.raises(mirsafety.StateError):
        len(d)
    assert "closed" in repr(d)


def test_checksum(ds):
    a = ds.checksum()
    assert a == ds.checksum() and 0 <= a < 2 ** 64
    assert ds.checksum(images=True) != a


def test_lenient_open_records_diagnostics(tmp_path, sample_dir):
    root = tmp_path / "ds"
    shutil.copytree(sample_dir, root)
    victim = next(p for p in sorted(root.rglob("*_final.json")))
    victim.write_text("[{\"id\": 1, \"revised_prompt\": ", encoding="utf-8")
    with pytest.raises(mirsafety.JsonError) as e:
        mirsafety.Dataset(root)
    assert victim.name in e.value.message
    with mirsafety.Dataset(root, mode="lenient") as d:
        diags = d.diagnostics
        assert len(diags) >= 1
        assert diags[0].status == _ffi.MIRS_E_JSON and diags[0].status_name == "MIRS_E_JSON"
        assert victim.name in diags[0].file
        assert len(d) < len(reference(sample_dir))


def test_options_are_the_struct_fields(sample_dir):
    with pytest.raises(TypeError):
        mirsafety.Dataset(sample_dir, no_such_option=1)
    with pytest.raises(mirsafety.LimitError):
        mirsafety.Dataset(sample_dir, max_items=1)
    with mirsafety.Dataset(sample_dir, check_images=True, format="official") as d:
        assert len(d) > 1


def test_undecodable_path_round_trips(tmp_path):
    # A path with a byte that is not UTF-8 goes in through os.fsencode and comes back in the message.
    bad = os.fsdecode(b"/nonexistent/\xff-dataset")
    with pytest.raises(mirsafety.MirsError) as e:
        mirsafety.Dataset(bad)
    assert e.value.status in (_ffi.MIRS_E_IO, _ffi.MIRS_E_NOT_FOUND)


def test_threads_share_one_dataset(ds):
    want = [x.key for x in ds]
    results = []

    def work():
        results.append([x.key for x in ds.iter()])

    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert results == [want] * 4
