#!/usr/bin/python3
"""Checks the HTML report (`mirsafety report --format html`, also written by
`mirsafety demo`) as a reader sees it:

- self-contained: no scripts, no external references, nothing fetched;
- rendered in headless Chromium at 480 and 1400 px wide: no horizontal
  overflow, every chart laid out with a real size, every legend entry and
  every label inside its chart, the right number of bars, cells and rows;
- every number in the page equals the JSON report's (`report --format json`
  over the same inputs), for the demo and for "own" inputs: several stores,
  several judges, a dataset with items lacking a verdict, an official
  results folder and an entropy accumulator.

Usage: check_report.py MIRSAFETY_EXE REPO_ROOT OUT_DIR [SCREENSHOT.png]
"""
import html
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--mute-audio"]

# Injected into a copy of the report only: measures the rendered elements
# and leaves the result in the DOM, which --dump-dom prints after load.
PROBE = """<script>
(function () {
  function box(sel) { return Array.from(document.querySelectorAll(sel)).map(function (e) {
    var r = e.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; }); }
  function r4(r) { return [r.left, r.top, r.right, r.bottom].map(function (v) { return Math.round(v * 10) / 10; }); }
  // Everything drawn in a chart (legend entries, labels, values) must lie inside the chart's box.
  var outside = [];
  document.querySelectorAll('svg.chart').forEach(function (svg) {
    var s = svg.getBoundingClientRect();
    svg.querySelectorAll('.legend-entry, text, rect').forEach(function (e) {
      var r = e.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) return;
      if (r.left < s.left - 1 || r.right > s.right + 1 || r.top < s.top - 1 || r.bottom > s.bottom + 1)
        outside.push([svg.id, e.getAttribute('class') || e.tagName, (e.textContent || '').slice(0, 40), r4(r), r4(s)]);
    });
  });
  var legends = {};
  document.querySelectorAll('svg.chart').forEach(function (svg) {
    legends[svg.id] = svg.querySelectorAll('.legend-entry').length; });
  // The smallest text a reader has to read, in CSS pixels as drawn.
  var minFont = 1e9;
  document.querySelectorAll('svg.chart text').forEach(function (t) {
    var h = t.getBoundingClientRect().height; if (h > 0 && h < minFont) minFont = h; });
  var out = {
    innerWidth: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    bodyScrollWidth: document.body.scrollWidth,
    title: document.getElementById('title') ? document.getElementById('title').textContent : null,
    models: box('#models tr.model-row'),
    relationChart: box('#asr-by-relation'),
    bars: box('#asr-by-relation g.bar rect'),
    heatmaps: box('svg.heatmap'),
    cells: box('svg.heatmap g.cell rect'),
    rtypes: box('#response-types g.seg rect'),
    hist: box('svg.entropy polyline.hist'),
    outside: outside,
    legends: legends,
    minTextHeight: minFont,
    resources: performance.getEntriesByType('resource').map(function (e) { return e.name; })
  };
  var pre = document.createElement('pre'); pre.id = 'probe-result'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""

RTYPES = ["unsafe", "refusal", "misunderstanding", "evasive", "benign_help"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def run(args, **kw):
    env = dict(os.environ, MIRSAFETY_NO_PROGRESS="1")
    r = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600, **kw)
    if r.returncode != 0:
        print(" ".join(args), r.stdout[-3000:], r.stderr[-3000:], sep="\n", file=sys.stderr)
        raise SystemExit(1)
    return r.stdout


VOID = ("meta", "br", "rect", "line", "polyline")


class Page(html.parser.HTMLParser):
    """The element tree: each element's tag, attributes and parts (text and child elements, in order)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elems, self.stack = [], []

    def handle_starttag(self, tag, attrs):
        e = {"tag": tag, "attrs": dict(attrs), "parts": [], "children": []}
        if self.stack:
            self.stack[-1]["parts"].append(e)
            self.stack[-1]["children"].append(e)
        self.elems.append(e)
        if tag not in VOID:
            self.stack.append(e)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i]["tag"] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self.stack:
            self.stack[-1]["parts"].append(data)


def parse_page(text):
    p = Page()
    p.feed(text)
    return p.elems


def cls(e):
    return e["attrs"].get("class", "").split()


def visible(e):
    """The text a reader sees in place: without tooltip <title> children."""
    def walk(x):
        return "".join(p if isinstance(p, str) else ("" if p["tag"] == "title" else walk(p)) for p in x["parts"])
    return walk(e).strip()


