"""`xltool consolidate`: the district's totals from the units' returns, in a workbook the city can consolidate again."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from xltool.cli import (
    CannotProceed,
    Command,
    jobs_option,
    lang_option,
    option,
    progress_bar,
    silent_option,
)
from xltool.commands.options import (
    YEAR,
    check_summary_path,
    echo_roster_notes,
    json_option,
    missing_paths,
    not_found_text,
    output_option,
    paths_argument,
    prior_option,
    roster_option,
    warn_if_read_back,
    write_error,
)
from xltool.filenames import printable_tree, shown_name


@click.command(
    "consolidate",
    cls=Command,
    help_en="""Consolidate the units' returns (workbooks, JSON, folders) into the district's report.

    Every file is validated; a unit counts if its newest return has no 错误 (warnings count unless
    --accepted-only). Of a unit's several returns the newest is told by the fill time in the file, else the
    workbook's own saved time, else (unreliable: a copy resets it) the file's time; the output says which.
    Returns that differ and cannot be put in order are not counted, and listed for you to settle. A file that
    is no annual report or form return at all (a 说明.txt, a readme, an unrelated CSV) is skipped, whatever its
    name: it is listed apart and is no unit's file. A file whose name names one roster unit and whose content is
    another's (a template passed on, a file renamed) is listed apart too and counted for neither unit (their other
    files count as usual).

    The summary workbook holds the official tables with the totals (itself a valid input to
    `xltool validate` and `xltool consolidate`), 报送情况, 单位明细, 问题清单 and 图表. It is written in
    Chinese whatever --lang says, like the official form it carries: --lang en changes what this command prints.

    A lower level's summary among the files (a district's, at the city) says what it covers: a summary that
    leaves units out or counts returns with errors is a warning, shown with what it covers in 报送情况 and
    单位明细; one made by an older xltool, which did not record it, is said to be of unknown coverage.
    Without -o no workbook is written: the terminal shows the result, and says how to get the workbook.

    Exit status: 0 done, 1 the consolidated result fails its own check (C-SUM) or counts no unit at all (then
    no workbook is written), 2 usage error (-o or --long names one of the files read), 3 could not proceed
    (unreadable roster, nothing to read, output not writable).

    Example:

    \b
        xltool consolidate samples/returned/ --roster samples/roster.csv -o 汇总.xlsx
        xltool consolidate 甲区汇总.xlsx 乙区汇总.xlsx --roster city.csv --unit-name 某市 -o 市汇总.xlsx
    """,
)
@paths_argument(
    "各单位报送的文件（工作簿、JSON）或文件夹（逐个查找其中的文件）；也可以是下级的汇总表。",
    "The units' returns (workbooks, JSON) or folders (searched for files); lower levels' summaries too.",
)
@roster_option(
    "单位名单 CSV/XLSX（代码、名称、类别）：应报送的单位。",
    "Roster CSV/XLSX (code,name,category): the units that must report.",
)
@option(
    "--year",
    type=YEAR,
    help="报告年度（默认：多数报送文件所属的年度）。",
    help_en="The reporting year (default: the year most returns are for).",
)
@prior_option(
    "上年度数据（文件或文件夹）：用于跨年度校验，并在“图表”中与本年对比。",
    "Last year's data (files or folders): cross-year rules, and this year against last year in 图表.",
    multiple=True,
)
@option(
    "--group-by",
    type=click.Choice(["category"]),
    help="增加“分类小计”：按名单中的类别列出主要数字。",
    help_en="Add 分类小计: key figures per roster category.",
)
@option(
    "--include-warnings/--accepted-only",
    default=True,
    show_default=True,
    help="有警告的报送也计入；--accepted-only 则只计入每条警告都有说明的报送。",
    help_en="Count returns with warnings, or only those whose every warning has an explanation (说明).",
)
@option(
    "--include-invalid",
    is_flag=True,
    help="有错误的报送也计入（在每张表中标出）。",
    help_en="Count returns with errors too (marked in every sheet).",
)
@option(
    "--unit-name",
    help="汇总单位的名称（默认：名单中多数单位名称共同的地名开头，如 烟台市芝罘区；没有时请指定）。",
    help_en="Name of the consolidation (default: the place most roster names begin with, e.g. 烟台市芝罘区).",
)
@output_option("要写出的汇总工作簿（.xlsx）。", "The summary workbook to write (.xlsx).")
@option(
    "--long",
    "long_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="同时写出长表（每个单位的每个数值一行）：文件名.csv（带 BOM 的 UTF-8）或 文件名.parquet（需要 pyarrow）。",
    help_en="Also write the tidy long table: OUT.csv (UTF-8 with BOM) or OUT.parquet (needs pyarrow).",
)
@json_option("在标准输出上输出一份供程序读取的 JSON 结果。", "One machine-readable JSON result on stdout.")
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
    """把各单位报送的文件（工作簿、JSON、文件夹）汇总为本级的年度报告统计表。

    每个文件都先校验；一个单位以其最新一份报送计入，前提是没有错误（有警告的也计入，除非用 --accepted-only）。
    同一单位有多份报送时，按文件中的填报时间判断哪份最新，没有则按工作簿自身的保存时间，再没有则按文件的修改
    时间（不可靠：复制文件会改变它）；输出中会说明依据。内容不同又无法判断先后的报送不计入，并列出来供您处理。
    不是年度报告或报表的文件（说明.txt、readme、无关的 CSV 等）无论叫什么名字都会被跳过，单独列出，不算作任何
    单位的文件。文件名指向名单中的一个单位、内容却是另一个单位的报表（模板被转用、文件被改名）的文件也单独列出，
    不计入任何单位（两个单位各自的其他报送照常计入）。

    汇总表包括填好合计数的正式表格（它本身可再作为 xltool validate 和 xltool consolidate 的输入）、报送情况、
    单位明细、问题清单和图表。汇总表与其中的正式表格一样始终为中文；--lang en 只改变本命令在终端输出的语言。

    给出的文件中如有下级的汇总表（市汇总各区的汇总表），会说明它的汇总范围：未包含全部应报单位或计入了有错误的
    报送的，列为警告，并在“报送情况”“单位明细”中列出其汇总范围；较早版本的 xltool 生成、没有记录汇总范围的，
    注明范围未知。不加 -o 时不写出汇总表，只在终端显示结果，并提示如何写出。

    退出码：0 完成，1 汇总结果未通过自身校验（C-SUM）或没有计入任何单位（此时不写出汇总表），2 命令用法有误
    （-o 或 --long 是要读取的文件之一），3 无法继续（名单无法读取、没有可读的文件、输出无法写入）。

    示例：

    \b
        xltool consolidate samples/returned/ --roster samples/roster.csv -o 汇总.xlsx
        xltool consolidate 甲区汇总.xlsx 乙区汇总.xlsx --roster 市名单.csv --unit-name 某市 -o 市汇总.xlsx
    """
    from xltool.consolidate import consolidate, write_long
    from xltool.errors import UsageError, XltoolError
    from xltool.roster import load_roster
    from xltool.sources import expand_paths
    from xltool.validate import PriorData

    check_summary_path(output, lang)
    if long_path is not None:
        suffix = long_path.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            msg = "长表只能写为 .csv 或 .parquet 文件" if lang == "zh" else "the long table is .csv or .parquet"
            raise click.BadParameter(msg, param_hint="--long")
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
        raise CannotProceed(e.text(lang)) from e
    echo_roster_notes(ros, lang)
    if not ros.units:
        raise CannotProceed(
            f"名单 {roster.name} 中没有单位" if lang == "zh" else f"no units in the roster {roster.name}"
        )
    missing = missing_paths(paths)  # named in the output; the files that exist are consolidated
    files = expand_paths([p for p in paths if p not in missing])
    if not files:
        raise CannotProceed(
            "；".join(["没有找到可汇总的文件（.json/.xlsx/.xlsm/...）", *(not_found_text(p, "zh") for p in missing)])
            if lang == "zh"
            else "; ".join(["no files to consolidate (.json, .xlsx …)", *(not_found_text(p, "en") for p in missing)])
        )
    refuse_inputs(files, output, long_path, lang)  # a unit's return is never written over
    warn_if_read_back(paths, output, lang)
    for target in (output, long_path):  # before the long read: a path that cannot be written fails now
        if target is not None:
            check_writable(target, lang)
    for p in missing:  # at once, before the long read; again at the end of the output
        click.echo(
            f"{not_found_text(p, lang)}（未汇总）" if lang == "zh" else f"{not_found_text(p, lang)} (left out)",
            err=True,
        )

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
            raise CannotProceed(e.text(lang)) from e

    outputs: list[Path] = []
    asked = [p for p in (output, long_path) if p is not None]
    unwritten = asked if cons.empty else []
    if cons.empty:  # all-zero tables are no district's report: nothing is written (CONS-EMPTY says why)
        output = long_path = None
    target = output
    try:
        if output is not None:
            from xltool.summary_xlsx import write_summary

            outputs.append(write_summary(cons, output))
        if long_path is not None:
            target = long_path
            long_path.parent.mkdir(parents=True, exist_ok=True)  # as for -o (a folder that does not exist yet)
            outputs.append(write_long(cons, long_path))
    except UsageError as e:
        _say_written(outputs, lang)
        raise CannotProceed(e.text(lang)) from e
    except OSError as e:
        _say_written(outputs, lang)
        raise write_error(e, target) from e

    if as_json:
        doc = cons.to_dict(lang)
        doc["outputs"] = [str(p) for p in outputs]
        doc["not_found"] = [str(p) for p in missing]
        click.echo(json.dumps(printable_tree(doc), ensure_ascii=False, indent=1))
    else:
        no_workbook = "empty" if cons.empty else ("no-output" if output is None else None)
        click.echo(summary_text(cons, outputs, lang, not_found=missing, no_workbook=no_workbook, unwritten=unwritten))
    sys.exit(0 if cons.ok and not cons.empty else 1)


def refuse_inputs(files: list[Path], output: Path | None, long_path: Path | None, lang: str) -> None:
    """Exit 2 when -o or --long is one of the files read: writing it would replace a unit's return (or a lower
    level's summary) with this summary, as `validate --report` refuses too."""
    read = None
    for opt, target in (("-o", output), ("--long", long_path)):
        if target is None:
            continue
        if read is None:
            read = {os.path.realpath(f) for f in files}  # never raises: a looping link is one of the files
        if os.path.realpath(target) in read:
            from xltool.commands.options import Refused

            raise Refused(
                f"{opt} {target} 是要汇总的文件之一，写出会覆盖它；请另指定一个文件名，例如 汇总.xlsx，"
                "并写到收件文件夹以外。"
                if lang == "zh"
                else f"{opt} {target} is one of the files being consolidated and would be overwritten; "
                "give another name, outside the folder of returns."
            )


