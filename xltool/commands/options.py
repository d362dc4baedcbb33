"""Click pieces the command modules share: option and argument decorators, the exit-2 refusal, and the few
output steps every command takes (write a file, list findings, say one line in the run's language).

Each factory returns a decorator declared with `xltool.cli.option` / `xltool.cli.argument`, so its help is
Chinese (``help``) with an English text for ``--lang en`` (``help_en``). A command declares an option in one
line and only says what is its own (the help texts, whether it is required; any other keyword goes to click):

    @paths_argument()
    @roster_option("应报送的单位。", "The units that must report.")
    @json_option()
    def command(paths, roster, as_json): ...
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from xltool.cli import CannotProceed, argument, option, os_error, ui_lang

Decorator = Callable[[Any], Any]


class Year(click.types.IntParamType):
    """A reporting year: four digits (2008–2099; the regulation took effect in 2008). ``21`` wrote templates
    named ``…_21.xlsx`` and flagged every return as YEAR-MISMATCH ("本次收集的是 21 年")."""

    name = "year"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            year = value if isinstance(value, int) and not isinstance(value, bool) else int(str(value).strip())
        except ValueError:
            year = None
        if year is None or not 2008 <= year <= 2099:
            if ui_lang() == "en":
                self.fail(f"must be a four-digit year such as 2021 (got “{value}”)", param, ctx)
            self.fail(f"应为四位数字的年份，如 2021（收到的是“{value}”）", param, ctx)
        return year


YEAR = Year()


class Refused(CannotProceed):
    """Exit 2: an argument that does not apply (the message says which, and what would)."""

    exit_code = 2


def write_error(e: OSError, target: Path) -> CannotProceed:
    """Exit 3 for an output file that could not be written, in the clerk's words (no "[Errno 20] Not a directory").

    Names `target` also when the error is about the temporary file written beside it (``.汇总.tmp.xlsx``), and
    the other path when it is about a folder on the way (``已有同名文件：out（这里需要一个文件夹）``).
    """
    from xltool.errtext import os_error_text

    path: str | Path = target
    if e.filename is not None:
        name = os.fspath(e.filename)
        if Path(name).parent != target.parent and not name.startswith(os.fspath(target)):
            path = name
    return CannotProceed(os_error_text(e, ui_lang(), path=path, writing=True))


@contextmanager
def writing_to(path: Path, *, folder: bool = False) -> Iterator[None]:
    """Exit 3 (`xltool.cli.os_error`) for an OSError while writing `path`, naming `path`.

    `folder`: `path` is a folder that files are written into; the message names the file the error is about
    (``out/370602-D04_….xlsx``), the folder only when the error names none.
    """
    try:
        yield
    except OSError as e:
        raise os_error(e, path=(e.filename or path) if folder else path, writing=True) from e


def echo_findings(findings: Iterable[Any], lang: str, *, indent: str = "", err: bool = True) -> None:
    """Each finding's message in `lang`, on stderr (`err`), every line of it after `indent`."""
    for f in findings:
        click.echo(indent + f.message(lang).replace("\n", "\n" + indent), err=err)


def say(lang: str, zh: str, en: str, *, err: bool = False) -> None:
    """One line in the run's language: `zh`, or `en` with ``--lang en``."""
    click.echo(zh if lang == "zh" else en, err=err)


def echo_roster_notes(roster: Any, lang: str) -> None:
    """What the clerk should know about how the roster was read (`Roster.notes`: rows left out, hidden rows, the
    sheet used), one line each on stderr."""
    for note in getattr(roster, "notes", ()):
        say(lang, f"提示：{note}", f"Note: {note.text('en')}", err=True)


def warn_if_read_back(inputs, target: Path | None, lang: str) -> None:
    """Warn when an output lands in a folder being read: the next run would read it as a return."""
    if target is None:
        return
    t = Path(target).resolve()
    for raw in inputs:
        folder = Path(raw).resolve()
        if folder.is_dir() and (t == folder or folder in t.parents):
            say(
                lang,
                f"注意：{target} 在要读取的文件夹 {raw} 之内，下次校验或汇总时会被当作报送文件读取；"
                "建议写到收件文件夹以外。",
                f"Note: {target} is inside {raw}, which is read: the next run would read it as a return; "
                "write it outside the inbox.",
                err=True,
            )
            return


def check_summary_path(output: Path | None, lang: str) -> None:
    """Exit 2 unless the summary workbook to write (``-o``) is named .xlsx."""
    if output is not None and output.suffix.lower() != ".xlsx":
        msg = "汇总表应为 .xlsx 文件" if lang == "zh" else "the summary workbook must be an .xlsx file"
        raise click.BadParameter(msg, param_hint="-o / --output")