def find(elems, tag=None, klass=None, **attrs):
    res = []
    for e in elems:
        if tag and e["tag"] != tag:
            continue
        if klass and klass not in cls(e):
            continue
        if any(e["attrs"].get(k.replace("_", "-")) != v for k, v in attrs.items()):
            continue
        res.append(e)
    return res


def descendants(e):
    for c in e["children"]:
        yield c
        yield from descendants(c)


def fmt(v, prec):
    return "–" if v is None else f"{v:.{prec}f}%"


def compare_numbers(html_text, reports, what, entropy=None):
    """Every figure shown equals the JSON report's."""
    elems = parse_page(html_text)
    key = lambda r: (r["model"], r["judge"])
    rows = find(elems, "tr", "model-row")
    check([(e["attrs"]["data-model"], e["attrs"]["data-judge"]) for e in rows] == [key(r) for r in reports],
          f"{what}: models table rows {[(e['attrs']['data-model'], e['attrs']['data-judge']) for e in rows]} "
          f"!= reports {[key(r) for r in reports]}")
    for e, r in zip(rows, reports):
        tds = {c: visible(d) for d in descendants(e) if d["tag"] == "td" for c in cls(d)}
        o = r["overall"]
        want = {"unsafe": str(o["unsafe"]), "total": str(o["total"]), "asr": fmt(o["asr_pct"], 2),
                "ci": "–" if o["wilson_pct"][0] is None else f"{o['wilson_pct'][0]:.2f}–{o['wilson_pct'][1]:.2f}%"}
        for k, v in want.items():
            check(tds.get(k) == v, f"{what}: {key(r)} models table {k} shows {tds.get(k)!r}, JSON {v!r}")
    # ASR by relation: counts and the value printed beside each bar.
    for r in reports:
        for row in r["by_relation"]:
            g = find(elems, "g", "bar", data_model=r["model"], data_judge=r["judge"], data_relation=row["relation"])
            check(len(g) == 1, f"{what}: {key(r)} {row['relation']}: {len(g)} bars")
            if not g:
                continue
            a = g[0]["attrs"]
            check((int(a["data-unsafe"]), int(a["data-total"])) == (row["unsafe"], row["total"]),
                  f"{what}: {key(r)} {row['relation']} bar counts differ from JSON")
            v = [d for d in descendants(g[0]) if d["tag"] == "text"]
            want = "no items" if row["total"] == 0 else f"{row['asr_pct']:.1f}% (n={row['total']})"
            check(v and visible(v[0]) == want, f"{what}: {key(r)} {row['relation']} shows {v and visible(v[0])!r}, want {want!r}")
    # Heatmaps: ASR and n in every cell.
    blocks = find(elems, "div", "heatmap-block")
    check([(b["attrs"]["data-model"], b["attrs"]["data-judge"]) for b in blocks] == [key(r) for r in reports],
          f"{what}: heatmaps do not follow the reports")
    for b, r in zip(blocks, reports):
        cells = [d for d in descendants(b) if d["tag"] == "g" and "cell" in cls(d)]
        check(len(cells) == len(r["by_matrix"]) == 54, f"{what}: {key(r)} heatmap has {len(cells)} cells")
        for c, row in zip(cells, r["by_matrix"]):
            a = c["attrs"]
            check((a["data-category"], a["data-relation"]) == (row["category"], row["relation"]),
                  f"{what}: heatmap cell order")
            texts = [visible(d) for d in descendants(c) if d["tag"] == "text"]
            want = ["–" if row["total"] == 0 else f"{row['asr_pct']:.0f}%", f"n={row['total']}"]
            check(texts == want, f"{what}: {key(r)} cell {row['category']}/{row['relation']} shows {texts}, want {want}")
    # Response types: the counts table and the bar segments.
    types = [t for t in RTYPES if any(t in r["response_types"] for r in reports)]
    types += sorted({t for r in reports for t in r["response_types"]} - set(RTYPES))
    with_types = [r for r in reports if r["response_types"]]
    counts = find(elems, "dd", "counts")
    check(len(counts) == len(with_types), f"{what}: {len(counts)} response-type rows, want {len(with_types)}")
    for tr, r in zip(counts, with_types):
        check((tr["attrs"]["data-model"], tr["attrs"]["data-judge"]) == key(r), f"{what}: response-type row order")
        got = {d["attrs"]["data-type"]: visible([b for b in descendants(d) if b["tag"] == "b"][0])
               for d in descendants(tr) if "rt" in cls(d)}
        check(list(got) == types, f"{what}: response types {list(got)}, want {types} in this order")
        for t in types:
            check(got.get(t) == str(r["response_types"].get(t, 0)), f"{what}: {key(r)} {t} = {got.get(t)}")
        segs = find(elems, "g", "seg", data_model=r["model"], data_judge=r["judge"])
        check({s["attrs"]["data-type"]: int(s["attrs"]["data-count"]) for s in segs} ==
              {t: n for t, n in r["response_types"].items() if n}, f"{what}: {key(r)} bar segments differ")
    # Legend of the response types: complete, in the same order.
    if with_types:
        rt = [e for e in elems if e["attrs"].get("id") == "response-types"][0]
        leg = [visible(d) for d in descendants(rt) if "legend-entry" in cls(d)]
        check(leg == [t.replace("_", " ") for t in types], f"{what}: response-type legend {leg}, want {types}")
    rel = [e for e in elems if e["attrs"].get("id") == "asr-by-relation"][0]
    leg = [visible(d) for d in descendants(rel) if "legend-entry" in cls(d)]
    check(len(leg) == len(reports), f"{what}: relation legend has {len(leg)} entries, want {len(reports)}")
    # Denominator rule and coverage.
    den = [e for e in elems if e["attrs"].get("id") == "denominator"]
    check(den and reports[0]["denominator_note"] in visible(den[0]), f"{what}: denominator rule not stated")
    cov = find(elems, "li", "coverage")
    check(len(cov) == len(reports), f"{what}: coverage of {len(cov)} reports, want {len(reports)}")
    for li, r in zip(cov, reports):
        a = li["attrs"]
        check((int(a["data-covered"]), int(a["data-without"])) == (r["covered_items"], r["without_verdict"]),
              f"{what}: {key(r)} coverage differs")
        txt = visible(li)
        if r["dataset_items"] is None:
            check(f"covers {r['covered_items']} items, those with a verdict" in txt, f"{what}: coverage text: {txt}")
        else:
            check(f"covers the dataset's {r['dataset_items']} items" in txt and
                  f"{r['without_verdict']} without one" in txt, f"{what}: coverage text: {txt}")
        listed = [visible(d) for d in descendants(li) if d["tag"] == "li"]
        check(listed == r["without_verdict_items"][:200], f"{what}: {key(r)} items without a verdict not listed")
    # Entropy: counts from the accumulator state, the test from entropy-compare.
    if entropy:
        name, state, test = entropy
        hs = [e for e in elems if e["tag"] == "svg" and "entropy" in cls(e)]
        check(len(hs) == 1, f"{what}: {len(hs)} entropy charts")
        leg = [visible(d) for d in descendants(hs[0]) if "legend-entry" in cls(d)] if hs else []
        want = [f"{g}: {sum(c[0] for c in state[g]['cells'])} values, {len(state[g]['items'])} items"
                for g in ("safe", "unsafe")]
        check(leg == want, f"{what}: entropy legend {leg}, want {want}")
        heads = [visible(e) for e in elems if e["tag"] == "h3"]
        check(name in heads, f"{what}: the entropy chart does not say whose it is ({name})")
        note = " ".join(visible(e) for e in elems if e["tag"] == "p")
        check(f"Mann-Whitney p = {test['mwu_p']:.3g}" in note and f"AUROC {test['auroc']:.3f}" in note,
              f"{what}: entropy test differs from entropy-compare")
        axes = [visible(d) for d in descendants(hs[0]) if "axis-title" in cls(d)] if hs else []
        check("share of values (%)" in axes and "attention entropy (nats)" in axes, f"{what}: entropy axes {axes}")


