"""A validation run's report: a status line and findings per file, as text (Chinese by default) or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from xltool.validate import FileResult


def report_dict(results: list[FileResult], lang: str = "zh") -> dict[str, Any]:
    return {"valid": all(r.valid for r in results), "files": [r.to_dict(lang) for r in results]}


def report_json(results: list[FileResult], lang: str = "zh") -> str:
    return json.dumps(report_dict(results, lang), ensure_ascii=False, indent=1)


def status_line(r: FileResult, lang: str = "zh") -> str:
    c = r.counts
    name = Path(r.file).name
    unit = r.unit or ("（未识别单位）" if lang == "zh" else "(unit not identified)")
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
        for f in r.findings:
            out.append("  " + f.message(lang).replace("\n", "\n  "))
        out.append("")
    ok = sum(r.valid for r in results)
    if lang == "en":
        out.append(f"{len(results)} files: {ok} valid, {len(results) - ok} invalid")
    else:
        out.append(f"共 {len(results)} 个文件：通过 {ok}，未通过 {len(results) - ok}")
    return "\n".join(out)
