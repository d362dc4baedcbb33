"""`xltool read FILE`: one returned workbook as interchange JSON, every value traceable to its cell."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xltool.cli import lang_option

ENGINES = ("auto", "fast", "openpyxl")


@click.command("read")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Write the interchange JSON on stdout.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON to this file.")
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="auto",
    show_default=True,
    help="fast: python-calamine; openpyxl: the full reader (same result, slower).",
)
@lang_option
def command(file: Path, as_json: bool, output: Path | None, engine: str, lang: str) -> None:
    """Read one returned workbook (template or not) and show what was read.

    The JSON has `source.sheet_cells` (cell key -> 表三!D7) so that every value can be traced to its cell;
    totals are not in `values` (they are derived from the inputs; what the file stored is in
    `meta.stored_totals`). Findings about the reading go to stderr. Exit status: 0 read, 1 not readable.

    Example:

        xltool read inbox/370602-KJJ_科学技术局_2024.xlsx --json -o kjj.json
    """
    from xltool.interchange import dump_json, save_json
    from xltool.reader import read_file

    loaded = read_file(file, engine=engine)
    for f in loaded.findings:
        click.echo(f.message(lang), err=True)
    if loaded.report is None:
        sys.exit(1)
    rep = loaded.report
    if output is not None:
        save_json(rep, output)
        click.echo(("已写入 " if lang == "zh" else "Written: ") + str(output), err=True)
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
