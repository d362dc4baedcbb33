"""`xltool import FILE...`: published reports (PDF, Word, web page, text) as interchange JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from xltool.cli import Command, argument, lang_option, option, progress_bar, silent_option
from xltool.commands.options import echo_findings, json_option, unique_path, writing_to
from xltool.filenames import printable_tree
from xltool.sources import is_not_report


def missing_tables(loaded, lang: str = "zh") -> list[str]:
    """What the import says of each table it did not find (TABLE-MISSING): such a report is not written as JSON.

    In the interchange JSON a key that is absent is a blank cell, counted as 0: a file with a whole table
    missing would be a table of 0 to any program that reads it. xltool itself would report the finding it
    carries (`xltool.interchange.carry_findings`), but a whole table is not something to type in by hand: the
    findings of the import say what is missing; the data stay out of the JSON files. A report with some rows
    missing is written, with its findings carried, so that its other figures can be used and the missing ones
    filled in.
    """
    return [f.title[lang] for f in loaded.findings if f.rule == "TABLE-MISSING"]


def form_name(form_id: str, lang: str = "zh") -> str:
    """The form as a clerk knows it: '2021 年版格式' (the year of its 国办 letter), not its id 'gov-disclosure-2021'."""
    from xltool.schema import load_form

    try:
        form = load_form(form_id)
    except Exception:  # an unknown id: shown as it is
        return form_id
    return f"{form.first_year} form" if lang == "en" else f"{form.first_year} 年版格式"


IMPORTED, WITH_ERRORS, NOTHING_READ, WITHHELD, FAILED, SKIPPED = (
    "imported",
    "imported-with-errors",
    "nothing-read",
    "not-written",
    "failed",
    "skipped",
)
"""What became of a file (the --json report's `status`)."""


def outcome(loaded, outdir: Path | None) -> str:
    """One of the statuses above for a file read by the importer; `outdir` None: no file is written (--json)."""
    rep = loaded.report
    if rep is None:
        return SKIPPED if is_not_report(loaded.findings) else FAILED
    errors = any(f.severity == "error" for f in loaded.findings)
    if errors and not any(v is not None for v in rep.values.values()):
        return NOTHING_READ  # every figure missing: nothing to write, nothing imported
    if outdir is not None and missing_tables(loaded):
        return WITHHELD
    return WITH_ERRORS if errors else IMPORTED


def _status(path: Path, loaded, out: Path | None, lang: str, status: str) -> str:
    rep = loaded.report
    zh = lang != "en"
    if status == SKIPPED:  # a 说明.txt beside the reports: its one finding says so
        return ("— 已跳过  " if zh else "SKIPPED  ") + path.name
    if status == FAILED:
        return ("✘ 未能导入  " if zh else "FAILED  ") + path.name
    unit = rep.unit_name or ("（未识别单位）" if zh else "(unit not identified)")
    year = f" {rep.year}" if rep.year else ""
    if status == NOTHING_READ:
        if not zh:
            return f"NOT IMPORTED  {path.name}  {unit}{year}: no figure could be read, no JSON file written"
        return f"✘ 未导入  {path.name}  {unit}{year}：未读出任何数值，未写出 JSON"
    if status == WITHHELD:
        names = missing_tables(loaded, lang)
        if not zh:
            return (
                f"NOT WRITTEN  {path.name}  {unit}{year}: {'; '.join(names)}. A JSON file would count the missing "
                "table as all 0, so none was written"
            )
        why = "数据文件无法标明缺表，写出后缺少的表会按 0 计，故未写出"
        return f"✘ 未写出 JSON  {path.name}  {unit}{year}：{'；'.join(names)}。{why}"
    n = sum(v is not None for v in rep.values.values())
    form = form_name(rep.form, lang)
    if not zh:
        where = f" -> {out}" if out else ""
        head = "IMPORTED WITH ERRORS" if status == WITH_ERRORS else "OK"
        return f"{head}  {path.name}  {unit}{year}  {form}  {n} values{where}"
    where = f" → {out}" if out else ""
    head = "⚠ 已导入（有错误）" if status == WITH_ERRORS else "✔ 已导入"
    return f"{head}  {path.name}  {unit}{year}  {form}  数值 {n} 个{where}"


@click.command(
    "import",
    cls=Command,
    help_en="""Read published reports (PDF with text, .docx, HTML, text/Markdown) into interchange JSON.

    Finds the unit and year in the title, the form version, the three tables by their labels (variants and typos
    tolerated, and reported), and checks the prose against the tables. The JSON keeps where each value was read
    (page, table, row, column) and the text of the six sections. `xltool validate` and `--prior` also accept the
    report files directly.

    A file that is no annual report at all (a 说明.txt) is skipped and does not change the exit status (1 when
    every file was skipped). A report with a whole table missing (表四 as a picture), or of which no figure could
    be read, gets no JSON file: its cells would count as 0. Any other report with errors (a row not printed) is
    written, marked "imported with errors", and its JSON keeps what the import found (meta.import_findings):
    validating or consolidating the JSON reports those findings exactly as the report file itself would, until
    the missing figures are typed into it.

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

    不是年度报告的文件（如说明.txt）会被跳过，不影响退出码（全部被跳过时为 1）。缺少整张表（如表四为图片）
    或未读出任何数值的报告不写出 JSON 文件：写出后缺少的各项会按 0 计。其他有错误的报告（如缺少某一行）照常写出，
    标为“已导入（有错误）”，JSON 中记下导入时发现的问题（meta.import_findings）：校验或汇总该 JSON 时，这些问题
    与直接使用报告文件时一样报出，直到在 JSON 中补填缺少的数值。

    退出码：0 已导入，1 有文件无法导入或有错误，2 命令用法有误，3 输出无法写入。

    示例：

    \b
        xltool import reports/*.pdf -o data/
    """
    from xltool.importer import import_report
    from xltool.interchange import carry_findings, save_json
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
            status = outcome(loaded, outdir)
            if loaded.report is not None:
                carry_findings(loaded.report, loaded.findings)  # validating the JSON reports them again
            if outdir is not None and status in (IMPORTED, WITH_ERRORS):
                target = unique_path(outdir, p, "json", taken)
                with writing_to(target):
                    out = save_json(loaded.report, target)
            if status != SKIPPED:
                failed = failed or status != IMPORTED
            results.append((p, loaded, out, status))
    if all(status == SKIPPED for *_, status in results):
        failed = True  # nothing was a report: nothing imported
    for p, loaded, out, status in results:
        click.echo(_status(p, loaded, out, lang, status), err=as_json)  # with --json, stdout carries the JSON alone
        echo_findings(loaded.findings, lang, indent="  ", err=as_json)
    if as_json:
        doc = {
            "files": [
                {
                    "file": str(p),
                    "status": status,
                    "output": str(out) if out else None,
                    "report": loaded.report.to_dict() if loaded.report else None,
                    "findings": [f.to_dict(lang) for f in loaded.findings],
                }
                for p, loaded, out, status in results
            ]
        }
        click.echo(json.dumps(printable_tree(doc), ensure_ascii=False, indent=1, default=str))
    sys.exit(1 if failed else 0)