def render(chromium, page, width, tmp):
    """Lays the page out at `width` CSS pixels: in an iframe of that width (headless Chromium's window is at
    least 500 px wide), tall enough to need no scrollbar; the probe inside reports to the parent."""
    with open(page, encoding="utf-8") as f:
        text = f.read()
    probe = PROBE.replace("document.body.appendChild(pre)", "parent.document.body.appendChild(pre)")
    wrapper = os.path.join(tmp, f"probe-{width}.html")
    with open(wrapper, "w", encoding="utf-8") as f:
        f.write(f'<!DOCTYPE html><html><body style="margin:0"><iframe width="{width}" height="16000" '
                f'style="border:0;display:block" srcdoc="{html.escape(text.replace("</body>", probe + "</body>"))}">'
                '</iframe></body></html>')
    d = subprocess.run([chromium] + CHROMIUM_FLAGS + ["--user-data-dir=" + os.path.join(tmp, "profile"),
                        f"--window-size={width + 40},1200", "--dump-dom", "file://" + wrapper],
                       capture_output=True, text=True, timeout=180)
    m = re.search(r'<pre id="probe-result">(.*?)</pre>', d.stdout, re.S)
    if not m:
        print("chromium did not render the report:", d.stderr[-2000:], file=sys.stderr)
        raise SystemExit(1)
    return json.loads(html.unescape(m.group(1)))


