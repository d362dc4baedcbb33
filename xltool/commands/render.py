"""`xltool render DATA...`: the report's tables in the official layout, as Word, HTML or Markdown."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xltool.cli import Command, lang_option, option, silent_option
from xltool.commands.options import data_argument, echo_findings, say, unique_path, writing_to

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

    Exit status: 0 written, 1 a DATA file could not be read, 3 an output could not be written.

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

    退出码：0 已写出，1 有数据文件无法读取，3 有输出文件无法写入。

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
    failed = False
    for p, target in zip(paths, targets, strict=True):
        loaded = load_any(p)
        if loaded.report is None:
            failed = True
            say(lang, f"✘ 无法读取  {p.name}", f"UNREADABLE  {p.name}", err=True)
            echo_findings(loaded.findings, lang, indent="  ")
            continue
        with writing_to(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            written = render_report(loaded.report, fmt, target, fill_totals=not as_is)
        click.echo(str(written))
        if not silent:
            rep = loaded.report
            what = f"{rep.unit_name or ''}{rep.year or ''}"
            say(lang, f"已生成 {what}：{written}", f"Rendered {what}: {written}", err=True)
    sys.exit(1 if failed else 0)
