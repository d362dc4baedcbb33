"""Structural edits as LibreOffice's menus make them (rows and columns inserted and deleted, cells merged,
rows hidden or formatted, text typed, a sheet added), by a second UNO client on the session's soffice:
`tests/lo.py` has no call for them. Used by the tests of returns a department changed in LibreOffice."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.lo import DEBIAN_DIST_PACKAGES, LibreOfficeSession, helper_python, skip_or_fail, uno_in_process

_EDIT = r"""
import json, sys, time
sys.path.append(sys.argv[2])
import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % sys.argv[1])
desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
for job in json.load(sys.stdin):
    url = uno.systemPathToFileUrl(job["src"])
    for attempt in range(6):  # the first load after start-up sometimes returns None
        doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
        if doc is not None:
            break
        time.sleep(0.5)
    edited = []
    for op, name, *args in job["ops"]:
        if op == "new_sheet":
            doc.unprotect(job["password"])  # the workbook's structure is locked too
            doc.Sheets.insertNewByName(name, doc.Sheets.Count)
            continue
        sheet = doc.Sheets.getByName(name)
        sheet.unprotect(job["password"])  # as a department does, with the password it was told
        edited.append(sheet)
        if op == "insert_rows":
            sheet.Rows.insertByIndex(*args)
        elif op == "remove_rows":
            sheet.Rows.removeByIndex(*args)
        elif op == "insert_columns":
            sheet.Columns.insertByIndex(*args)
        elif op == "remove_columns":
            sheet.Columns.removeByIndex(*args)
        elif op == "merge":  # Format > Merge Cells, "keep the contents of the hidden cells"
            sheet.getCellRangeByName(args[0]).merge(True)
        elif op == "hide_rows":
            sheet.getCellRangeByName(args[0]).Rows.IsVisible = False
        elif op == "row_height":
            sheet.getCellRangeByName(args[0]).Rows.Height = args[1]
        elif op == "back_color":
            sheet.getCellRangeByName(args[0]).CellBackColor = args[1]
        elif op == "bold":
            sheet.getCellRangeByName(args[0]).CharWeight = 150
        elif op == "text":
            sheet.getCellRangeByName(args[0]).setString(args[1])
        elif op == "number":
            sheet.getCellRangeByName(args[0]).setValue(args[1])
        else:
            raise ValueError(op)
    if job.get("protect_again"):
        for sheet in edited:
            sheet.protect(job["password"])
    doc.calculateAll()
    doc.storeToURL(uno.systemPathToFileUrl(job["dst"]), (prop("FilterName", "Calc MS Excel 2007 XML"),))
    doc.close(True)
"""


def _pipe(session: LibreOfficeSession) -> str:
    """The UNO pipe of the session's soffice (from its command line)."""
    for arg in session._proc.args:  # type: ignore[union-attr]
        m = re.match(r"--accept=pipe,name=([^;]+);", arg)
        if m:
            return m.group(1)
    raise AssertionError("the session's soffice has no pipe")


def edit_in_libreoffice(session: LibreOfficeSession, jobs: list[dict]) -> None:
    """Each job ``{"src", "dst", "password", "ops": [[op, sheet, *args] …], "protect_again"?}`` done by
    LibreOffice and saved as .xlsx at ``dst`` (in this interpreter when it imports uno, else in the helper's)."""
    python = sys.executable if uno_in_process() else helper_python()
    if python is None:
        skip_or_fail("no Python can import uno: install python3-uno")
    run = subprocess.run(
        [python, "-c", _EDIT, _pipe(session), DEBIAN_DIST_PACKAGES],
        input=json.dumps(jobs, ensure_ascii=False),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    for job in jobs:
        assert Path(job["dst"]).is_file(), (job, run.stderr[-2000:])
