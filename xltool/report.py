"""A validation run's report: a status line and findings per file, as text (Chinese by default) or JSON.

A file that is no annual report or form return at all (FILE-NOT-REPORT: a 说明.txt, a readme, an unrelated CSV
beside the returns) is *skipped*: one line that says so, counted apart ("已跳过"), marked `"skipped": true` in
JSON, and left out of the run's verdict — unless nothing else was given, when nothing was validated at all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from xltool.sources import is_not_report
from xltool.validate import FileResult


def skipped(r: FileResult) -> bool:
    """A file that is no report or form return at all (FILE-NOT-REPORT): skipped, no unit's file."""
    return r.report is None and is_not_report(r.findings)


def run_valid(results: list[FileResult]) -> bool:
    """The run's verdict: some file was validated, and every file validated passed (skipped files aside)."""
    checked = [r for r in results if not skipped(r)]
    return bool(checked) and all(r.valid for r in checked)


def report_dict(results: list[FileResult], lang: str = "zh") -> dict[str, Any]:
    files = [{**r.to_dict(lang), "skipped": True} if skipped(r) else r.to_dict(lang) for r in results]
    return {"valid": run_valid(results), "files": files}


def report_json(results: list[FileResult], lang: str = "zh") -> str:
    from xltool.filenames import printable_tree  # a file name not in UTF-8 must not make the JSON invalid

    return json.dumps(printable_tree(report_dict(results, lang)), ensure_ascii=False, indent=1)


def status_line(r: FileResult, lang: str = "zh") -> str:
    from xltool.filenames import printable

    c = r.counts
    name = printable(Path(r.file).name)
    if skipped(r):
        if lang == "en":
            return f"SKIPPED {name}  not an annual report or a form return"
        return f"— 已跳过  {name}  不是年度报告或报表文件"
    unit = r.shown(lang)[0] or ("（未识别单位）" if lang == "zh" else "(unit not identified)")
    year = f" {r.year}" if r.year else ""
    if lang == "en":
        verdict = "VALID" if r.valid else "INVALID"
        return f"{verdict:7} {name}  {unit}{year}  errors {c['error']}, warnings {c['warning']}, info {c['info']}"
    verdict = "✔ 通过" if r.valid else "✘ 未通过"
    return f"{verdict}  {name}  {unit}{year}  错误 {c['error']}｜警告 {c['warning']}｜提示 {c['info']}"


def report_text(results: list[FileResult], lang: str = "zh") -> str:
    out = []
    for r in results:
        out.append(status_line(r, lang))
        if not skipped(r):  # its one finding is the line itself (the JSON report has it in full)
            for f in r.findings:
                out.append("  " + f.message(lang).replace("\n", "\n  "))
        out.append("")
    for more in (same_unit_lines(results, lang), mismatched_lines(results, lang)):
        if more:
            out += more + [""]
    out += count_lines(results, lang)
    return "\n".join(out)


def same_unit_groups(results: list[FileResult]) -> list[list[FileResult]]:
    """The files of one unit, for every unit that has more than one among `results` (in their order).

    Validated with a roster, as consolidate files them: by the roster unit `identity.attribute` gives, leaving out
    what is no roster unit's file — a unit outside the roster, a file of no identifiable unit, a file whose name
    names another roster unit than its content (`FileResult.named_unit`: counted for neither, `mismatched_lines`).
    Without a roster: by the unit code or name the reports carry.
    """
    from xltool.roster import normalize_name

    groups: dict[str, list[FileResult]] = {}
    for r in results:
        att = r.attribution
        if att is not None:
            if att.unit is None or r.named_unit is not None:
                continue
            key = "roster:" + att.unit.code
        elif r.report is not None and (r.report.unit_code or r.report.unit_name):
            rep = r.report
            key = "code:" + normalize_name(rep.unit_code) if rep.unit_code else "name:" + normalize_name(rep.unit_name)
        else:
            continue
        groups.setdefault(key, []).append(r)
    return [g for g in groups.values() if len(g) > 1]


