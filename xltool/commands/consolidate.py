"""`xltool consolidate`: the district's totals from the units' returns, in a workbook the city can consolidate again."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from xltool.cli import CannotProceed, jobs_option, lang_option, progress_bar, silent_option


@click.command("consolidate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--roster",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Roster CSV/XLSX (code,name,category): the units that must report.",
)
@click.option("--year", type=int, help="The reporting year (default: the year most returns are for).")
@click.option(
    "--prior",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Last year's data (files or folders): cross-year rules, and this year against last year in 图表.",
)
@click.option("--group-by", type=click.Choice(["category"]), help="Add 分类小计: key figures per roster category.")
@click.option(
    "--include-warnings/--accepted-only",
    default=True,
    show_default=True,
    help="Count returns with warnings, or only those whose every warning has an explanation (说明).",
)
@click.option("--include-invalid", is_flag=True, help="Count returns with errors too (marked in every sheet).")
@click.option("--unit-name", help="Name of the consolidation (default: the roster names' common start).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The summary workbook to write (.xlsx).",
)
@click.option(
    "--long",
    "long_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the tidy long table: OUT.csv (UTF-8 with BOM) or OUT.parquet (needs pyarrow).",
)
@click.option("--json", "as_json", is_flag=True, help="One machine-readable JSON result on stdout.")
@lang_option
@silent_option
@jobs_option
def command(
    paths,
    roster,
    year,
    prior,
    group_by,
    include_warnings,
    include_invalid,
    unit_name,
    output,
    long_path,
    as_json,
    lang,
    silent,
    jobs=0,
) -> None:
    """Consolidate the units' returns (workbooks, JSON, folders) into the district's report.

    Every file is validated; a unit counts if its newest return has no 错误 (warnings count unless
    --accepted-only). The summary workbook holds the official tables with the totals (itself a valid
    input to `xltool validate` and `xltool consolidate`), 报送情况, 单位明细, 问题清单 and 图表.

    Exit status: 0 done, 1 the consolidated result fails its own check (C-SUM), 2 usage error,
    3 could not proceed (unreadable roster, nothing to read, output not writable).

    \b
    Example:
        xltool consolidate samples/returned/ --roster samples/roster.csv -o 汇总.xlsx
        xltool consolidate 甲区汇总.xlsx 乙区汇总.xlsx --roster city.csv --unit-name 某市 -o 市汇总.xlsx
    """
    from xltool.consolidate import consolidate, write_long
    from xltool.errors import UsageError, XltoolError
    from xltool.roster import load_roster
    from xltool.sources import expand_paths
    from xltool.validate import PriorData

    if output is not None and output.suffix.lower() != ".xlsx":
        raise click.BadParameter("汇总表应为 .xlsx 文件", param_hint="-o/--output")
    if long_path is not None:
        suffix = long_path.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            raise click.BadParameter("只支持 .csv 或 .parquet", param_hint="--long")
        if suffix == ".parquet":
            try:
                import pyarrow  # noqa: F401
            except ImportError as e:
                raise CannotProceed(
                    "写 Parquet 需要 pyarrow：pip install 'xltool[parquet]'（或 pip install pyarrow），或改用 .csv"
                ) from e
    try:
        ros = load_roster(roster)
        pri = PriorData.from_paths(prior) if prior else None
    except XltoolError as e:
        raise CannotProceed(str(e)) from e
    if not ros.units:
        raise CannotProceed(f"名单 {roster.name} 中没有单位")
    files = expand_paths(list(paths))
    if not files:
        raise CannotProceed("没有找到可汇总的文件（.json/.xlsx/.xlsm/...）")

    label = "读取并校验" if lang == "zh" else "Reading"
    with progress_bar(files, label, silent or as_json) as bar:
        tick = (lambda _p: bar.update(1)) if hasattr(bar, "update") else None
        try:
            cons = consolidate(
                files,
                ros,
                year=year,
                prior=pri,
                accepted_only=not include_warnings,
                include_invalid=include_invalid,
                group_by=group_by,
                unit_name=unit_name,
                progress=tick,
                jobs=jobs,
            )
        except XltoolError as e:
            raise CannotProceed(str(e)) from e

    outputs: list[Path] = []
    try:
        if output is not None:
            from xltool.summary_xlsx import write_summary

            outputs.append(write_summary(cons, output))
        if long_path is not None:
            outputs.append(write_long(cons, long_path))
    except UsageError as e:
        raise CannotProceed(str(e)) from e
    except OSError as e:
        where = e.filename or (output or long_path)
        hint = "（文件是否已在 Excel/WPS 中打开？）" if isinstance(e, PermissionError) else ""
        raise CannotProceed(f"无法写入 {where}：{e.strerror or e}{hint}") from e

    if as_json:
        doc = cons.to_dict(lang)
        doc["outputs"] = [str(p) for p in outputs]
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
    else:
        click.echo(summary_text(cons, outputs, lang))
    sys.exit(0 if cons.ok else 1)


def summary_text(cons, outputs: list[Path], lang: str = "zh") -> str:
    """What the terminal shows: the units that need attention, C-SUM, then the status line and the outputs."""

    from xltool.consolidate import COUNTED, ERRORS, FOREIGN, STATUS_EN, SUPERSEDED, UNIDENTIFIED, WARNINGS

    en = lang == "en"
    out: list[str] = []
    year = f" {cons.year}" if cons.year else ""
    out.append(
        f"Consolidation: {cons.unit_name}{year} ({cons.form.id})" if en else f"汇总：{cons.unit_name}{year} 年度"
    )
    chosen = {e.unit.code: e for e in cons.entries if e.unit is not None and e.role != SUPERSEDED}
    for rec in cons.status.to_dict(orient="records"):
        if rec["status"] not in (ERRORS, WARNINGS):
            continue
        e = chosen.get(rec["code"])
        counted = e is not None and e.role == COUNTED
        if en:
            state = STATUS_EN[rec["status"]] + (", counted" if counted else ", not counted")
        else:
            state = rec["status"] + ("（已计入）" if counted else "（未计入）")
        name = Path(rec["file"]).name if rec["file"] else ""
        out.append(f"  {rec['name']}  {state}  {name}")
        if e is not None:
            for f in e.result.findings:
                if f.severity in ("error", "warning") and not f.rule.startswith("CONS-"):
                    tag = (
                        f"[{f.severity} {f.rule}] "
                        if en
                        else f"【{'错误' if f.severity == 'error' else '警告'} {f.rule}】"
                    )
                    out.append(f"      {tag}{f.title['en' if en else 'zh']}")
    for role, zh, english in (
        (FOREIGN, "名单外单位的文件（未计入）", "files of units not in the roster (not counted)"),
        (SUPERSEDED, "已被较新文件替代（未计入）", "superseded by a newer file (not counted)"),
        (UNIDENTIFIED, "无法识别单位的文件（未计入）", "files whose unit is unknown (not counted)"),
    ):
        files = [e for e in cons.entries if e.role == role]
        if files:
            out.append(f"  {english}:" if en else f"  {zh}：")
            for e in files:
                who = e.report.unit_name if e.report is not None else ""
                out.append(f"      {Path(e.file).name}  {who}".rstrip())
    if cons.missing_units:
        n = len(cons.missing_units)
        out.append(
            f"Not reported ({n}): " + ", ".join(cons.missing_units)
            if en
            else f"未报单位（{n}）：" + "、".join(cons.missing_units)
        )
    if cons.ok:
        out.append("C-SUM: the consolidated tables pass every rule" if en else "汇总校验（C-SUM）：通过")
    else:
        out.append("C-SUM FAILED:" if en else "汇总校验（C-SUM）未通过：")
        for f in cons.csum:
            out.append("  " + f.message(lang).replace("\n", "\n  "))
    out.append(cons.counted_line(lang))
    out.append(cons.status_line(lang))
    for p in outputs:
        out.append(("Written: " if en else "已写入：") + str(p))
    return "\n".join(out)
