"""`xltool render DATA...`: the report's tables in the official layout, as Word, HTML or Markdown."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xltool.cli import Command, lang_option, option, silent_option
from xltool.commands.options import Refused, data_argument, echo_findings, say, unique_path, writing_to

FORMATS = ("docx", "html", "md")


def _outputs(paths: list[Path], out: Path | None, fmt: str) -> list[Path]:
    """One output per input: OUT itself for a single input named like a file, else <stem>.<fmt> in folder OUT."""
    if len(paths) == 1 and out is not None and out.suffix and not out.is_dir():
        return [out]
    folder = out or Path(".")
    taken: set[Path] = set()
    return [unique_path(folder, p, fmt, taken) for p in paths]


@click.command(
    "render",
    cls=Command,
    help_en="""Write the three tables in the official layout inside a report skeleton (title, six sections).

    DATA: interchange JSON, a returned workbook, a summary workbook, or an imported report. The tables have the
    official labels, merged headers and the 勾稽关系 note; prose sections are filled from an imported report or
    left as marked placeholders (【待填写】). What is written here is read back to the same values by
    `xltool import`.

    Data that fail the form's rules are still written, with a warning naming the errors: check them with
    `xltool validate` before publishing.

    Exit status: 0 written, 1 a DATA file could not be read or its data fail the rules (the tables are written
    all the same), 2 -o names a DATA file or does not end in the format, 3 an output could not be written.

    Example:

        xltool render summary.xlsx --format docx -o 区政府2024年报.docx
    """,
)
@data_argument(
    "交换格式 JSON、报送的工作簿、汇总表或已导入的报告。",
    "Interchange JSON, a returned workbook, a summary workbook, or an imported report.",
)
@option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="输出格式。默认：按 -o 的扩展名，否则为 docx。",
    help_en="Output format. Default: from the suffix of -o, else docx.",
)
@option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="输出文件（一个数据文件时）或文件夹（多个时）。默认：当前文件夹中的 <名称>.<格式>。",
    help_en="Output file (one DATA) or folder (several). Default: <name>.<format> in the current folder.",
)
@option(
    "--as-is",
    is_flag=True,
    help="数据中没有的合计留空（默认：由各项计算后填入）。",
    help_en="Leave totals that the data do not hold empty (default: derive them from their parts).",
)
@lang_option
@silent_option
def command(data, fmt, output, as_is, lang, silent) -> None:
    """在报告框架（标题、六个部分）中按官方样式写出三张表。

    数据可以是交换格式 JSON、报送的工作簿、汇总表或已导入的报告。表格使用官方标签、合并表头和勾稽关系说明；
    正文部分取自已导入的报告，否则留下标记的占位（【待填写】）。这里写出的内容用 xltool import 读回，得到相同的数值。

    数据未通过校验时仍写出表格，并提示其中的错误：发布前请用 xltool validate 核对并改正。

    退出码：0 已写出，1 有数据文件无法读取或数据未通过校验（表格仍已写出），2 -o 是要读取的数据文件或扩展名与格式不符，
    3 有输出文件无法写入。

    示例：

    \b
        xltool render summary.xlsx --format docx -o 区政府2024年报.docx
    """
    from xltool.render import render_report
    from xltool.sources import load_any

    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output is not None else ""
        fmt = suffix if suffix in FORMATS else "docx"
    paths = list(data)
    targets = _outputs(paths, output, fmt)
    _refuse_unfit(paths, targets, fmt, lang)
    failed = False
    for p, target in zip(paths, targets, strict=True):
        loaded = load_any(p)
        if loaded.report is None:
            failed = True
            say(lang, f"✘ 无法读取  {p.name}", f"UNREADABLE  {p.name}", err=True)
            echo_findings(loaded.findings, lang, indent="  ")
            continue
        failed = _warn_if_invalid(p, loaded.report, lang) or failed
        with writing_to(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            written = render_report(loaded.report, fmt, target, fill_totals=not as_is)
        click.echo(str(written))
        if not silent:
            rep = loaded.report
            what_zh = f"{rep.unit_name or ''}{f' {rep.year} 年度' if rep.year else ''}"
            what_en = f"{rep.unit_name or ''}{f' {rep.year}' if rep.year else ''}"
            say(lang, f"已生成 {what_zh}：{written}", f"Rendered {what_en}: {written}", err=True)
    sys.exit(1 if failed else 0)


def _refuse_unfit(paths: list[Path], targets: list[Path], fmt: str, lang: str) -> None:
    """Exit 2 before anything is written: an output that is one of the DATA files (a department's return would
    be replaced by a Word file still named .xlsx), or a single output file whose suffix is not the format's."""
    inputs = {p.resolve() for p in paths}
    for target in targets:
        if target.resolve() in inputs:
            raise Refused(
                f"-o {target} 是要读取的数据文件之一，不能写在它上面；请另指定一个文件名，例如 报告.{fmt}。"
                if lang == "zh"
                else f"-o {target} is one of the DATA files; give the output another name, e.g. report.{fmt}."
            )
        if target.suffix.lower() != f".{fmt}":
            raise Refused(
                f"-o {target} 的扩展名与输出格式 {fmt} 不符；请用 .{fmt} 结尾，或用 --format 指定格式。"
                if lang == "zh"
                else f"-o {target} does not end in .{fmt}, the output format; name it .{fmt} or choose --format."
            )


def _warn_if_invalid(p: Path, report, lang: str) -> bool:  # noqa: ANN001 - a UnitReport
    """Whether the data fail the form's rules; if so, a warning naming the errors (the tables are written all
    the same: the clerk may be drafting, but must not publish them unchecked)."""
    from xltool.rules import check
    from xltool.schema import load_form

    errors = [f for f in check(load_form(report.form), report) if f.severity == "error"]
    if not errors:
        return False
    say(
        lang,
        f"⚠ {p.name}：数据未通过校验（错误 {len(errors)} 项），表格按数据原样写出；"
        "发布前请用 xltool validate 核对并改正：",
        f"⚠ {p.name}: the data fail the form's rules ({len(errors)} errors); the tables are written as the data "
        "stand — check them with xltool validate before publishing:",
        err=True,
    )
    for f in errors[:5]:
        click.echo(f"  【{'错误' if lang == 'zh' else 'error'} {f.rule}】{f.title[lang]}", err=True)
    if len(errors) > 5:
        say(lang, f"  ……共 {len(errors)} 项", f"  … {len(errors)} in all", err=True)
    return True
