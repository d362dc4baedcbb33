"""`xltool import FILE...`: published reports (PDF, Word, web page, text) as interchange JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from xltool.cli import Command, argument, lang_option, option, os_error, progress_bar, silent_option


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


@click.command(
    "import",
    cls=Command,
    help_en="""Read published reports (PDF with text, .docx, HTML, text/Markdown) into interchange JSON.

    Finds the unit and year in the title, the form version, the three tables by their labels (variants and typos
    tolerated, and reported), and checks the prose against the tables. The JSON keeps where each value was read
    (page, table, row, column) and the text of the six sections. `xltool validate` and `--prior` also accept the
    report files directly.

    Exit status: 0 imported, 1 a file could not be imported or has errors, 2 usage error.

    Example:

        xltool import reports/*.pdf -o data/
    """,
)
@argument(
    "files",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, path_type=Path),
    metavar=("报告文件...", "FILES..."),
    help="已发布的年度报告（有文字层的 PDF、.docx、网页、文本/Markdown），或存放报告的文件夹。",
    help_en="Published reports (PDF with text, .docx, web page, text/Markdown), or folders of them.",
)
@option(
    "-o",
    "--outdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="JSON 文件的输出文件夹（每份报告一个 <名称>.json）。默认：当前文件夹；用 --json 时不写文件。",
    help_en="Folder for the JSON files (one <name>.json per report). Default: the current folder; with --json, none.",
)
@option(
    "--json",
    "as_json",
    is_flag=True,
    help="在标准输出上输出一份 JSON 报告：每个文件的数据和发现的问题。",
    help_en="One JSON report on stdout: each file's data and findings.",
)
@lang_option
@silent_option
def command(files, outdir, as_json, lang, silent) -> None:
    """把已发布的年度报告（PDF、Word、网页、文本）读成交换格式的 JSON。

    支持有文字层的 PDF、.docx、HTML 网页和文本/Markdown。从标题中识别单位和年度，识别报表版本，按行标签
    找到三张表（容许异体字和错别字，并会报告），并核对正文与表格是否一致。JSON 中记录每个数值的读取位置
    （页、表、行、列）以及六个部分的正文。xltool validate 和 --prior 也可以直接使用报告文件。

    退出码：0 已导入，1 有文件无法导入或有错误，2 命令用法有误，3 输出无法写入。

    示例：

    \b
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
        try:
            outdir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise os_error(e, path=outdir, writing=True) from e
    taken: set[Path] = set()
    results = []
    failed = False
    echo = (lambda s: click.echo(s, err=True)) if as_json else click.echo
    with progress_bar(paths, "导入" if lang == "zh" else "Importing", silent or as_json) as bar:
        for p in bar:
            loaded = import_report(p)
            out = None
            if loaded.report is not None and outdir is not None:
                target = _target(outdir, p, taken)
                try:
                    out = save_json(loaded.report, target)
                except OSError as e:
                    raise os_error(e, path=target, writing=True) from e
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