def check_layout(res, what, width, nreports, ncells_want=None, nbars_want=None, want_hist=True):
    w = f"{what} at {width}px"
    check(res["innerWidth"] == width, f"{w}: the window is {res['innerWidth']} px wide")
    check(res["scrollWidth"] <= res["innerWidth"] and res["bodyScrollWidth"] <= res["innerWidth"],
          f"{w}: horizontal overflow ({res['scrollWidth']} > {res['innerWidth']})")
    check(not res["outside"], f"{w}: drawn outside its chart: {res['outside'][:5]}")
    nonzero = lambda boxes: bool(boxes) and all(x > 0 and y > 0 for x, y in boxes)
    check(len(res["models"]) == nreports, f"{w}: models table has {len(res['models'])} rows, want {nreports}")
    check(len(res["relationChart"]) == 1 and nonzero(res["relationChart"]), f"{w}: ASR-by-relation chart not rendered")
    if nbars_want is not None:
        check(len(res["bars"]) == nbars_want, f"{w}: {len(res['bars'])} relation bars, want {nbars_want}")
    check(len(res["heatmaps"]) == nreports and nonzero(res["heatmaps"]), f"{w}: heatmaps not rendered")
    if ncells_want is not None:
        check(len(res["cells"]) == ncells_want and nonzero(res["cells"]), f"{w}: {len(res['cells'])} heatmap cells, want {ncells_want}")
    check(len(res["rtypes"]) >= 3 and nonzero([b for b in res["rtypes"] if b[0] > 0] or [[0, 0]]),
          f"{w}: response-type breakdown not rendered")
    if want_hist:
        check(len(res["hist"]) == 2 and nonzero(res["hist"]), f"{w}: entropy histograms (safe, unsafe) not rendered")
    for chart in ("asr-by-relation", "response-types"):
        check(res["legends"].get(chart, 0) > 0, f"{w}: {chart} has no legend")
    check(all(res["legends"].get(f"heatmap-{i}", 0) >= 2 for i in range(nreports)), f"{w}: a heatmap has no colour scale")
    # Scaled down to a phone, labels stay legible (a 12 px label drawn at no less than ~7 px).
    check(res["minTextHeight"] >= 7, f"{w}: text drawn {res['minTextHeight']:.1f} px high")
    check(not [u for u in res["resources"] if not u.startswith("file:")], f"{w}: fetched resources: {res['resources']}")


def static_checks(text, what):
    check("<script" not in text.lower(), f"{what}: the report contains a script")
    check(not re.search(r'(src|href)\s*=|url\(|@import|https?://', text, re.I), f"{what}: the report references something outside itself")
    check('<meta name="viewport" content="width=device-width, initial-scale=1">' in text, f"{what}: no viewport meta tag")
    check(not re.search(r'<svg[^>]*\swidth="\d', text), f"{what}: an SVG has a fixed width")


def json_reports(exe, args):
    return json.loads(run([exe, "report"] + args + ["--format", "json"]))


def make_own(out, demo_store):
    """'Own' inputs: a second store with another judge and a model named with HTML's special characters,
    holding only some items (so --dataset lists items without a verdict), and an official results folder."""
    own = os.path.join(out, "own")
    os.makedirs(own, exist_ok=True)
    store2 = os.path.join(own, "second-judge.jsonl")
    with open(demo_store, encoding="utf-8") as f, open(store2, "w", encoding="utf-8") as g:
        for i, line in enumerate(f):
            rec = json.loads(line)
            if rec["model"] != "demo-balanced" or i % 5 == 0:
                continue
            rec["model"], rec["judge"] = "my-vlm <v2> & \"co\"", "llamaguard3"
            if i % 7 == 0:
                rec["response_type"] = "partial_compliance"
            g.write(json.dumps(rec) + "\n")
    official = os.path.join(own, "results", "harmbench", "official-model")
    for cat, rel, labels in [("Violence", "Analogy", "uuss"), ("Violence", "Causality", "sss"),
                             ("Privacy", "Analogy", "us"), ("Hate_Speech", "Relevance", "uuuus")]:
        os.makedirs(os.path.join(official, cat), exist_ok=True)
        with open(os.path.join(official, cat, rel + ".json"), "w") as f:
            json.dump({"judge_result": [{"label": "unsafe" if c == "u" else "safe"} for c in labels]}, f)
    return store2, official


