"""A PEP 517 build backend in the standard library only, so that

    pip install ./bindings/python

works offline on a machine with nothing but Debian's python3 and pip: the package is pure Python (ctypes), so a
wheel is a zip of mirsafety/ plus its metadata, and no build requirement has to be downloaded into pip's
isolated build environment. (--no-build-isolation works too.) Metadata comes from pyproject.toml's [project].
`pip install -e` (PEP 660) gets a wheel holding only a .pth file that puts this folder on sys.path.
"""
import base64
import hashlib
import io
import os
import re
import tarfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def _project():
    text = open(os.path.join(HERE, "pyproject.toml"), encoding="utf-8").read()
    try:
        import tomllib
        p = tomllib.loads(text)["project"]
        return p["name"], p["version"], p.get("description", ""), p.get("requires-python", "")
    except ImportError:  # Python < 3.11: the three plain strings are easy to read
        def field(k):
            m = re.search(r'^%s\s*=\s*"([^"]*)"' % re.escape(k), text, re.M)
            return m.group(1) if m else ""
        return field("name"), field("version"), field("description"), field("requires-python")


def _files():
    out = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(HERE, "mirsafety")):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for f in sorted(filenames):
            if f.endswith(".py") or f.endswith(".pyi") or f == "py.typed":
                full = os.path.join(dirpath, f)
                out.append((os.path.relpath(full, HERE).replace(os.sep, "/"), full))
    return out


def _metadata():
    name, version, summary, requires = _project()
    readme = open(os.path.join(HERE, "README.md"), encoding="utf-8").read()
    lines = ["Metadata-Version: 2.1", "Name: " + name, "Version: " + version, "Summary: " + summary,
             "License: MIT", "Provides-Extra: numpy", "Requires-Dist: numpy; extra == \"numpy\""]
    if requires:
        lines.append("Requires-Python: " + requires)
    lines.append("Description-Content-Type: text/markdown")
    return "\n".join(lines) + "\n\n" + readme


def _dist_info():
    name, version, _, _ = _project()
    return "%s-%s.dist-info" % (name, version)


WHEEL = "Wheel-Version: 1.0\nGenerator: mirs_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    d = os.path.join(metadata_directory, _dist_info())
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "METADATA"), "w", encoding="utf-8") as fh:
        fh.write(_metadata())
    with open(os.path.join(d, "WHEEL"), "w", encoding="utf-8") as fh:
        fh.write(WHEEL)
    return _dist_info()


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (path, digest, len(data))


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None, editable=False):
    name, version, _, _ = _project()
    fname = "%s-%s-py3-none-any.whl" % (name, version)
    di = _dist_info()
    records = []
    date = time.localtime(int(os.environ.get("SOURCE_DATE_EPOCH", "315532800")))[:6]  # reproducible zips

    def add(zf, arc, data):
        info = zipfile.ZipInfo(arc, date_time=date)
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, data)
        records.append(_record_line(arc, data))

    with zipfile.ZipFile(os.path.join(wheel_directory, fname), "w") as zf:
        if editable:
            add(zf, "mirsafety-editable.pth", (HERE + "\n").encode("utf-8"))
        for arc, full in ([] if editable else _files()):
            with open(full, "rb") as fh:
                add(zf, arc, fh.read())
        add(zf, di + "/METADATA", _metadata().encode("utf-8"))
        add(zf, di + "/WHEEL", WHEEL.encode("utf-8"))
        add(zf, di + "/top_level.txt", b"mirsafety\n")
        records.append(di + "/RECORD,,")
        info = zipfile.ZipInfo(di + "/RECORD", date_time=date)
        info.external_attr = 0o644 << 16
        zf.writestr(info, "\n".join(records) + "\n")
    return fname


def get_requires_for_build_editable(config_settings=None):
    return []


def prepare_metadata_for_build_editable(metadata_directory, config_settings=None):
    return prepare_metadata_for_build_wheel(metadata_directory, config_settings)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """An editable install: the wheel's only module file is mirsafety-editable.pth naming this folder, so the
    installed package is the source tree's (edits show without reinstalling; the library is found as usual)."""
    return build_wheel(wheel_directory, config_settings, metadata_directory, editable=True)


def build_sdist(sdist_directory, config_settings=None):
    name, version, _, _ = _project()
    base = "%s-%s" % (name, version)
    fname = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, fname), "w:gz", format=tarfile.PAX_FORMAT) as tf:
        members = [("pyproject.toml", os.path.join(HERE, "pyproject.toml")),
                   ("mirs_build.py", os.path.join(HERE, "mirs_build.py")),
                   ("README.md", os.path.join(HERE, "README.md"))] + _files()
        for arc, full in members:
            tf.add(full, arcname=base + "/" + arc)
        data = _metadata().encode("utf-8")
        info = tarfile.TarInfo(base + "/PKG-INFO")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return fname
