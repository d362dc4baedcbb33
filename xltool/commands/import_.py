"""`xltool import FILE...`: published reports (PDF, Word, web page, text) as interchange JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from xltool.cli import Command, argument, lang_option, option, progress_bar, silent_option
from xltool.commands.options import echo_findings, json_option, unique_path, writing_to
from xltool.sources import is_not_report


def missing_tables(loaded, lang: str = "zh") -> list[str]:
    """What the import says of each table it did not find (TABLE-MISSING): such a report is not written as JSON.

    The interchange JSON has no way to say that a table was not read (a key that is absent is a blank cell,
    counted as 0), so a file with a whole table missing would validate and consolidate as if the table were
    all 0. The findings of the import say what is missing; the data stay out of the JSON files.
    """
    return [f.title[lang] for f in loaded.findings if f.rule == "TABLE-MISSING"]


def _status(path: Path, loaded, out: Path | None, lang: str, withheld: bool = False) -> str:
    rep = loaded.report
    if rep is None and is_not_report(loaded.findings):  # a 说明.txt beside the reports: its one finding says so
        return ("— 已跳过  " if lang == "zh" else "SKIPPED  ") + path.name
    if rep is None:
        return ("✘ 未能导入  " if lang == "zh" else "FAILED  ") + path.name
    unit = rep.unit_name or ("（未识别单位）" if lang == "zh" else "(unit not identified)")
    year = f" {rep.year}" if rep.year else ""
    if withheld:
        names = missing_tables(loaded, lang)
        if lang == "en":
            return (
                f"NOT WRITTEN  {path.name}  {unit}{year}: {'; '.join(names)}. A JSON file would count the missing "
                "table as all 0, so none was written"
            )
        why = "数据文件无法标明缺表，写出后缺少的表会按 0 计，故未写出"
        return f"✘ 未写出 JSON  {path.name}  {unit}{year}：{'；'.join(names)}。{why}"
    n = sum(v is not None for v in rep.values.values())
    if lang == "en":
        where = f" -> {out}" if out else ""
        return f"OK  {path.name}  {unit}{year}  {rep.form}  {n} values{where}"
    where = f" → {out}" if out else ""
    return f"✔ 已导入  {path.name}  {unit}{year}  {rep.form}  数值 {n} 个{where}"


@click.command(
    "import",
    cls=Command,
    help_en="""Read published reports (PDF with text, .docx, HTML, text/Markdown) into interchange JSON.

    Finds the unit and year in the title, the form version, the three tables by their labels (variants and typos
    tolerated, and reported), and checks the prose against the tables. The JSON keeps where each value was read
    (page, table, row, column) and the text of the six sections. `xltool validate` and `--prior` also accept the
    report files directly.

    A file that is no annual report at all (a 说明.txt) is skipped and does not change the exit status (1 when
    every file was skipped). A report with a whole table missing (表四 as a picture) gets no JSON file: the
    interchange JSON cannot say that a table was not read, and its cells would count as 0.

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
@json_option(
    "在标准输出上输出一份 JSON 报告：每个文件的数据和发现的问题。",
    "One JSON report on stdout: each file's data and findings.",
)
@lang_option
@silent_option
def command(files, outdir, as_json, lang, silent) -> None:
    """把已发布的年度报告（PDF、Word、网页、文本）读成交换格式的 JSON。

    支持有文字层的 PDF、.docx、HTML 网页和文本/Markdown。从标题中识别单位和年度，识别报表版本，按行标签
    找到三张表（容许异体字和错别字，并会报告），并核对正文与表格是否一致。JSON 中记录每个数值的读取位置
    （页、表、行、列）以及六个部分的正文。xltool validate 和 --prior 也可以直接使用报告文件。

    不是年度报告的文件（如说明.txt）会被跳过，不影响退出码（全部被跳过时为 1）。缺少整张表（如表四为图片）的
    报告不写出 JSON 文件：交换格式无法标明某表未读取，写出后该表各项会按 0 计。

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
        with writing_to(outdir):
            outdir.mkdir(parents=True, exist_ok=True)
    taken: set[Path] = set()
    results = []
    failed = False
    with progress_bar(paths, "导入" if lang == "zh" else "Importing", silent or as_json) as bar:
        for p in bar:
            loaded = import_report(p)
            out = None
            withheld = loaded.report is not None and outdir is not None and bool(missing_tables(loaded))
            if loaded.report is not None and outdir is not None and not withheld:
                target = unique_path(outdir, p, "json", taken)
                with writing_to(target):
                    out = save_json(loaded.report, target)
            skipped = loaded.report is None and is_not_report(loaded.findings)
            if not skipped:
                failed = failed or loaded.report is None or any(f.severity == "error" for f in loaded.findings)
            results.append((p, loaded, out, withheld))
    if all(loaded.report is None and is_not_report(loaded.findings) for _, loaded, _, _ in results):
        failed = True  # nothing was a report: nothing imported
    for p, loaded, out, withheld in results:
        click.echo(_status(p, loaded, out, lang, withheld), err=as_json)  # with --json, stdout carries the JSON alone
        echo_findings(loaded.findings, lang, indent="  ", err=as_json)
    if as_json:
        doc = {
            "files": [
                {
                    "file": str(p),
                    "output": str(out) if out else None,
                    "report": loaded.report.to_dict() if loaded.report else None,
                    "findings": [f.to_dict(lang) for f in loaded.findings],
                }
                for p, loaded, out, _ in results
            ]
        }
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1, default=str))
    sys.exit(1 if failed else 0)