def unique_path(folder: Path, source: Path, suffix: str, taken: set[Path]) -> Path:
    """<source stem>.<suffix> in `folder`, recorded in `taken`; <stem>-2.<suffix> … when that is taken already
    (a second input with the same stem) or is `source` itself (an input is never overwritten)."""
    cand, i = folder / f"{source.stem}.{suffix}", 2
    while cand in taken or cand.resolve() == source.resolve():
        cand = folder / f"{source.stem}-{i}.{suffix}"
        i += 1
    taken.add(cand)
    return cand


def _some_exist(_ctx: click.Context, _param: click.Parameter, paths: tuple[Path, ...]) -> tuple[Path, ...]:
    """Exit 2 when not one of the paths exists (a typo in the only path, or the wrong folder); else all of them.

    A path missing among others that exist is not a usage error: the command reports it (`missing_paths`) next
    to the results of the others, so that one mistyped name does not hide what the other files say.
    """
    if not paths or any(_exists(p) for p in paths):
        return paths
    if len(paths) == 1:
        raise click.BadParameter(f"Path {os.fspath(paths[0])!r} does not exist.")
    raise click.BadParameter("Paths " + ", ".join(repr(os.fspath(p)) for p in paths) + " do not exist.")


def _exists(p: Path) -> bool:
    return os.path.exists(p)


def missing_paths(paths: Iterable[Path]) -> list[Path]:
    """The paths given on the command line that do not exist (in their order, each once)."""
    out: list[Path] = []
    for p in paths:
        if not _exists(p) and p not in out:
            out.append(p)
    return out


def not_found_text(path: Path, lang: str) -> str:
    """找不到文件或文件夹：<path> (the clerk's words for a path given that does not exist)."""
    from xltool.errtext import os_error_text

    return os_error_text(FileNotFoundError(2, "No such file or directory", os.fspath(path)), lang, writing=False)


def not_found_result(path: Path) -> Any:
    """A `FileResult` for a path given that does not exist: one FILE-NOT-FOUND error naming it."""
    from xltool.findings import tool_finding
    from xltool.validate import FileResult

    return FileResult(os.fspath(path), None, [tool_finding("FILE-NOT-FOUND", path=os.fspath(path))])


def paths_argument(
    help: str = "报送的文件或文件夹（逐个查找其中的文件）。",  # noqa: A002 - click's word
    help_en: str = "Returned files or folders (searched for files).",
    **kw: Any,
) -> Decorator:
    """文件或文件夹... (PATHS...): files and folders, at least one of which exists (see `missing_paths`)."""
    return argument(
        "paths",
        nargs=-1,
        required=True,
        type=click.Path(path_type=Path),
        callback=_some_exist,
        metavar=("文件或文件夹...", "PATHS..."),
        help=help,
        help_en=help_en,
        **kw,
    )


def data_argument(help: str, help_en: str, **kw: Any) -> Decorator:  # noqa: A002
    """数据文件... (DATA...): data files (interchange JSON, workbooks …) that must exist."""
    return argument(
        "data",
        nargs=-1,
        required=True,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        metavar=("数据文件...", "DATA..."),
        help=help,
        help_en=help_en,
        **kw,
    )


def roster_option(help: str, help_en: str, *, required: bool = True, **kw: Any) -> Decorator:  # noqa: A002
    """--roster FILE: a roster CSV/XLSX that exists."""
    return option(
        "--roster",
        required=required,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help=help,
        help_en=help_en,
        **kw,
    )


def prior_option(help: str, help_en: str, *, multiple: bool = False, **kw: Any) -> Decorator:  # noqa: A002
    """--prior PATH: last year's data (a file or a folder that exists); `multiple` to give several."""
    return option(
        "--prior",
        multiple=multiple,
        type=click.Path(exists=True, path_type=Path),
        help=help,
        help_en=help_en,
        **kw,
    )


def output_option(help: str, help_en: str, *, required: bool = False, **kw: Any) -> Decorator:  # noqa: A002
    """-o/--output FILE: a file to write."""
    return option(
        "-o",
        "--output",
        required=required,
        type=click.Path(dir_okay=False, path_type=Path),
        help=help,
        help_en=help_en,
        **kw,
    )


def json_option(
    help: str = "在标准输出上输出一份供程序读取的 JSON。",  # noqa: A002
    help_en: str = "One machine-readable JSON document on stdout.",
    **kw: Any,
) -> Decorator:
    """--json (as_json): the result as JSON on stdout."""
    return option("--json", "as_json", is_flag=True, help=help, help_en=help_en, **kw)


def why_option(help: str, help_en: str, *, required: bool = False, **kw: Any) -> Decorator:  # noqa: A002
    """--why TEXT: the clerk's reason, kept in the audit trail."""
    return option("--why", required=required, help=help, help_en=help_en, **kw)


def form_option(help: str = "报表格式代码。", help_en: str = "Form id.", **kw: Any) -> Decorator:  # noqa: A002
    """--form ID (form_id): the form declaration to use, the 2021 form by default."""
    return option(
        "--form", "form_id", default="gov-disclosure-2021", show_default=True, help=help, help_en=help_en, **kw
    )
