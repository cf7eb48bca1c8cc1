"""Host safety (issue #18): the binding never takes the interpreter down, and its errors survive a trip to
another process. Meson runs this file as the test 'python-host-safety' (suite bindings), in the gcc build and in
the ASan + UBSan build (with the runtime preloaded), where a use-after-free in a race below aborts the run.

- every view of library memory keeps its owner alive (Tensor.array() after close, Image.pixels());
- closing a handle while other threads use it or its items raises StateError in those threads, never a crash
  (ROUNDS rounds of threads reading while another closes);
- errors pickle with class, status and message, derive from the matching built-in, and come back through
  multiprocessing.Pool, ProcessPoolExecutor and a Dask LocalCluster with worker processes;
- unknown names raise ValueError listing the choices; arrays of the wrong rank or dtype are refused;
- the default tolerance accepts correctly rounded bf16 softmax rows.
"""
import concurrent.futures
import multiprocessing
import os
import pickle
import sys
import threading
import time

import pytest

import mirsafety
from mirsafety import _ffi, entropy as E, errors, score

np = pytest.importorskip("numpy")

ROUNDS = 1000
HERE = os.path.dirname(os.path.abspath(__file__))


# ---- views keep their owner alive -----------------------------------------------------------------------------------


def test_tensor_array_outlives_tensor(tmp_path):
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    path = tmp_path / "a.npy"
    np.save(path, a)
    with E.Tensor(path) as t:
        v = t.array()
    assert t.closed
    with pytest.raises(mirsafety.StateError):
        t.shape
    del t
    for _ in range(3):  # the file stays mapped while the array lives, whatever else is allocated meanwhile
        np.ones(1 << 16).sum()
    assert v.sum() == a.sum()
    np.testing.assert_array_equal(v, a)
    b = E.Tensor.from_bytes(path.read_bytes())
    w = b.array()
    b.close()
    del b
    np.testing.assert_array_equal(w, a)


def test_pixels_outlive_image():
    img = mirsafety.Image.from_pixels(np.full((4, 5, 3), 7, np.uint8))
    px = img.pixels()
    img.close()
    del img
    assert int(px.sum()) == 7 * 60


# ---- closing while other threads use a handle -------------------------------------------------------------------------


def _race(rounds, make, use, close, nthreads=3):
    """Per round: `make()` an object, start threads calling use(obj) until it raises StateError, let them run,
    close(obj) from this thread. Any other exception fails the test; a crash kills the interpreter."""
    errors_seen = []
    stopped = [0]
    for r in range(rounds):
        obj = make()
        started = threading.Barrier(nthreads + 1)

        def worker():
            started.wait()
            try:
                for _ in range(100000):
                    use(obj)
            except mirsafety.StateError:
                stopped[0] += 1
            except BaseException as e:  # pragma: no cover - the failure being tested for
                errors_seen.append(e)

        ts = [threading.Thread(target=worker) for _ in range(nthreads)]
        for t in ts:
            t.start()
        started.wait()
        for _ in range(r % 4):  # let the readers get going a little longer in some rounds
            time.sleep(0)
        close(obj)
        for t in ts:
            t.join()
        del obj
    assert not errors_seen, errors_seen[:3]
    assert stopped[0] == rounds * nthreads  # every reader saw StateError: none finished its loop before close


def test_dataset_close_while_items_are_read(sample_dir):
    def make():
        ds = mirsafety.Dataset(sample_dir)
        return ds, list(ds)

    def use(o):
        for it in o[1]:
            it.revised_prompt
            it.image_files

    _race(ROUNDS, make, use, lambda o: o[0].close())