def same_unit_files(results: list[FileResult]) -> list[dict[str, Any]]:
    """Units that sent more than one file: {"unit", "files", "differing_cells"} (None: a file could not be read)."""
    from xltool.validate import differing_cells

    out = []
    for g in same_unit_groups(results):
        reports = [r.report for r in g]
        differ = None
        if all(rep is not None for rep in reports):
            # as numbers, as consolidate compares them (a workbook's float, a JSON's Decimal: one figure)
            differ = differing_cells(reports)  # type: ignore[arg-type]
        out.append({"unit": g[0].unit or "", "files": [Path(r.file).name for r in g], "differing_cells": differ})
    return out


def same_unit_lines(results: list[FileResult], lang: str = "zh") -> list[str]:
    """Units that sent more than one file, and whether the files' figures differ (consolidation counts the
    newest: the clerk should know there is a choice, and whether it matters)."""
    found = same_unit_files(results)
    if not found:
        return []
    en = lang == "en"
    out = (
        ["Units with more than one file (consolidate counts the newest):"]
        if en
        else ["同一单位有多个文件（汇总时只计最新的一份）："]
    )
    for d in found:
        n = d["differing_cells"]
        if en:
            cells = f"{n} cell" if n == 1 else f"{n} cells"
            how = "some could not be read" if n is None else f"figures differ in {cells}" if n else "the same figures"
            out.append(f"  {d['unit']}: {', '.join(d['files'])} ({how})")
        else:
            how = "其中有无法读取的文件" if n is None else f"数值不同：{n} 处" if n else "数值相同"
            out.append(f"  {d['unit']}：{'、'.join(d['files'])}（{how}）")
    return out


def mismatched_lines(results: list[FileResult], lang: str = "zh") -> list[str]:
    """Files whose name names one roster unit and whose content another: consolidate counts them for neither
    (its 文件名与内容不是同一单位), so they belong to neither unit's files above."""
    found = [r for r in results if r.named_unit is not None and r.attribution is not None and r.attribution.unit]
    if not found:
        return []
    en = lang == "en"
    out = [
        "Files whose name and content are different units (consolidate counts them for neither unit):"
        if en
        else "文件名与内容不是同一单位（汇总时不计入任何一个单位）："
    ]
    for r in found:
        unit, named = r.attribution.unit, r.named_unit  # type: ignore[union-attr]
        assert unit is not None and named is not None
        name = Path(r.file).name
        if en:
            out.append(f"  {name}: named for {named.name} ({named.code}), content of {unit.name} ({unit.code})")
        else:
            out.append(f"  {name}：文件名指向 {named.name}（{named.code}），内容属于 {unit.name}（{unit.code}）")
    return out


def count_lines(results: list[FileResult], lang: str = "zh") -> list[str]:
    """The run's count line ("共 9 个文件：通过 1，未通过 5，已跳过 3"; "1 file: 1 valid, 0 invalid"), and a second
    line when every file was skipped (nothing was validated)."""
    n_skipped = sum(skipped(r) for r in results)
    ok = sum(r.valid for r in results if not skipped(r))
    bad = len(results) - n_skipped - ok
    nothing = bool(results) and n_skipped == len(results)
    if lang == "en":
        files = "1 file" if len(results) == 1 else f"{len(results)} files"
        out = [f"{files}: {ok} valid, {bad} invalid" + (f", {n_skipped} skipped" if n_skipped else "")]
        if nothing:
            out.append("Nothing was validated: none of the files is an annual report or a form return.")
        return out
    out = [f"共 {len(results)} 个文件：通过 {ok}，未通过 {bad}" + (f"，已跳过 {n_skipped}" if n_skipped else "")]
    if nothing:
        out.append("没有校验任何文件：给出的文件都不是年度报告或报表文件。")
    return out
