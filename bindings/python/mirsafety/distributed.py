"""Sharded evaluation on an existing engine (Dask distributed), with exact merges.

libmirsafety is not a scheduler. It makes every piece of work shardable and
every partial result mergeable; this module fans shards out to Dask workers
and merges what they return:

- ``score_shard()`` scores one shard ``k/n`` of a dataset (a stable hash of the
  item key decides the shard, so shards are disjoint and complete on every
  machine) into its own verdict store, written atomically: a worker killed at
  any moment leaves either no part file or a complete one, never a partial one.
  Running a shard again overwrites its part file, so a redone shard is never
  counted twice.
- ``merge_parts()`` merges part stores with ``mirs_store_merge`` (sorted by key;
  exact repeats kept once; conflicting verdicts are an error), which gives the
  same bytes whatever the order of the parts and the number of workers.
- ``run_scoring()`` is the driver: one Dask task per shard, then the merge.
- ``entropy_shard()`` / ``run_entropy()`` do the same for attention dumps: a
  shard is the files whose name hashes to it, its partial state is an entropy
  accumulator saved as JSON (atomically), and the merge combines the states
  with the exact parallel-moment combination.

Dask is optional: nothing here imports it until ``run_scoring`` is called with a
client, and ``score_shard``/``merge_parts`` work in any process pool or on any
batch system (one command per shard, then one merge). See docs/scale-out.md.
"""
from __future__ import annotations

import ctypes
import os
import uuid
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from . import _ffi
from ._core import PathLike, check, choice, lib, text_in
from .dataset import Dataset, make_filter
from .entropy import Accumulator, dump_name
from .errors import StateError
from .report import Records, Report, Responses, Store, store_merge

_PART = "{model}.{judge}.part-{k:05d}-of-{n:05d}.jsonl"


def part_path(out_dir: str, model: str, judge: str, k: int, n: int) -> str:
    """The part file of shard k of n (one output per shard)."""
    return os.path.join(out_dir, _PART.format(model=model.replace("/", "_"), judge=judge, k=k, n=n))


def score_shard(dataset: str, responses: str, judge_outputs: str, model: str, shard: Tuple[int, int], out_dir: str,
                judge: str = "harmbench-mir", rtype_outputs: Optional[str] = None, parse: str = "official",
                timestamp_ms: int = 0) -> Tuple[str, Dict[str, Any]]:
    """Scores shard ``(k, n)`` into ``out_dir`` and returns ``(part_path, summary)``.

    The records go to a temporary store named for this attempt, which is closed
    (fsync'ed) and then renamed to the part path: the rename is the commit.
    ``timestamp_ms`` fixed (non-zero) makes the part byte-identical wherever it
    runs. Paths are read by the worker, so on many machines they must be on a
    shared file system (docs/scale-out.md)."""
    k, n = shard
    final = part_path(out_dir, model, judge, k, n)
    tmp = os.path.join(out_dir, ".tmp-%s-%d-%s" % (os.path.basename(final), os.getpid(), uuid.uuid4().hex))
    jid = ctypes.c_int32()
    check(lib().mirs_judge_from_name(text_in(judge), ctypes.byref(jid)), "mirs_judge_from_name")
    opts = _ffi.mirs_score_options()
    lib().mirs_score_options_init(ctypes.byref(opts), ctypes.sizeof(opts))
    model_b = text_in(model)
    opts.model = model_b
    opts.judge = jid.value
    opts.parse_mode = choice("parse_mode", parse, "parse")
    opts.timestamp_ms = int(timestamp_ms)
    summary = _ffi.mirs_score_summary()
    summary.struct_size = ctypes.sizeof(summary)
    f, _keep = make_filter(shard=(k, n))
    os.makedirs(out_dir, exist_ok=True)
    with Dataset(dataset) as ds, Responses(responses) as resp, Responses(judge_outputs) as jo:
        rt = Responses(rtype_outputs) if rtype_outputs else None
        try:
            store = Store(tmp, durability="none")
            try:
                with store._using() as sh:
                    check(lib().mirs_score_responses(ds.handle, ctypes.byref(f), resp._h(), jo._h(),
                                                     rt._h() if rt else None, ctypes.byref(opts), sh,
                                                     ctypes.byref(summary)), "mirs_score_responses")
            finally:
                store.close()  # writes and fsyncs the store
            os.replace(tmp, final)
            _fsync_dir(out_dir)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        finally:
            if rt:
                rt.close()
    fields = [f[0] for f in _ffi.mirs_score_summary._fields_ if f[0] != "struct_size"]
    return final, {name: getattr(summary, name) for name in fields}


def _fsync_dir(d: str) -> None:
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def merge_parts(parts: Iterable[PathLike], output: PathLike, policy: str = "strict") -> Tuple[int, int, int]:
    """Merges part stores into ``output`` (atomically); returns (records, duplicates, conflicts)."""
    return store_merge(list(parts), output, policy=policy)


def report_counts(store_path: PathLike, model: str, judge: str = "harmbench-mir",
                  denominator: str = "all") -> Tuple[Dict[Tuple[str, str], Tuple[int, int]], Tuple[int, int]]:
    """{(category, relation): (unsafe, total)} and the overall (unsafe, total) of one model in a store."""
    from .dataset import categories, relations
    with Records(store_path) as recs, Report(model, judge) as rep:
        for r in recs:
            if r.model == model and r.judge == judge:
                rep.add_record(r)
        cells = {(c, r): rep.counts(c, r, denominator=denominator) for c in categories() for r in relations()}
        return cells, rep.counts(denominator=denominator)


