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

Dask is optional: nothing here imports it until ``run_scoring`` is called with a
client, and ``score_shard``/``merge_parts`` work in any process pool or on any
batch system (one command per shard, then one merge). See docs/scale-out.md.
"""
import ctypes
import os
import uuid

from . import _ffi
from ._core import check, lib, path_in, text_in
from .dataset import Dataset, make_filter
from .errors import StateError
from .report import Records, Report, Responses, Store, store_merge

_PART = "{model}.{judge}.part-{k:05d}-of-{n:05d}.jsonl"


def part_path(out_dir, model, judge, k, n):
    """The part file of shard k of n (one output per shard)."""
    return os.path.join(out_dir, _PART.format(model=model.replace("/", "_"), judge=judge, k=k, n=n))


def score_shard(dataset, responses, judge_outputs, model, shard, out_dir, judge="harmbench-mir", rtype_outputs=None,
                parse="official", timestamp_ms=0):
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
    lib().mirs_score_options_init(ctypes.byref(opts))
    model_b = text_in(model)
    opts.model = model_b
    opts.judge = jid.value
    opts.parse_mode = _ffi.MIRS_PARSE_OFFICIAL if parse == "official" else _ffi.MIRS_PARSE_LENIENT
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
                check(lib().mirs_score_responses(ds.handle, ctypes.byref(f), resp._h(), jo._h(),
                                                 rt._h() if rt else None, ctypes.byref(opts), store._h(),
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
    fields = [name for name, _ in _ffi.mirs_score_summary._fields_ if name != "struct_size"]
    return final, {name: getattr(summary, name) for name in fields}


def _fsync_dir(d):
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def merge_parts(parts, output, policy="strict"):
    """Merges part stores into ``output`` (atomically); returns (records, duplicates, conflicts)."""
    return store_merge(list(parts), output, policy=policy)


def report_counts(store_path, model, judge="harmbench-mir", denominator="all"):
    """{(category, relation): (unsafe, total)} and the overall (unsafe, total) of one model in a store."""
    from .dataset import categories, relations
    with Records(store_path) as recs, Report(model, judge) as rep:
        for r in recs:
            if r.model == model and r.judge == judge:
                rep.add_record(r)
        cells = {(c, r): rep.counts(c, r, denominator=denominator) for c in categories() for r in relations()}
        return cells, rep.counts(denominator=denominator)


def run_scoring(client, dataset, responses, judge_outputs, model, n_shards, out_dir, output, judge="harmbench-mir",
                rtype_outputs=None, parse="official", timestamp_ms=0, retries=3):
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
