"""`xltool read FILE`: one returned workbook as interchange JSON, every value traceable to its cell."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xltool.cli import Command, argument, lang_option, option, silent_option
from xltool.commands.options import echo_findings, json_option, output_option, say, writing_to

ENGINES = ("auto", "fast", "calamine", "openpyxl")
"""As `xltool.reader_book.ENGINES` (not imported here: the help screen needs no reader)."""


@click.command(
    "read",
    cls=Command,
    help_en="""Read one returned workbook (template or not) and show what was read.

    The JSON has `source.sheet_cells` (cell key -> 表三!D7) so that every value can be traced to its cell;
    totals are not in `values` (they are derived from the inputs; what the file stored is in
    `meta.stored_totals`). Findings about the reading go to stderr. Exit status: 0 read, 1 not readable.

    Example:

    \b
        xltool read inbox/370602-KJJ_科学技术局_2024.xlsx --json -o kjj.json
    """,
)
@argument(
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar=("文件", "FILE"),
    help="一个报送的工作簿（.xlsx/.xls/.et/.ods/.csv）。",
    help_en="One returned workbook (.xlsx/.xls/.et/.ods/.csv).",
)
@json_option("在标准输出上输出交换格式的 JSON。", "Write the interchange JSON on stdout.")
@output_option("把 JSON 写入此文件。", "Write the JSON to this file.")
@option(
    "--engine",
    type=click.Choice(ENGINES),
    default="auto",
    show_default=True,
    help="读取方式：auto/fast 一次读取文件（不常见的写法改用完整检查 + calamine）；calamine 先做安全检查再用 "
    "python-calamine；openpyxl 用完整读取器。结果相同，后两者较慢。",
    help_en="auto/fast: one read of the file (unusual files: the full checks + calamine); calamine: the safety "
    "checks, then python-calamine; openpyxl: the full reader. Same result; the last two are slower.",
)
@lang_option
@silent_option
def command(file: Path, as_json: bool, output: Path | None, engine: str, lang: str, silent: bool = False) -> None:
    """读取一个报送的工作簿（模板或非模板），显示读到的内容。

    JSON 中的 source.sheet_cells（单元格键 → 表三!D7）可追溯每个数值所在的单元格；合计不在 values 中（由各项
    计算），文件中存储的合计见 meta.stored_totals。读取中发现的问题输出到标准错误。退出码：0 已读取，1 无法
    读取，3 输出无法写入。

    示例：

    \b
        xltool read 收件箱/370602-KJJ_科学技术局_2024.xlsx --json -o kjj.json
    """
    from xltool.interchange import dump_json, save_json
    from xltool.reader import read_file
    from xltool.sources import Loaded, misnamed_finding

    wrong = misnamed_finding(file)  # a Word/PDF file renamed .xlsx: say so, as validate does
    loaded = Loaded(file, None, [wrong]) if wrong is not None else read_file(file, engine=engine)
    echo_findings(loaded.findings, lang)
    if loaded.report is None:
        sys.exit(1)
    rep = loaded.report
    if output is not None:
        with writing_to(output):
            save_json(rep, output)
        if not silent:  # as every command: --silent keeps stderr to what was found
            say(lang, f"已写入 {output}", f"Written: {output}", err=True)
    if as_json:
        click.echo(dump_json(rep))
    elif output is None:
        unit = rep.unit_name or ("（未识别）" if lang == "zh" else "(unknown)")
        how = rep.meta.get("reader", "")
        if lang == "zh":
            kind = "模板" if how == "template" else "非模板（按标签识别）"
            click.echo(
                f"单位：{unit}　代码：{rep.unit_code or ''}　年度：{rep.year or ''}　格式：{rep.form}　读取：{kind}"
            )
            click.echo(f"读取数值 {len(rep.values)} 个（合计由各项计算）；用 --json 输出数据。")
        else:
            click.echo(
                f"Unit: {unit}  code: {rep.unit_code or ''}  year: {rep.year or ''}  form: {rep.form}  read: {how}"
            )
            click.echo(f"{len(rep.values)} values read (totals derived from the items); --json prints the data.")
