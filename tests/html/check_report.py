#!/usr/bin/python3
"""Renders the demo's HTML report in headless Chromium and checks what a
reader sees: every chart present and laid out with a real size, the right
number of bars, cells and rows, nothing fetched from outside the file.

Usage: check_report.py MIRSAFETY_EXE REPO_ROOT OUT_DIR [SCREENSHOT.png]
"""
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
  var out = {
    title: document.getElementById('title') ? document.getElementById('title').textContent : null,
    models: box('#models tr.model-row'),
    relationChart: box('#asr-by-relation'),
    bars: box('#asr-by-relation rect.bar'),
    heatmaps: box('svg.heatmap'),
    cells: box('svg.heatmap rect.cell'),
    rtypes: box('#response-types rect.seg'),
    hist: box('#entropy-hist polyline.hist'),
    resources: performance.getEntriesByType('resource').map(function (e) { return e.name; })
  };
  var pre = document.createElement('pre'); pre.id = 'probe-result'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def main():
    exe, root, out = sys.argv[1], sys.argv[2], sys.argv[3]
    shot = sys.argv[4] if len(sys.argv) > 4 else None
    chromium = find_chromium()
    if not chromium:
        print("chromium is not installed (scripts/setup-debian.sh installs it)", file=sys.stderr)
        return 77  # meson's "skipped"
    shutil.rmtree(out, ignore_errors=True)
    env = dict(os.environ, MIRSAFETY_NO_PROGRESS="1")
    r = subprocess.run([exe, "demo", "--out", out], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        print(r.stdout, r.stderr, file=sys.stderr)
        return 1
    report = os.path.join(out, "report.html")
    html = open(report, encoding="utf-8").read()
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    # Self-contained: no scripts, no external references of any kind.
    check("<script" not in html.lower(), "the report contains a script")
    check(not re.search(r'(src|href)\s*=|url\(|@import|https?://', html, re.I), "the report references something outside itself")

    with tempfile.TemporaryDirectory() as tmp:
        probe_html = os.path.join(tmp, "probe.html")
        with open(probe_html, "w", encoding="utf-8") as f:
            f.write(html.replace("</body>", PROBE + "</body>"))
        base = [chromium] + CHROMIUM_FLAGS + ["--user-data-dir=" + os.path.join(tmp, "profile"),
                                               "--window-size=1100,2950"]
        d = subprocess.run(base + ["--dump-dom", "file://" + probe_html], capture_output=True, text=True,
                           timeout=180)
        m = re.search(r'<pre id="probe-result">(.*?)</pre>', d.stdout, re.S)
        if not m:
            print("chromium did not render the report:", d.stderr[-2000:], file=sys.stderr)
            return 1
        res = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
        if shot:
            s = subprocess.run(base + ["--screenshot=" + shot, "file://" + os.path.abspath(report)],
                               capture_output=True, text=True, timeout=180)
            check(s.returncode == 0 and os.path.getsize(shot) > 10000, "no screenshot was written")

    nonzero = lambda boxes: all(w > 0 and h > 0 for w, h in boxes)
    check(res["title"] and "demo report" in res["title"], "title missing")
    check(len(res["models"]) == 3, f"models table has {len(res['models'])} rows, want 3")
    check(len(res["relationChart"]) == 1 and nonzero(res["relationChart"]), "ASR-by-relation chart not rendered")
    # The sample has every relation, and every demo model judged items in each.
    check(len(res["bars"]) == 27, f"{len(res['bars'])} relation bars, want 9 relations x 3 models")
    check(len(res["heatmaps"]) == 3 and nonzero(res["heatmaps"]), "heatmaps not rendered")
    check(len(res["cells"]) == 3 * 54 and nonzero(res["cells"]), f"{len(res['cells'])} heatmap cells, want 162")
    check(len(res["rtypes"]) >= 3 and nonzero([b for b in res["rtypes"] if b[0] > 0] or [[0, 0]]),
          "response-type breakdown not rendered")
    check(len(res["hist"]) == 2 and nonzero(res["hist"]), "entropy histograms (safe, unsafe) not rendered")
    check(not [u for u in res["resources"] if not u.startswith("file:")], f"fetched resources: {res['resources']}")
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    print(f"html report: {len(failures) == 0 and 'ok' or 'failed'} ({len(res['bars'])} bars, {len(res['cells'])} cells)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
