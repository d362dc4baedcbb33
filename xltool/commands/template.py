"""`xltool template`: locked Excel templates, one per roster unit (or one unit, or the blank template)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xltool.cli import CannotProceed, lang_option, progress_bar, silent_option
from xltool.errors import XltoolError


@click.command("template")
@click.option(
    "--roster",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Roster CSV/XLSX (code,name,category).",
)
@click.option("--unit", "unit_name", help="One unit's full name (instead of --roster).")
@click.option("--code", "unit_code", help="With --unit: the unit's roster code.")
@click.option("--category", help="With --unit: the unit's category (部门, 街道 …).")
@click.option("--blank", is_flag=True, help="The blank template (no unit): written as OUTDIR/<form>.xlsx.")
@click.option("--year", type=int, help="The reporting year (required except with --blank).")
@click.option("--form", "form_id", default="gov-disclosure-2021", show_default=True, help="Form id.")
@click.option("--password", help="Sheet and workbook password (default: xltool). Only its hash is stored.")
@click.option(
    "--prior",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Last year's data (interchange JSON files or folders): pre-fills 上年结转.",
)
@click.option(
    "-o",
    "--output",
    "outdir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write into.",
)
@lang_option
@silent_option
def command(
    roster, unit_name, unit_code, category, blank, year, form_id, password, prior, outdir, lang, silent
) -> None:
    """Write locked templates with live checks: one .xlsx per unit, named <code>_<unit name>_<year>.xlsx.

    Paths written go to stdout, progress and notes to stderr.

    Example:

    \b
        xltool template --roster samples/roster.csv --year 2021 --prior samples/prior -o out/templates/
        xltool template --unit 烟台市芝罘区科学技术局 --code 370602-D04 --year 2021 -o out/
        xltool template --blank -o templates/
    """
    from xltool.roster import load_roster
    from xltool.schema import load_form
    from xltool.template import write_template, write_templates

    if sum(bool(x) for x in (roster, unit_name, blank)) != 1:
        raise click.UsageError("请指定 --roster FILE、--unit NAME 或 --blank 之一。")
    if year is None and not blank:
        raise click.UsageError("请用 --year 指定报告年度，例如 --year 2021。")
    if (unit_code or category) and not unit_name:
        raise click.UsageError("--code 和 --category 只能与 --unit 一起使用。")
    findings = []
    try:
        form = load_form(form_id)
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
            units = load_roster(roster).units
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
        raise CannotProceed(str(e)) from e
    except OSError as e:
        raise CannotProceed(f"无法写入 {outdir}：{e.strerror or e}") from e
    for f in findings:
        click.echo(f.message(lang), err=True)
    for p in paths:
        click.echo(str(p))
    if not silent:
        n = len(paths)
        click.echo(f"已生成 {n} 个模板：{outdir}" if lang == "zh" else f"{n} templates written to {outdir}", err=True)
    sys.stdout.flush()
