"""`xltool template`: locked Excel templates, one per roster unit (or one unit, or the blank template)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xltool.cli import CannotProceed, Command, lang_option, option, progress_bar, silent_option
from xltool.commands.options import (
    YEAR,
    echo_findings,
    echo_roster_notes,
    form_option,
    prior_option,
    roster_option,
    say,
    writing_to,
)
from xltool.errors import XltoolError


@click.command(
    "template",
    cls=Command,
    help_en="""Write locked templates with live checks: one .xlsx per unit, named <code>_<unit name>_<year>.xlsx.

    Paths written go to stdout, progress and notes to stderr.

    Example:

    \b
        xltool template --roster samples/roster.csv --year 2021 --prior samples/prior -o out/templates/
        xltool template --unit 烟台市芝罘区科学技术局 --code 370602-D04 --year 2021 -o out/
        xltool template --blank -o templates/
    """,
)
@roster_option("单位名单 CSV/XLSX（代码、名称、类别）。", "Roster CSV/XLSX (code,name,category).", required=False)
@option(
    "--unit",
    "unit_name",
    help="一个单位的全称（代替 --roster）。",
    help_en="One unit's full name (instead of --roster).",
)
@option(
    "--code",
    "unit_code",
    help="与 --unit 一起用：该单位在名单中的代码。",
    help_en="With --unit: the unit's roster code.",
)
@option(
    "--category",
    help="与 --unit 一起用：该单位的类别（部门、街道……）。",
    help_en="With --unit: the unit's category (部门, 街道 …).",
)
@option(
    "--blank",
    is_flag=True,
    help="空白模板（不含单位），写为 输出文件夹/<报表代码>.xlsx。",
    help_en="The blank template (no unit): written as OUTDIR/<form>.xlsx.",
)
@option(
    "--year",
    type=YEAR,
    help="报告年度（除 --blank 外必填）。",
    help_en="The reporting year (required except with --blank).",
)
@form_option()
@option(
    "--password",
    help="工作表和工作簿的保护密码（默认：xltool）。文件中只保存其哈希值。",
    help_en="Sheet and workbook password (default: xltool). Only its hash is stored.",
)
@prior_option(
    "上年度数据（交换格式 JSON 文件或文件夹）：预填“上年结转”。",
    "Last year's data (interchange JSON files or folders): pre-fills 上年结转.",
    multiple=True,
)
@option(
    "-o",
    "--output",
    "outdir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="写入的文件夹。",
    help_en="Folder to write into.",
)
@lang_option
@silent_option
def command(
    roster, unit_name, unit_code, category, blank, year, form_id, password, prior, outdir, lang, silent
) -> None:
    """生成带实时校验的锁定模板，每个单位一个 .xlsx。

    文件命名为 <代码>_<单位名称>_<年度>.xlsx。写出的路径输出到标准输出，进度和提示输出到标准错误。

    示例：

    \b
        xltool template --roster samples/roster.csv --year 2021 --prior samples/prior -o out/templates/
        xltool template --unit 烟台市芝罘区科学技术局 --code 370602-D04 --year 2021 -o out/
        xltool template --blank -o templates/
    """
    from xltool.roster import load_roster
    from xltool.schema import available_forms, load_form
    from xltool.template import write_template, write_templates

    if sum(bool(x) for x in (roster, unit_name, blank)) != 1:
        raise click.UsageError("请指定 --roster FILE、--unit NAME 或 --blank 之一。")
    if year is None and not blank:
        raise click.UsageError("请用 --year 指定报告年度，例如 --year 2021。")
    if (unit_code or category) and not unit_name:
        raise click.UsageError("--code 和 --category 只能与 --unit 一起使用。")
    if form_id not in available_forms():
        raise click.BadParameter(
            f"没有报表格式“{form_id}”，可选的值：{'、'.join(available_forms())}。", param_hint="--form"
        )
    findings = []
    try:
        with writing_to(outdir, folder=True):
            form = load_form(form_id)
            ros = load_roster(roster) if roster else None  # before any folder is made: a bad roster leaves none
            echo_roster_notes(ros, lang)
            units = ros.units if ros is not None else []
            if roster and not units:
                raise CannotProceed(
                    f"名单 {roster.name} 中没有单位" if lang == "zh" else f"no units in the roster {roster.name}"
                )
            outdir.mkdir(parents=True, exist_ok=True)
            if blank:
                paths = [write_template(form, outdir / f"{form.id}.xlsx", year=year, unit_name="", password=password)]
            elif unit_name:
                paths = [
                    write_template(
                        form,
                        outdir,
                        year=year,
                        unit_name=unit_name.strip(),
                        unit_code=unit_code,
                        category=category,
                        password=password,
                        prior=list(prior) or None,
                        findings=findings,
                    )
                ]
            else:
                with progress_bar(units, "生成模板" if lang == "zh" else "Templates", silent) as bar:
                    ticks = iter(bar)
                    paths = write_templates(
                        form,
                        units,
                        outdir,
                        year=year,
                        password=password,
                        prior=list(prior) or None,
                        progress=lambda _p: next(ticks, None),
                        findings=findings,
                    )
                    for _ in ticks:  # finish the bar
                        pass
    except XltoolError as e:
        raise CannotProceed(e.text(lang)) from e
    echo_findings(findings, lang)
    for p in paths:
        click.echo(str(p))
    if not silent:
        n = len(paths)
        say(lang, f"已生成 {n} 个模板：{outdir}", f"{n} template{'' if n == 1 else 's'} written to {outdir}", err=True)
    sys.stdout.flush()