def check_writable(target: Path, lang: str) -> None:
    """Exit 3 now, before any file is read, when `target` could not be written: a file on the way where a
    folder is needed, a folder (the nearest that exists, when the rest is still to be made) in which no file
    can be made — read-only, no rights, /proc — or a name the disk refuses. A probe file named like the target
    is made there and removed at once; nothing else is created (folders still to be made are made by the write).
    The messages are those of the write itself (errtext)."""
    import errno
    import os
    import tempfile

    from xltool.errtext import os_error_text

    target = Path(target)
    made = target.parent  # the folder the file goes into, or the first of the folders still to be made
    there = made
    while not there.exists() and there != there.parent:
        made, there = there, there.parent
    # named as the write names it: the file when its folder is there, else the first folder that cannot be made
    shown = target if there == target.parent else made
    if not there.is_dir():  # a file where a folder is needed
        err = NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(shown))
        raise CannotProceed(os_error_text(err, lang, path=shown, writing=True))
    try:
        # named like the file (a few bytes longer): a name too long, or one the disk refuses, fails here too
        fd, probe = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix, dir=there)
    except OSError as e:
        about_name = e.errno in (errno.ENAMETOOLONG, errno.EINVAL)
        raise CannotProceed(os_error_text(e, lang, path=target if about_name else shown, writing=True)) from e
    os.close(fd)
    Path(probe).unlink(missing_ok=True)


