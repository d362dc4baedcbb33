"""`xltool validate PATHS...`: returned files checked against every rule of the form."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xltool.cli import CannotProceed, Command, jobs_option, lang_option, option, progress_bar, silent_option
from xltool.commands.options import (
    YEAR,
    Refused,
    echo_roster_notes,
    json_option,
    missing_paths,
    not_found_result,
    not_found_text,
    paths_argument,
    prior_option,
    say,
    warn_if_read_back,
    writing_to,
)
from xltool.errors import XltoolError


@click.command(
    "validate",
    cls=Command,
    help_en="""Check returned files (JSON, workbooks, folders) against every rule of the form.

    A file that is no annual report or form return at all (a 说明.txt, a readme, an unrelated CSV) is skipped: one
    line says so, and it counts for no unit.

    Exit status: 0 no errors, 1 errors found (or a file could not be read, or a path given is not there: the
    other files are still checked; or every file given was skipped, so nothing was validated), 2 usage error
    (no path given exists), 3 could not proceed (a roster unreadable or without units, an output not writable).

    Example:

    \b
        xltool validate samples/data/ --prior samples/prior/
        xltool validate --roster roster.csv --year 2024 --annotate feedback/ --report 校验结果.xlsx inbox/
    """,
)
@paths_argument(
    "报送的文件（.xlsx/.xls/.et/.ods/.json、已发布的报告）或文件夹（逐个查找其中的文件）。",
    "Returned files (.xlsx/.xls/.et/.ods/.json, published reports) or folders (searched for files).",
)
@prior_option(
    "上年度数据（文件或文件夹），用于跨年度校验 X-CARRY 和 X-IN-FORCE。",
    "Last year's data (file or folder) for the cross-year rules X-CARRY and X-IN-FORCE.",
    multiple=True,
)
@option(
    "--roster",  # a folder is accepted here and refused by load_roster (exit 3), unlike options.roster_option
    type=click.Path(exists=True, path_type=Path),
    help="单位名单（CSV/XLSX）：标出不在名单中的单位。",
    help_en="Roster CSV/XLSX: flag unknown units.",
)
@option(
    "--year",
    type=YEAR,
    help="本次收集的报告年度：标出其他年度的文件。",
    help_en="The reporting year being collected: flag files of another year.",
)
@json_option("在标准输出上输出一份供程序读取的 JSON 报告。", "One machine-readable JSON report on stdout.")
@option(
    "--report",
    "report_xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    help="同时把校验结果写成一个工作簿（总览 + 问题明细），供经办人查看。",
    help_en="Also write the results as a workbook for the clerk (Overview + Findings with --lang en).",
)
@option(
    "--annotate",
    "annotate_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="为每个有问题的文件另存一份标出问题的工作簿（整改清单），写入此文件夹。",
    help_en="Write, for every file with findings, its own workbook with the problems marked (the 整改清单).",
)
@lang_option
@silent_option
@jobs_option
def command(paths, prior, roster, year, as_json, lang, silent, report_xlsx=None, annotate_dir=None, jobs=0) -> None:
    """按报表的全部校验规则检查报送的文件（JSON、工作簿、文件夹）。

    不是年度报告或报表的文件（说明.txt、readme、无关的 CSV 等）会被跳过：输出中以一行注明，不计入任何单位。

    退出码：0 没有错误，1 发现错误（或有文件无法读取、有路径找不到，其余文件照常校验；或给出的文件都被跳过，
    没有校验任何文件），2 命令用法有误（给出的路径全都找不到），3 无法继续（如名单无法读取或其中没有单位、
    输出文件无法写入）。

    示例：

    \b
        xltool validate samples/data/ --prior samples/prior/
        xltool validate --roster roster.csv --year 2024 --annotate 整改/ --report 校验结果.xlsx 收件箱/
    """
    from xltool.report import report_json, report_text, run_valid, skipped
    from xltool.roster import load_roster
    from xltool.sources import expand_paths, load_any
    from xltool.validate import PriorData, attribute_results, validate_loaded

    try:
        ros = load_roster(roster) if roster else None
        pri = PriorData.from_paths(prior) if prior else None
    except XltoolError as e:
        raise CannotProceed(e.text(lang)) from e
    echo_roster_notes(ros, lang)
    if ros is not None and not ros.units:  # every unit would be UNIT-UNKNOWN: refused as consolidate does
        raise CannotProceed(
            f"名单 {roster.name} 中没有单位" if lang == "zh" else f"no units in the roster {roster.name}"
        )
    missing = missing_paths(paths)  # each named by a FILE-NOT-FOUND result; the files that exist are validated
    groups = [None if p in missing else expand_paths([p]) for p in paths]  # what each path given stands for
    files = [f for group in groups if group for f in group]
    if not files:
        if missing:  # folders without a file to check, and paths that do not exist: nothing to validate at all
            raise click.UsageError(
                "没有找到可校验的文件（.json/.xlsx/.xlsm/...）；" + "；".join(not_found_text(p, "zh") for p in missing)
                if lang == "zh"
                else "no files to validate (.json, .xlsx …); " + "; ".join(not_found_text(p, "en") for p in missing)
            )
        raise click.UsageError("没有找到可校验的文件（.json/.xlsx/.xlsm/...）")
    if report_xlsx is not None and report_xlsx.suffix.lower() != ".xlsx":
        msg = "校验结果工作簿应为 .xlsx 文件" if lang == "zh" else "the report workbook must be an .xlsx file"
        raise click.BadParameter(msg, param_hint="--report")
    if report_xlsx is not None and report_xlsx.resolve() in {f.resolve() for f in files}:
        raise Refused(  # writing the report would overwrite a department's return
            f"--report {report_xlsx} 是要校验的报送文件之一，不能用它保存校验结果；"
            "请另指定一个文件名，例如 校验结果.xlsx。"
            if lang == "zh"
            else f"--report {report_xlsx} is one of the files being checked; give the report another name."
        )
    warn_if_read_back(paths, report_xlsx, lang)
    warn_if_read_back(paths, annotate_dir, lang)
    results = []
    with progress_bar(files, "校验" if lang == "zh" else "Validating", silent or as_json) as bar:
        if len(files) > 1 and jobs != 1:  # many files: every core (xltool.parallel); one file: no pool
            from xltool.parallel import validate_files

            tick = (lambda _p: bar.update(1)) if hasattr(bar, "update") else None
            results = validate_files(files, prior=pri, roster=ros, year=year, jobs=jobs, progress=tick)
        else:
            for f in bar:
                results.append(validate_loaded(load_any(f), prior=pri, roster=ros, year=year))
    results = _in_given_order(paths, groups, attribute_results(results, ros))
    click.echo(report_json(results, lang) if as_json else report_text(results, lang))
    if report_xlsx is not None:
        from xltool.report_xlsx import write_report

        with writing_to(report_xlsx):
            write_report(results, report_xlsx, lang=lang)
        say(lang, f"校验结果已写入：{report_xlsx}", f"Report written: {report_xlsx}", err=True)
    if annotate_dir is not None:
        from xltool.annotate import annotate_results

        with writing_to(annotate_dir, folder=True):
            # a path that does not exist is the clerk's typo, and a 说明.txt beside the returns no department's
            # return: neither gets a copy to send back
            returns = [r for r in results if not _not_found(r) and not skipped(r)]
            written = annotate_results(returns, annotate_dir, lang=lang)
        say(
            lang,
            f"已为 {len(written)} 个有问题的文件写出整改清单：{annotate_dir}",
            f"Annotated copies of {len(written)} files with findings: {annotate_dir}",
            err=True,
        )
    sys.exit(0 if run_valid(results) else 1)  # skipped files aside; nothing but skipped files: nothing validated


def _in_given_order(paths, groups: list[list[Path] | None], results: list) -> list:  # noqa: ANN001
    """The results (one per file of `groups`, in order), with a FILE-NOT-FOUND result at the place of each path
    that does not exist (`None` in `groups`; a path given twice is named once)."""
    if all(g is not None for g in groups):
        return results
    by_file = iter(results)
    out, named = [], set()
    for p, group in zip(paths, groups, strict=True):
        if group is not None:
            out += [next(by_file) for _ in group]
        elif p not in named:
            named.add(p)
            out.append(not_found_result(p))
    return out + list(by_file)


def _not_found(result) -> bool:  # noqa: ANN001 - a FileResult
    return result.report is None and [f.rule for f in result.findings] == ["FILE-NOT-FOUND"]
