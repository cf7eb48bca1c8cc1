"""Scale-out on a local Dask cluster: identical results with 1 and 2 worker
processes and in-process, and after a worker is killed in the middle of a
shard (its shard is redone; nothing lost, nothing counted twice)."""
import os
import signal

import pytest

distributed = pytest.importorskip("distributed")

from mirsafety import distributed as mdist

ROOT = os.environ["MIRS_SOURCE_ROOT"]
SAMPLE = os.path.join(ROOT, "examples", "data", "sample")
DEMO = os.path.join(ROOT, "examples", "data", "demo")
MODEL = "demo-strong-reasoner"
ARGS = dict(dataset=SAMPLE, responses=os.path.join(DEMO, "responses", MODEL + ".jsonl"),
            judge_outputs=os.path.join(DEMO, "judge", MODEL + ".jsonl"), model=MODEL,
            rtype_outputs=os.path.join(DEMO, "response-types", MODEL + ".jsonl"), timestamp_ms=1700000000000)


def cluster(n):
    # Worker processes inherit the environment (library path, sanitizer preload).
    return distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                                    scheduler_port=0, silence_logs=40)


def single_process(tmp_path):
    out = str(tmp_path / "single")
    part, summary = mdist.score_shard(shard=(0, 1), out_dir=out, **{k: v for k, v in ARGS.items()})
    merged = str(tmp_path / "single.jsonl")
    mdist.merge_parts([part], merged)
    return merged, summary


def test_one_and_two_workers_match_one_process(tmp_path):
    ref, ref_summary = single_process(tmp_path)
    ref_bytes = open(ref, "rb").read()
    assert ref_summary["scored"] > 0
    for workers, shards in ((1, 3), (2, 5)):
        with cluster(workers) as c, distributed.Client(c) as client:
            out = str(tmp_path / ("w%d" % workers))
            merged, summaries = mdist.run_scoring(client, n_shards=shards, out_dir=out,
                                                  output=out + ".jsonl", **ARGS)
        assert sum(s["scored"] for s in summaries) == ref_summary["scored"]
        assert sum(s["outside_filter"] for s in summaries) == (shards - 1) * ref_summary["scored"]
        assert open(merged, "rb").read() == ref_bytes
        assert mdist.report_counts(merged, MODEL) == mdist.report_counts(ref, MODEL)


def flaky_score_shard(marker, *args, **kwargs):
    """Dies with SIGKILL in the middle of its shard the first time it runs:
    it leaves a half-written temporary store behind, as a real crash would."""
    part, _ = mdist.part_path(args[5], args[3], "harmbench-mir", *args[4]), None
    if not os.path.exists(marker):
        open(marker, "w").close()
        os.makedirs(args[5], exist_ok=True)
        with open(os.path.join(args[5], ".tmp-" + os.path.basename(part) + "-killed"), "w") as f:
            f.write('{"key": "Violence/Analogy/23", "model": "x", "judge": "harmbench-mir", "verd')
            f.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    return mdist.score_shard(*args, **kwargs)


def test_killed_worker_redoes_its_shard(tmp_path):
    ref, ref_summary = single_process(tmp_path)
    out = str(tmp_path / "killed")
    marker = str(tmp_path / "killed-once")
    n = 4
    with cluster(2) as c, distributed.Client(c) as client:
        futures = []
        for k in range(n):
            fn = flaky_score_shard if k == 2 else (lambda m, *a, **kw: mdist.score_shard(*a, **kw))
            futures.append(client.submit(fn, marker, ARGS["dataset"], ARGS["responses"], ARGS["judge_outputs"], MODEL,
                                         (k, n), out, "harmbench-mir", ARGS["rtype_outputs"], "official",
                                         ARGS["timestamp_ms"], pure=False, retries=3))
        results = client.gather(futures)
    assert os.path.exists(marker)  # the kill really happened
    parts = sorted(os.listdir(out))
    assert len([p for p in parts if not p.startswith(".tmp-")]) == n
    merged = str(tmp_path / "killed.jsonl")
    records, dups, conflicts = mdist.merge_parts([p for p, _ in results], merged)
    assert (dups, conflicts) == (0, 0)
    assert records == ref_summary["scored"]
    assert open(merged, "rb").read() == open(ref, "rb").read()


def test_entropy_shards_merge_exactly(tmp_path):
    """Entropy accumulators over the demo attention dumps: 4 shards on 1 and on
    2 workers give the same merged state bit for bit, equal to one pass in
    counts and histograms exactly and in moments to rounding; a killed worker's
    shard is redone."""
    from mirsafety.entropy import Accumulator, Tensor
    store, _ = single_process(tmp_path)
    files = mdist.attention_files_from_store(store, MODEL, os.path.join(DEMO, "attention"))
    assert len(files) > 40 and {lab for _, lab in files} == {"safe", "unsafe"}
    # One pass in this process.
    one = Accumulator(2, 2, 32, 0.0, 4.0)
    for p, lab in sorted(files):
        with Tensor(p) as t:
            one.add_item(lab, t.attention("lhqk")[0])
    states = {}
    for workers in (1, 2):
        with cluster(workers) as c, distributed.Client(c) as client:
            out = str(tmp_path / ("ent%d" % workers))
            acc = mdist.run_entropy(client, files, 4, out, out + ".json", 2, 2, bins=32, lo=0.0, hi=4.0)
            states[workers] = acc.to_json()
            for layer in range(2):
                for head in range(2):
                    for lab in ("safe", "unsafe"):
                        assert acc.histogram(lab, layer, head) == one.histogram(lab, layer, head)
                        a, b = acc.summary(lab, layer, head), one.summary(lab, layer, head)
                        assert a["count"] == b["count"]
                        assert a["mean"] == pytest.approx(b["mean"], rel=1e-12)  # summation order only
            sa, so = acc.shape(), one.shape()
            assert (sa["items_safe"], sa["items_unsafe"]) == (so["items_safe"], so["items_unsafe"])
            g = acc.compare()
            assert g == pytest.approx(one.compare(), rel=1e-9, nan_ok=True)
    assert states[1] == states[2]

    # A worker killed in the middle of an entropy shard.
    marker = str(tmp_path / "ent-killed-once")

    def flaky(k, *a, **kw):
        if k == 1 and not os.path.exists(marker):
            open(marker, "w").close()
            os.kill(os.getpid(), signal.SIGKILL)
        return mdist.entropy_shard(*a, **kw)

    out = str(tmp_path / "entk")
    with cluster(2) as c, distributed.Client(c) as client:
        futs = [client.submit(flaky, k, files, (k, 4), out, 2, 2, bins=32, lo=0.0, hi=4.0, pure=False, retries=3)
                for k in range(4)]
        res = client.gather(futs)
    assert os.path.exists(marker)
    assert sum(i for _, i in res) == len(files)
    assert mdist.merge_entropy_parts([p for p, _ in res]).to_json() == states[1]