def test_dataset_close_while_iterating(sample_dir):
    def use(ds):
        for it in ds:
            it.key
        len(ds)

    _race(ROUNDS // 4, lambda: mirsafety.Dataset(sample_dir), use, lambda ds: ds.close())


def test_matcher_close_while_searching():
    text = "I'm sorry, but I cannot help with that. " * 50

    def make():
        m = score.Matcher.preset("harmbench")
        return m, m.stream()

    def use(o):
        o[0].find(text)
        o[0].test(text)

    _race(ROUNDS // 4, make, use, lambda o: o[0].close())


def test_tensor_close_while_computing(tmp_path):
    rng = np.random.default_rng(3)
    x = rng.random((2, 2, 8, 64)).astype(np.float32)
    x /= x.sum(-1, keepdims=True)
    path = tmp_path / "att.npy"
    np.save(path, x)

    def use(t):
        t.attention("lhqk")
        t.array().sum()

    _race(ROUNDS // 4, lambda: E.Tensor(path), use, lambda t: t.close())


def test_image_close_while_reading():
    def use(img):
        img.checksum()
        img.pixels().sum()

    _race(ROUNDS // 4, lambda: mirsafety.Image.from_pixels(np.full((16, 16, 3), 9, np.uint8)), use,
          lambda img: img.close())


def test_store_close_while_appending(tmp_path):
    # the Store's close() reports the last write's status, so it waits for the call in flight (a lock), then closes
    n = [0]

    def make():
        n[0] += 1
        return mirsafety.Store(tmp_path / ("s%d.jsonl" % n[0]), durability="none")

    def use(st):
        st.append(mirsafety.Record(key="Violence/Analogy/1", model="m", judge="harmbench-mir", verdict=1))
        len(st)
        st.done("Violence/Analogy/1", "m")

    _race(ROUNDS // 4, make, use, lambda st: st.close())


def test_accumulator_and_monitor_close_while_used():
    ent = np.full((2, 2, 3), 0.5)

    def use_acc(acc):
        acc.add_item("safe", ent)
        acc.shape()

    # one-thread-at-a-time objects: one user thread, closed from another
    _race(ROUNDS // 4, lambda: E.Accumulator(2, 2), use_acc, lambda acc: acc.close(), nthreads=1)
    row = np.full(16, 1 / 16, np.float32)

    def use_mon(m):
        m.feed(0, 0, row)
        m.layer_mean(0)

    _race(ROUNDS // 4, lambda: E.Monitor(1, 1, 1.0), use_mon, lambda m: m.close(), nthreads=1)


# ---- errors cross process boundaries ---------------------------------------------------------------------------------


def test_errors_pickle_with_class_status_message():
    for status in range(-1, -25, -1):
        cls = errors.error_class(status)
        e = cls(status, "message %d" % status, "mirs_fn")
        f = pickle.loads(pickle.dumps(e))
        assert type(f) is cls and f.status == status and f.message == e.message and f.function == "mirs_fn"
        assert str(f) == str(e) and f.status_name == e.status_name
    try:
        mirsafety.Dataset("/nonexistent/dataset")
    except mirsafety.MirsError as e:
        f = pickle.loads(pickle.dumps(e, protocol=pickle.HIGHEST_PROTOCOL))
        assert isinstance(f, mirsafety.NotFoundError) and f.message == e.message


def test_errors_derive_from_builtins():
    assert issubclass(mirsafety.NotFoundError, FileNotFoundError)
    assert issubclass(mirsafety.IoError, OSError)
    assert issubclass(mirsafety.InvalidArgumentError, ValueError)
    assert issubclass(mirsafety.JsonError, ValueError)
    assert issubclass(mirsafety.StateError, RuntimeError)
    assert issubclass(mirsafety.NoMemoryError, MemoryError)
    assert issubclass(errors.OverflowError, OverflowError)
    for status in range(-1, -25, -1):
        assert issubclass(errors.error_class(status), mirsafety.MirsError)
    with pytest.raises(FileNotFoundError):
        mirsafety.Dataset("/nonexistent/dataset")


def _open_missing(path):
    """Runs in a worker process: raises the library's NotFoundError."""
    sys.path.insert(0, os.path.dirname(HERE))
    import mirsafety as m
    m.Dataset(path)


def _check_remote(e):
    assert type(e) is mirsafety.NotFoundError, type(e)
    assert e.status == _ffi.MIRS_E_NOT_FOUND and "/nonexistent/remote" in e.message


def test_error_through_multiprocessing_pool():
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        r = pool.map_async(_open_missing, ["/nonexistent/remote"])
        with pytest.raises(mirsafety.NotFoundError) as ei:
            r.get(timeout=60)
    _check_remote(ei.value)


def test_error_through_process_pool_executor():
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as ex:
        fut = ex.submit(_open_missing, "/nonexistent/remote")
        with pytest.raises(mirsafety.NotFoundError) as ei:
            fut.result(timeout=60)
    _check_remote(ei.value)


def test_error_through_dask():
    distributed = pytest.importorskip("distributed")
    import logging
    logging.getLogger("distributed").setLevel(logging.ERROR)
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([os.path.dirname(HERE), HERE] + ([old] if old else []))
    try:
        with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                      worker_dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
                distributed.Client(cluster, timeout=60) as client:
            fut = client.submit(_open_missing, "/nonexistent/remote", pure=False)
            with pytest.raises(mirsafety.NotFoundError) as ei:
                fut.result(timeout=60)
    finally:
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old
    _check_remote(ei.value)


# ---- names, ranks, dtypes --------------------------------------------------------------------------------------------


def test_unknown_names_are_value_errors_listing_choices(sample_dir):
    cases = [
        (lambda: mirsafety.Dataset(sample_dir, format="yaml"), "official"),
        (lambda: mirsafety.Dataset(sample_dir, mode="sloppy"), "lenient"),
        (lambda: E.rows(np.ones((1, 4), np.float32) / 4, dtype="fp8"), "bf16"),
        (lambda: E.rows(np.ones((1, 4), np.float32) / 4, policy="ignore"), "renormalize"),
        (lambda: E.rows(np.ones((1, 4), np.float32) / 4, kernel="neon"), "avx2"),
        (lambda: E.Accumulator(1, 1).add("maybe", 0, 0, 1.0), "unsafe"),
        (lambda: mirsafety.parse_category("Nope"), "Self-Harm"),
        (lambda: mirsafety.parse_relation("Nope"), "Temporal_Jump"),
        (lambda: score.judge_from_name("nope"), "harmbench"),
        (lambda: score.preset_from_name("nope"), "gcg"),
        (lambda: mirsafety.prompt.parse_format("nope"), "qwen"),
    ]
    cases += [
        (lambda: mirsafety.category_name("Nope"), "Privacy"),
        (lambda: score.verdict_name("maybe"), "unsafe"),
        (lambda: mirsafety.image.format_name("gif"), "png"),
    ]
    # the *_name functions take names (any spelling the parsers accept), ints and enums members alike
    assert mirsafety.category_name("self harm") == mirsafety.category_name(mirsafety.Category.SELF_HARM) == "Self-Harm"
    assert score.judge_name(mirsafety.Judge.HARMBENCH) == score.judge_name("harmbench") == "harmbench"
    assert mirsafety.category_name(99) is None
    for fn, choice in cases:
        with pytest.raises(ValueError) as ei:
            fn()
        assert isinstance(ei.value, mirsafety.UnknownNameError), ei.value
        assert choice in str(ei.value), str(ei.value)


def test_monitor_refuses_a_block():
    m = E.Monitor(1, 1, 1.0)
    with pytest.raises(ValueError, match="1-D"):
        m.feed(0, 0, np.zeros((4, 8), np.float32))
    m.feed(0, 0, np.full(8, 1 / 8, np.float32))
    m.feed(0, 0, np.full(16, 1 / 16, np.float32)[::2] * 2)  # strided: copied, not refused
    m.close()


def test_wrong_rank_or_dtype_refused():
    with pytest.raises(ValueError, match="2-D"):
        E.rows(np.ones((2, 2, 2), np.float32))
    with pytest.raises(ValueError, match="dimensions"):
        E.attention(np.ones((1, 1, 1, 2, 2), np.float32))
    with pytest.raises(TypeError, match="4-byte"):
        E.rows(np.ones((2, 4)) / 4, dtype="f32")  # float64 memory read as f32 would be garbage
    with pytest.raises(TypeError):
        E.rows(np.ones((2, 4), np.int64))
    with pytest.raises(TypeError, match="2-byte"):
        E.rows(np.ones((2, 4), np.float32), dtype="bf16")
    from mirsafety import stats
    with pytest.raises(ValueError, match="1-D"):
        stats.spearman(np.ones((2, 3)), np.ones((2, 3)))  # not silently flattened
    with pytest.raises(ValueError, match="1-D"):
        stats.welch([[1.0, 2.0], [3.0, 4.0]], [1.0, 2.0])
    with pytest.raises(TypeError, match="numeric"):
        stats.auroc(np.array(["a", "b"]), np.array([1.0]))
    with pytest.raises(ValueError, match="height, width"):
        mirsafety.Image.from_pixels(np.zeros(12, np.uint8))
    with pytest.raises(TypeError, match="uint8"):
        mirsafety.Image.from_pixels(np.zeros((2, 2, 3), np.float32))
    with pytest.raises(ValueError, match="layers, heads, queries"):
        E.Accumulator(1, 1).add_item("safe", np.zeros((1, 1)))


# ---- bf16 tolerance --------------------------------------------------------------------------------------------------


def _bf16_rne(x):
    """float64 -> bf16 bits (uint16) by round-to-nearest-even through float32 (exact for these magnitudes)."""
    u = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def test_default_tolerance_accepts_rounded_bf16_softmax():
    rng = np.random.default_rng(18)
    worst = 0.0
    for n in (32, 100, 512, 1000, 4096):
        for scale in (1.0, 3.0, 6.0, 10.0, 20.0):
            z = rng.standard_normal((64, n)) * scale
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            b = _bf16_rne(p)
            back = (b.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
            worst = max(worst, float(np.abs(back.sum(axis=1) - 1).max()))
            h = E.rows(b, dtype="bf16")  # the default policy (error) and tolerance: must not raise
            q = back / back.sum(axis=1, keepdims=True)
            ref = -(q * np.log(np.where(q > 0, q, 1))).sum(axis=1)
            np.testing.assert_allclose(h, ref, rtol=0, atol=2e-5)
    assert worst > 1e-3  # the rows are peaky enough that the former flat 1e-3 would have refused some
    # a bf16 row off by more than what rounding explains is still refused
    row = np.full((1, 256), 1 / 256)
    row[0, 0] += 0.01
    with pytest.raises(mirsafety.NumericError, match="rounding"):
        E.rows(_bf16_rne(row), dtype="bf16")


# ---- enums and the star import ---------------------------------------------------------------------------------------


def test_enums_are_generated_and_accepted(sample_dir):
    from mirsafety import enums
    assert mirsafety.Category.SELF_HARM == _ffi.MIRS_CATEGORY_SELF_HARM
    assert mirsafety.Relation.TEMPORAL_JUMP == _ffi.MIRS_RELATION_TEMPORAL_JUMP
    assert mirsafety.Dtype.BF16 == _ffi.MIRS_ENTROPY_BF16 and mirsafety.Judge.LLAMAGUARD3 == _ffi.MIRS_JUDGE_LLAMAGUARD3
    assert mirsafety.Verdict.UNSAFE == _ffi.MIRS_VERDICT_UNSAFE
    assert mirsafety.ResponseType.REFUSAL == _ffi.MIRS_RTYPE_REFUSAL
    for name in enums.__all__:  # every member is the header's constant of that name
        cls = getattr(enums, name)
        for m in cls:
            assert any(getattr(_ffi, c) == m.value for c in _ffi.CONSTANTS if c.endswith(m.name.lstrip("_")))
    with mirsafety.Dataset(sample_dir, format=mirsafety.DatasetFormat.OFFICIAL,
                           mode=mirsafety.ReadMode.STRICT) as ds:
        by_enum = [it.key for it in ds.iter(categories=[mirsafety.Category.VIOLENCE])]
        by_name = [it.key for it in ds.iter(categories=["Violence"])]
        assert by_enum == by_name
        assert ds.count_cell(mirsafety.Category.VIOLENCE, mirsafety.Relation.ANALOGY) == \
            ds.count_cell("Violence", "Analogy")
    p = np.full((2, 8), 1 / 8, np.float32)
    np.testing.assert_allclose(E.rows(p, policy=mirsafety.Policy.SKIP, kernel=mirsafety.Kernel.GENERIC),
                               E.rows(p, policy="skip", kernel="generic"))
    assert score.judge_from_name(mirsafety.Judge.HARMBENCH) == _ffi.MIRS_JUDGE_HARMBENCH
    assert score.judge_parse(mirsafety.Judge.HARMBENCH, "Yes") == score.judge_parse("harmbench", "Yes")


def test_star_import_shadows_nothing():
    import builtins
    ns = {}
    exec("from mirsafety import *", ns)
    ns.pop("__builtins__", None)
    assert not [n for n in ns if hasattr(builtins, n)]
    assert set(ns) == set(mirsafety.__all__)
    assert "Dataset" in ns and "Category" in ns and "NotFoundError" in ns
    ns = {}
    exec("from mirsafety.errors import *", ns)
    ns.pop("__builtins__", None)
    assert not [n for n in ns if hasattr(builtins, n)]


# ---- documented and typed --------------------------------------------------------------------------------------------


def _public_callables():
    import inspect
    from mirsafety import dataset, distributed, entropy, enums, image, prompt, report, stats
    seen = set()
    for m in (mirsafety, dataset, entropy, image, prompt, report, score, stats, distributed, errors, enums):
        names = getattr(m, "__all__", None) or [n for n in vars(m) if not n.startswith("_")]
        for n in names:
            obj = getattr(m, n)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)) or id(obj) in seen:
                continue
            if getattr(obj, "__module__", "").split(".")[0] != "mirsafety":
                continue
            seen.add(id(obj))
            yield "%s.%s" % (m.__name__, n), obj, None
            if inspect.isclass(obj) and not issubclass(obj, (BaseException, int, tuple)):
                for an, av in vars(obj).items():
                    if an.startswith("_") and an != "__init__":
                        continue
                    f = av.fget if isinstance(av, property) else getattr(av, "__func__", av)
                    if inspect.isfunction(f):
                        yield "%s.%s.%s" % (m.__name__, n, an), f, obj


def test_every_public_name_is_documented_and_annotated():
    import inspect
    undocumented, untyped, opaque = [], [], []
    for qual, obj, owner in _public_callables():
        if not (obj.__doc__ or "").strip() and not qual.endswith("__init__"):
            undocumented.append(qual)
        if inspect.isfunction(obj):
            sig = inspect.signature(obj)
            params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
            if sig.return_annotation is inspect.Signature.empty or \
                    any(p.annotation is inspect.Parameter.empty for p in params):
                untyped.append(qual)
    assert not undocumented, undocumented
    assert not untyped, untyped
    # help() shows the options by name where the library's option struct has few enough fields to list
    from mirsafety import image
    for fn in (mirsafety.Dataset.__init__, E.rows, E.rows_spans, E.attention, E.Monitor.__init__, E.Tensor.attention,
               E.Accumulator.add_attentions, mirsafety.Responses.__init__, mirsafety.Responses.parse,
               mirsafety.Store.__init__, mirsafety.Image.encode, mirsafety.Image.data_url, image.composite,
               mirsafety.Image.decode, image.decode, image.probe, image.check_limits, image.prepare_batch,
               mirsafety.prompt.render, mirsafety.prompt.item_text, mirsafety.prompt.item_line,
               mirsafety.prompt.write, mirsafety.prompt.write_file):
        params = inspect.signature(fn).parameters
        assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()), fn
    assert "policy" in inspect.signature(E.rows).parameters
    assert "max_items" in inspect.signature(mirsafety.Dataset.__init__).parameters
