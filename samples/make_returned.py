"""Write samples/returned/: one filled workbook per unit of samples/data/, as the departments send them back.

    python samples/make_returned.py [--out DIR] [--no-libreoffice]

Each unit gets its own template (made from the roster, 上年结转 pre-filled from samples/prior/ as
`xltool template --prior` does), filled with its 2021 figures by `xltool.fill.fill_template`: the figures
land exactly as the data hold them, so the deliberate errors of samples/README.md are in the workbooks too
(a wrong total is written over its formula, "约10" and "/" as text). A few files are then opened and saved
again by LibreOffice (`soffice --convert-to xlsx`), as a clerk using LibreOffice would return them: shared
strings, cached formula values, the metadata sheet merely hidden, no workbook structure lock.

Deterministic: fixed template ids, generation time, password salt and file times, so running it again gives
byte-identical files (the LibreOffice ones included, on the same LibreOffice version).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import sys
import tempfile
import uuid
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # this checkout's xltool (and tests/lo.py), installed or not

from xltool.fill import fill_template  # noqa: E402
from xltool.interchange import load_json  # noqa: E402
from xltool.roster import load_roster  # noqa: E402
from xltool.schema import load_form  # noqa: E402
from xltool.template import prefill_from_prior, template_filename  # noqa: E402
from xltool.template_protect import protection_for  # noqa: E402
from xltool.template_zip import BatchWriter  # noqa: E402

YEAR = 2021
GENERATED_AT = "2022-01-04T09:00:00+08:00"
"""When the district's templates were issued (fixed, for reproducible files)."""
FILE_TIME = (2022, 1, 14, 16, 30, 0)
"""The time stamped on every returned file (zip entries and document properties)."""
SALT = hashlib.sha256(b"xltool samples/returned").digest()[:16]
LIBREOFFICE = {
    "370602-D04": "valid (the real 科学技术局 report)",
    "370602-D10": "T3-BALANCE error",
    "370602-S05": "blank cells and “/” (VALUE-BLANK)",
}
"""Units whose returned file is saved again by LibreOffice, and why they are interesting."""


def normalize(path: Path) -> None:
    """Fixed file times: zip entry times and the document's created/modified dates."""
    stamp = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*FILE_TIME)
    with zipfile.ZipFile(path) as z:
        members = [(i.filename, z.read(i), i.compress_type) for i in z.infolist()]
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as out:
        for name, data, method in members:
            if name == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    lambda m: m.group(1) + stamp.encode() + m.group(3),
                    data,
                )
            info = zipfile.ZipInfo(name, date_time=FILE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED if method != zipfile.ZIP_STORED else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            out.writestr(info, data)
    tmp.replace(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE / "returned")
    ap.add_argument("--no-libreoffice", action="store_true", help="do not re-save the LIBREOFFICE units")
    args = ap.parse_args()

    form = load_form("gov-disclosure-2021")
    roster = load_roster(HERE / "roster.csv")
    prior = {r.unit_code: r for r in (load_json(p) for p in sorted((HERE / "prior").glob("*.json")))}
    data = sorted((HERE / "data").glob("*.json"))
    if not data:
        print("samples/data/ is empty: run python samples/make_samples.py first", file=sys.stderr)
        return 1
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.xlsx"):
        old.unlink()
    writer = BatchWriter(form, year=YEAR, protection=protection_for(None, SALT), generated_at=GENERATED_AT)
    written: dict[str, Path] = {}
    with tempfile.TemporaryDirectory(prefix="xltool-returned-") as tmp:
        for path in data:
            report = load_json(path)
            unit = roster.find(report.unit_code, report.unit_name)
            code = unit.code if unit else report.unit_code
            name = unit.name if unit else report.unit_name
            prefill, _ = prefill_from_prior(form, prior.get(code), YEAR)
            template = Path(tmp) / template_filename(code, name, YEAR)
            writer.write(
                template,
                unit_name=name,
                unit_code=code,
                category=unit.category if unit else None,
                prefill=prefill,
                template_id=uuid.uuid5(uuid.NAMESPACE_URL, f"xltool-sample:{code}:{YEAR}").hex,
            )
            target = out / template_filename(code, name, YEAR)
            fill_template(template, report, target)
            normalize(target)
            written[code or name] = target
        saved_by_lo = []
        if not args.no_libreoffice:
            try:
                from tests.lo import LibreOfficeError, convert, find_soffice
            except ImportError:  # pragma: no cover - run from a checkout
                find_soffice = None  # type: ignore[assignment]
            if find_soffice is None or find_soffice() is None:
                print("LibreOffice not found: no file re-saved by LibreOffice", file=sys.stderr)
            else:
                picks = [written[c] for c in LIBREOFFICE if c in written]
                try:
                    converted = convert(picks, "xlsx", Path(tmp) / "lo")
                except LibreOfficeError as e:
                    print(f"LibreOffice failed: {e}", file=sys.stderr)
                    converted = []
                for src, dst in zip(converted, picks, strict=False):
                    normalize(src)
                    shutil.move(src, dst)
                    saved_by_lo.append(dst)
    _readme(out, written, saved_by_lo)
    print(f"{len(written)} returned workbooks in {out} ({len(saved_by_lo)} saved by LibreOffice)")
    return 0


def _readme(out: Path, written: dict[str, Path], saved_by_lo: list[Path]) -> None:
    lines = [
        "# Returned workbooks (generated)",
        "",
        "Made by `python samples/make_returned.py`: each unit's template (上年结转 pre-filled from `prior/`),",
        "filled with `data/<unit>.json` by `xltool.fill.fill_template`. The deliberate errors listed in",
        "`README.md` are in the workbooks as the data carry them. Do not edit by hand; run the script again.",
        "",
        "Saved again by LibreOffice (`soffice --convert-to xlsx`: shared strings, cached formula values, the",
        "metadata sheet merely hidden, no workbook structure lock):",
        "",
    ]
    for code, why in LIBREOFFICE.items():
        p = written.get(code)
        if p is not None and p in saved_by_lo:
            lines.append(f"- `{p.name}` — {why}")
    if not saved_by_lo:
        lines.append("- none (LibreOffice was not available when the script ran)")
    lines += ["", f"All other {len(written) - len(saved_by_lo)} files are as openpyxl wrote them.", ""]
    # beside the folder, not in it: a folder of returns holds returns only (xltool lists every file in it)
    (out.parent / f"{out.name}.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