def run_scoring(client: Any, dataset: str, responses: str, judge_outputs: str, model: str, n_shards: int, out_dir: str,
                output: str, judge: str = "harmbench-mir", rtype_outputs: Optional[str] = None, parse: str = "official",
                timestamp_ms: int = 0, retries: int = 3) -> Tuple[str, List[Dict[str, Any]]]:
    """Scores a whole run on a Dask cluster: one task per shard, then the merge.

    A worker that dies in the middle of a shard has that task rescheduled by
    Dask (``retries`` also covers ordinary exceptions); the shard is scored again
    from scratch into the same part path, so nothing is lost or counted twice.
    Returns ``(output, summaries)`` with one summary per shard."""
    if n_shards < 1:
        raise ValueError("n_shards must be >= 1")
    futures = [
        client.submit(score_shard, dataset, responses, judge_outputs, model, (k, n_shards), out_dir, judge,
                      rtype_outputs, parse, timestamp_ms, key="mirs-score-%s-%s-%d-of-%d-%s" %
                      (model, judge, k, n_shards, uuid.uuid4().hex[:8]), retries=retries, pure=False)
        for k in range(n_shards)
    ]
    results = client.gather(futures)
    parts = [p for p, _ in results]
    if len(set(parts)) != n_shards:
        raise StateError(_ffi.MIRS_E_STATE, "shards returned %d distinct parts, expected %d" % (len(set(parts)),
                                                                                                  n_shards))
    merge_parts(parts, output)
    return output, [s for _, s in results]


# ---- attention entropy -------------------------------------------------------------------------------------------


def file_shard(path: str, n: int) -> int:
    """The shard of a file among n: the stable key hash of its base name (the same on every machine)."""
    return lib().mirs_key_shard(text_in(os.path.basename(path)), n)


def entropy_part_path(out_dir: str, k: int, n: int) -> str:
    """The part file of entropy shard k of n."""
    return os.path.join(out_dir, "entropy.part-%05d-of-%05d.json" % (k, n))


def entropy_shard(files: Iterable[Tuple[str, str]], shard: Tuple[int, int], out_dir: str, layers: int, heads: int,
                  bins: int = 64, lo: float = 0.0, hi: float = 8.0, layout: str = "lhqk",
                  **opts: Any) -> Tuple[str, int]:
    """Accumulates the entropy of the files of shard (k, n) and saves the state; returns (part_path, items).

    files is a list of (path, label) with label "safe" or "unsafe"; each file is a .npy or .safetensors attention
    tensor read with the given layout (mirsafety.entropy.Tensor.attention, keyword options passed on). The state
    is written to a temporary file and renamed, so a killed worker leaves no partial part."""
    from .entropy import Tensor
    k, n = shard
    final = entropy_part_path(out_dir, k, n)
    tmp = os.path.join(out_dir, ".tmp-%s-%d-%s" % (os.path.basename(final), os.getpid(), uuid.uuid4().hex))
    os.makedirs(out_dir, exist_ok=True)
    items = 0
    with Accumulator(layers, heads, bins, lo, hi) as acc:
        for path, label in sorted(files):
            if file_shard(path, n) != k:
                continue
            with Tensor(path) as t:
                ent, _ = t.attention(layout, **opts)
            acc.add_item(label, ent)
            items += 1
        try:
            acc.save(tmp)
            os.replace(tmp, final)
            _fsync_dir(out_dir)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    return final, items


def merge_entropy_parts(parts: Iterable[str], output: Optional[str] = None) -> Accumulator:
    """Merges saved accumulator states in the order given (sorted by the caller for reproducible bits) and
    returns the merged Accumulator; with output, also saves it."""
    plist = list(parts)
    if not plist:
        raise ValueError("no parts to merge")
    acc = Accumulator.load(plist[0])
    for p in plist[1:]:
        with Accumulator.load(p) as other:
            acc.merge(other)
    if output:
        acc.save(output)
    return acc


def run_entropy(client: Any, files: Iterable[Tuple[Any, Any]], n_shards: int, out_dir: str, output: Optional[str],
                layers: int, heads: int, retries: int = 3, **kwargs: Any) -> Accumulator:
    """Entropy statistics of many attention dumps on a Dask cluster: one task per shard of files, then the merge
    (parts in shard order, so the merged state has the same bits whatever the number of workers). Returns the
    merged Accumulator (also saved to output)."""
    flist = [(str(p), str(lab)) for p, lab in files]
    futures = [client.submit(entropy_shard, flist, (k, n_shards), out_dir, layers, heads, pure=False, retries=retries,
                             key="mirs-entropy-%d-of-%d-%s" % (k, n_shards, uuid.uuid4().hex[:8]), **kwargs)
               for k in range(n_shards)]
    results = client.gather(futures)
    if sum(items for _, items in results) != len(flist):
        raise StateError(_ffi.MIRS_E_STATE, "shards accumulated %d files, expected %d" %
                         (sum(i for _, i in results), len(flist)))
    return merge_entropy_parts([p for p, _ in results], output)


def attention_files_from_store(store_path: PathLike, model: str, attention_dir: str,
                               judge: str = "harmbench-mir") -> List[Tuple[str, str]]:
    """(path, label) for every safe/unsafe verdict of model whose key has a dump named <key with / as __>.npy."""
    out: List[Tuple[str, str]] = []
    with Records(store_path) as recs:
        for r in recs:
            if r.model != model or r.judge != judge or r.verdict not in (_ffi.MIRS_VERDICT_SAFE,
                                                                        _ffi.MIRS_VERDICT_UNSAFE):
                continue
            p = os.path.join(attention_dir, dump_name(r.key))
            if os.path.exists(p):
                out.append((p, "unsafe" if r.verdict == _ffi.MIRS_VERDICT_UNSAFE else "safe"))
    return out