def _say_written(outputs: list[Path], lang: str) -> None:
    """On stderr, before the error about a later output: the outputs that were written all the same."""
    for p in outputs:
        click.echo(("Written: " if lang == "en" else "已写入：") + str(p), err=True)


def summary_text(
    cons,
    outputs: list[Path],
    lang: str = "zh",
    *,
    not_found: list[Path] | tuple = (),
    no_workbook: str | None = None,
    unwritten: list[Path] | tuple = (),
) -> str:
    """What the terminal shows: the units that need attention, paths given that do not exist, C-SUM, then the
    status line and the outputs.

    `no_workbook`: why no summary workbook was written — "empty" (no unit counted: `unwritten` are the outputs
    asked for and not written), "no-output" (no -o: how to get one) — or None (written)."""

    from xltool.consolidate import (
        COUNTED,
        ERRORS,
        FOREIGN,
        MISMATCHED,
        REJECTED,
        SKIPPED,
        STATUS_EN,
        SUPERSEDED,
        UNDECIDED,
        UNIDENTIFIED,
        WARNINGS,
        is_problem,
    )

    en = lang == "en"
    out: list[str] = []
    named = cons.options.get("unit_name_from", "option") is not None  # else CONS-UNIT-NAME below says so
    if en:
        year = f" {cons.year}" if cons.year else " (year unknown)"
        who = cons.unit_name if named else "(name not known)"
        out.append(f"Consolidation: {who}{year} ({cons.form.id})")
    else:
        who = cons.unit_name if named else "（汇总单位名称未确定）"
        out.append(f"汇总：{who} {cons.year} 年度" if cons.year else f"汇总：{who}（年度未知）")
    # the file that decides each unit's status, as 报送情况 takes it
    chosen = {e.unit.code: e for e in cons.entries if e.unit is not None and e.role in (COUNTED, REJECTED)}
    for rec in cons.status.to_dict(orient="records"):
        if rec["status"] not in (ERRORS, WARNINGS):
            continue
        e = chosen.get(rec["code"])
        counted = e is not None and e.role == COUNTED
        if en:
            state = STATUS_EN[rec["status"]] + (", counted" if counted else ", not counted")
        else:
            state = rec["status"] + ("（已计入）" if counted else "（未计入）")
        name = shown_name(Path(rec["file"]).name) if rec["file"] else ""
        out.append(f"  {rec['name']}  {state}  {name}")
        if e is not None:
            for f in e.result.findings:
                if is_problem(f):
                    tag = (
                        f"[{f.severity} {f.rule}] "
                        if en
                        else f"【{'错误' if f.severity == 'error' else '警告'} {f.rule}】"
                    )
                    out.append(f"      {tag}{f.title['en' if en else 'zh']}")
                    if f.rule.startswith("SUMMARY-"):  # a lower level's summary: the units it leaves out
                        out += [f"        {d}" for d in f.details.get("en" if en else "zh", [])]
    unknown = [e for e in chosen.values() if e.summary and e.coverage is None]
    if unknown:  # no warning (it may be complete), but the clerk should know the level below does not say
        out.append(
            "  lower levels' summaries of unknown coverage (made by an older xltool):"
            if en
            else "  汇总范围未知的下级汇总表（较早版本的 xltool 生成，未记录应报、计入和未报单位数）："
        )
        for e in unknown:
            out.append(f"      {e.unit.name}  {shown_name(Path(e.file).name)}")
    mismatched = [e for e in cons.entries if e.role == MISMATCHED]
    if mismatched:
        out.append(
            "  files whose name and content are different units (not counted):"
            if en
            else "  文件名与内容不是同一单位（未计入）："
        )
        for e in mismatched:
            out += _mismatched_lines(e, en)
    for role, zh, english in (
        (FOREIGN, "名单外单位的文件（未计入）", "files of units not in the roster (not counted)"),
        (SUPERSEDED, "同一单位的其他文件（未计入）", "other files of the same unit (not counted)"),
        (
            UNDECIDED,
            "同一单位内容不同、无法判断先后的文件（均未计入）",
            "files of the same unit that differ and cannot be put in order (none counted)",
        ),
        (UNIDENTIFIED, "无法识别单位的文件（未计入）", "files whose unit is unknown (not counted)"),
        (SKIPPED, "不是报表文件（已跳过）", "not an annual report or a form return (skipped)"),
    ):
        files = [e for e in cons.entries if e.role == role]
        if files:
            out.append(f"  {english}:" if en else f"  {zh}：")
            for e in files:
                if e.report is None:  # why it could not be read (这是一个 Word 文档…)
                    who = "" if role == SKIPPED else _unread_reason(e, en)
                else:  # the roster unit it is filed under (a workbook whose content names none: by its name)
                    who = (e.unit.name if e.unit is not None else e.report.unit_name) or ""
                out.append(f"      {shown_name(Path(e.file).name)}  {who}{_why_superseded(e, en)}".rstrip())
    if cons.missing_units:
        n = len(cons.missing_units)
        out.append(
            f"Not reported ({n}): " + ", ".join(cons.missing_units)
            if en
            else f"未报单位（{n}）：" + "、".join(cons.missing_units)
        )
    if not_found:
        out.append(
            f"Not found, left out ({len(not_found)}): " + ", ".join(map(str, not_found))
            if en
            else f"找不到的文件或文件夹，未汇总（{len(not_found)}）：" + "、".join(map(str, not_found))
        )
    for f in cons.notices:  # the run's own warnings: nothing counted, no name for the consolidation
        out.append(("Warning: " if en else "注意：") + f.title[lang])
        out += [f"  {d}" for d in f.details.get(lang, [])]
        if f.fix.get(lang):
            out.append("  " + f.fix[lang])
    if cons.empty:
        out.append("C-SUM: not done (no unit counted)" if en else "汇总校验（C-SUM）：未进行（没有计入任何单位）")
    elif cons.ok:
        out.append("C-SUM: the consolidated tables pass every rule" if en else "汇总校验（C-SUM）：通过")
    else:
        out.append("C-SUM FAILED:" if en else "汇总校验（C-SUM）未通过：")
        for f in cons.csum:
            out.append("  " + f.message(lang).replace("\n", "\n  "))
    out.append(cons.counted_line(lang))
    out.append(cons.status_line(lang))
    for p in outputs:
        out.append(("Written: " if en else "已写入：") + str(p))
    if no_workbook == "empty":
        names = ("、" if not en else ", ").join(map(str, unwritten))
        out.append(
            "Nothing written: no unit is counted" + (f" ({names})" if names else "")
            if en
            else "未写出汇总表：没有计入任何单位" + (f"（{names}）" if names else "")
        )
    elif no_workbook == "no-output":
        out.append(
            "No summary workbook written: add -o summary.xlsx to write it (the official tables, 报送情况, 单位明细, "
            "问题清单, 图表)."
            if en
            else "未写出汇总表：加 -o 汇总.xlsx 即可写出汇总工作簿（正式表格、报送情况、单位明细、问题清单和图表）。"
        )
    return "\n".join(out)


