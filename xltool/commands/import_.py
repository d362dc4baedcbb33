"""`xltool import FILE...`: published reports (PDF, Word, web page, text) as interchange JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from xltool.cli import lang_option, progress_bar, silent_option


def _status(path: Path, loaded, out: Path | None, lang: str) -> str:
    rep = loaded.report
    if rep is None:
        return ("✘ 未能导入  " if lang == "zh" else "FAILED  ") + path.name
    unit = rep.unit_name or ("（未识别单位）" if lang == "zh" else "(unit not identified)")
    year = f" {rep.year}" if rep.year else ""
    n = sum(v is not None for v in rep.values.values())
    if lang == "en":
        where = f" -> {out}" if out else ""
        return f"OK  {path.name}  {unit}{year}  {rep.form}  {n} values{where}"
    where = f" → {out}" if out else ""
    return f"✔ 已导入  {path.name}  {unit}{year}  {rep.form}  数值 {n} 个{where}"


def _target(outdir: Path, path: Path, taken: set[Path]) -> Path:
    """<stem>.json in outdir; a second input with the same stem gets <stem>-2.json (never an input itself)."""
    base = outdir / f"{path.stem}.json"
    cand, i = base, 2
    while cand in taken or cand.resolve() == path.resolve():
        cand = outdir / f"{path.stem}-{i}.json"
        i += 1
    taken.add(cand)
    return cand


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "-o",
    "--outdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the JSON files (one <name>.json per report). Default: the current folder; with --json, none.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON report on stdout: each file's data and findings.")
@lang_option
@silent_option
def command(files, outdir, as_json, lang, silent) -> None:
    """Read published reports (PDF with text, .docx, HTML, text/Markdown) into interchange JSON.

    Finds the unit and year in the title, the form version, the three tables by their labels (variants and typos
    tolerated, and reported), and checks the prose against the tables. The JSON keeps where each value was read
    (page, table, row, column) and the text of the six sections. `xltool validate` and `--prior` also accept the
    report files directly.

    Exit status: 0 imported, 1 a file could not be imported or has errors, 2 usage error.

    Example:

        xltool import reports/*.pdf -o data/
    """
    from xltool.importer import import_report
    from xltool.interchange import save_json
    from xltool.sources import expand_paths

    paths = expand_paths(list(files))
    if not paths:
        raise click.UsageError("没有找到可导入的文件（.pdf/.docx/.html/.txt）")
    if outdir is None and not as_json:
        outdir = Path(".")
    if outdir is not None:
        outdir.mkdir(parents=True, exist_ok=True)
    taken: set[Path] = set()
    results = []
    failed = False
    echo = (lambda s: click.echo(s, err=True)) if as_json else click.echo
    with progress_bar(paths, "导入" if lang == "zh" else "Importing", silent or as_json) as bar:
        for p in bar:
            loaded = import_report(p)
            out = None
            if loaded.report is not None and outdir is not None:
                out = save_json(loaded.report, _target(outdir, p, taken))
            failed = failed or loaded.report is None or any(f.severity == "error" for f in loaded.findings)
            results.append((p, loaded, out))
    for p, loaded, out in results:
        echo(_status(p, loaded, out, lang))
        for f in loaded.findings:
            echo("  " + f.message(lang).replace("\n", "\n  "))
    if as_json:
        doc = {
            "files": [
                {
                    "file": str(p),
                    "output": str(out) if out else None,
                    "report": loaded.report.to_dict() if loaded.report else None,
                    "findings": [f.to_dict(lang) for f in loaded.findings],
                }
                for p, loaded, out in results
            ]
        }
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1, default=str))
    sys.exit(1 if failed else 0)