def main():
    exe, root, out = sys.argv[1], sys.argv[2], sys.argv[3]
    shot = sys.argv[4] if len(sys.argv) > 4 else None
    chromium = find_chromium()
    if not chromium:
        print("chromium is not installed (scripts/setup-debian.sh installs it)", file=sys.stderr)
        return 77  # meson's "skipped"
    shutil.rmtree(out, ignore_errors=True)
    demo = os.path.join(out, "demo")
    run([exe, "demo", "--out", demo], cwd=root)
    store, acc = os.path.join(demo, "verdicts.jsonl"), os.path.join(demo, "entropy.json")
    sample = os.path.join(root, "examples", "data", "sample")
    store2, official = make_own(out, store)
    with open(acc) as f:
        state = json.load(f)
    test = [t for t in json.loads(run([exe, "entropy-compare", acc, "--json"]))["tests"] if t["layer"] == "all"][0]

    pages = {}
    # 1. The demo's page, and the same page from `report` on the demo's store.
    demo_html = os.path.join(demo, "report.html")
    pages["demo"] = (demo_html, 3, True)
    text = open(demo_html, encoding="utf-8").read()
    static_checks(text, "demo")
    check("demo report" in text, "demo: title missing")
    compare_numbers(text, json_reports(exe, [store]), "demo", ("demo-strong-reasoner", state, test))
    # 2. Own stores: two stores, two judges, the dataset, an entropy state.
    own_html = os.path.join(out, "own.html")
    args = [store, store2, "--dataset", sample]
    run([exe, "report"] + args + ["--format", "html", "-o", own_html, "--entropy", "my entropy=" + acc])
    reports = json_reports(exe, args)
    check(len(reports) == 4 and any(r["without_verdict"] > 0 for r in reports), "own: the inputs are not what the test wants")
    text = open(own_html, encoding="utf-8").read()
    static_checks(text, "own stores")
    check("my-vlm &lt;v2&gt; &amp; &quot;co&quot;" in text, "own stores: a model name is not escaped")
    compare_numbers(text, reports, "own stores", ("my entropy", state, test))
    pages["own stores"] = (own_html, 4, True)
    # Same inputs, same bytes: nothing in the page depends on the time or the run.
    again = os.path.join(out, "own-again.html")
    run([exe, "report"] + args + ["--format", "html", "--out", again, "--entropy", "my entropy=" + acc])
    check(open(again, "rb").read() == open(own_html, "rb").read(), "own stores: two runs wrote different pages")
    # 3. A store and an official results folder, the answered denominator, without entropy.
    off_html = os.path.join(out, "official.html")
    args = [store, official, "--denominator", "answered", "--confidence", "0.9"]
    run([exe, "report"] + args + ["--format", "html", "-o", off_html])
    reports = json_reports(exe, args)
    text = open(off_html, encoding="utf-8").read()
    static_checks(text, "official folder")
    check("90% Wilson" in text, "official folder: the interval level is not stated")
    compare_numbers(text, reports, "official folder")
    pages["official folder"] = (off_html, 4, False)

    with tempfile.TemporaryDirectory() as tmp:
        for what, (page, n, hist) in pages.items():
            for width in (480, 1400):
                res = render(chromium, page, width, tmp)
                check_layout(res, what, width, n, ncells_want=54 * n if what == "demo" else None,
                             nbars_want=27 if what == "demo" else None, want_hist=hist)
        if shot:
            s = subprocess.run([chromium] + CHROMIUM_FLAGS + ["--user-data-dir=" + os.path.join(tmp, "profile"),
                                "--window-size=1000,3900", "--screenshot=" + shot, "file://" + os.path.abspath(demo_html)],
                               capture_output=True, text=True, timeout=180)
            check(s.returncode == 0 and os.path.getsize(shot) > 10000, "no screenshot was written")

    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    print(f"html report: {'ok' if not failures else 'failed'} ({len(pages)} pages at 480 and 1400 px)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