def _mismatched_lines(e, en: bool) -> list[str]:  # noqa: ANN001 - an Entry
    """A file named for one unit with another's content: both units, and what to do (its CONS-NAME-MISMATCH)."""
    unit, named = e.content_unit, e.named_unit
    lang = "en" if en else "zh"
    if en:
        who = f"named for {named.name} ({named.code}), content of {unit.name} ({unit.code})"
    else:
        who = f"文件名指向 {named.name}（{named.code}），内容属于 {unit.name}（{unit.code}）"
    out = [f"      {shown_name(Path(e.file).name)}  {who}"]
    flag = next((f for f in e.result.findings if f.rule == "CONS-NAME-MISMATCH"), None)
    if flag is not None:
        out += [f"        {d}" for d in flag.details.get(lang, [])]
        out.append(("        What to do: " if en else "        处理：") + flag.fix[lang])
    return out


def _unread_reason(e, en: bool) -> str:
    """For a file that could not be read: what its first error says (这是一个 Word 文档…, 文件为空 …)."""
    first = next((f for f in e.result.findings if f.severity == "error"), None)
    return first.title["en" if en else "zh"] if first is not None else ""


def _why_superseded(e, en: bool) -> str:
    """For a superseded file: which file the unit is taken from, and how that was decided; for one of files that
    cannot be put in order: that (its unit's lines above say which files and why)."""
    from xltool.consolidate import SUPERSEDED, UNDECIDED

    if e.role not in (SUPERSEDED, UNDECIDED) or e.newest_by is None:
        return ""
    how = e.newest_by["en" if en else "zh"]
    if e.undecided:
        return f"  ({how}; see above)" if en else f"  （{how}，见上）"
    newer = shown_name(Path(e.superseded_by).name) if e.superseded_by else ""
    return f"  (the unit's file is {newer}: {how})" if en else f"  （以 {newer} 为准：{how}）"
