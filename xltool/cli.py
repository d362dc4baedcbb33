"""Command line: parse, call the library, print. Data on stdout, progress and messages on stderr."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xltool import __version__
from xltool.errors import XltoolError


class CannotProceed(click.ClickException):
    """Exit 3: the tool could not do its job (bad roster, bad form declaration, unwritable output)."""

    exit_code = 3

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"错误：{self.format_message()}", err=True)


def lang_option(f):
    return click.option(
        "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Language of messages."
    )(f)


def silent_option(f):
    return click.option("--silent", is_flag=True, help="No progress bar.")(f)


def jobs_option(f):
    return click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=0),
        default=0,
        show_default=True,
        help="Processes reading the files: 0 one per CPU core, 1 none (read here). Results are the same.",
    )(f)


def progress_bar(items, label: str, silent: bool):
    """A progress bar on stderr (never on stdout, which carries the data)."""
    items = list(items)
    if silent or len(items) < 2:
        return _NoBar(items)
    return click.progressbar(items, label=label, file=sys.stderr, show_pos=True)


class _NoBar:
    def __init__(self, items):
        self.items = items

    def __enter__(self):
        return iter(self.items)

    def __exit__(self, *exc):
        return False


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xltool")
def cli() -> None:
    """xltool: 政府信息公开工作年度报告 — templates, validation and consolidation of the yearly statistics.

    Run `xltool COMMAND --help` for each command.
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--prior",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Last year's data (file or folder) for the cross-year rules X-CARRY and X-IN-FORCE.",
)
@click.option("--roster", type=click.Path(exists=True, path_type=Path), help="Roster CSV/XLSX: flag unknown units.")
@click.option("--year", type=int, help="The reporting year being collected: flag files of another year.")
@click.option("--json", "as_json", is_flag=True, help="One machine-readable JSON report on stdout.")
@click.option(
    "--report",
    "report_xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the results as a workbook for the clerk (总览 + 问题明细).",
)
@click.option(
    "--annotate",
    "annotate_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write, for every file with findings, its own workbook with the problems marked (the 整改清单).",
)
@lang_option
@silent_option
@jobs_option
def validate(paths, prior, roster, year, as_json, lang, silent, report_xlsx=None, annotate_dir=None, jobs=0) -> None:
    """Check returned files (JSON, workbooks, folders) against every rule of the form.

    Exit status: 0 no errors, 1 errors found (or a file could not be read), 2 usage error.

    Example:

        xltool validate samples/data/ --prior samples/prior/

        xltool validate --roster roster.csv --year 2024 --annotate feedback/ --report 校验结果.xlsx inbox/
    """
    from xltool.report import report_json, report_text
    from xltool.roster import load_roster
    from xltool.sources import expand_paths, load_any
    from xltool.validate import PriorData, validate_loaded

    try:
        ros = load_roster(roster) if roster else None
        pri = PriorData.from_paths(prior) if prior else None
    except XltoolError as e:
        raise CannotProceed(str(e)) from e
    files = expand_paths(list(paths))
    if not files:
        raise click.UsageError("没有找到可校验的文件（.json/.xlsx/.xlsm/...）")
    results = []
    with progress_bar(files, "校验" if lang == "zh" else "Validating", silent or as_json) as bar:
        if len(files) > 1 and jobs != 1:  # many files: every core (xltool.parallel); one file: no pool
            from xltool.parallel import validate_files

            tick = (lambda _p: bar.update(1)) if hasattr(bar, "update") else None
            results = validate_files(files, prior=pri, roster=ros, year=year, jobs=jobs, progress=tick)
        else:
            for f in bar:
                results.append(validate_loaded(load_any(f), prior=pri, roster=ros, year=year))
    click.echo(report_json(results, lang) if as_json else report_text(results, lang))
    try:
        if report_xlsx is not None:
            from xltool.report_xlsx import write_report

            write_report(results, report_xlsx, lang=lang)
        if annotate_dir is not None:
            from xltool.annotate import annotate_results

            annotate_results(results, annotate_dir, lang=lang)
    except OSError as e:
        raise CannotProceed(f"无法写入输出文件：{e}") from e
    sys.exit(0 if all(r.valid for r in results) else 1)


def _register() -> None:
    import importlib

    from xltool.commands import COMMANDS

    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"xltool.commands.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"xltool.commands.{name}":
                continue  # not built yet
            raise
        cli.add_command(mod.command)


_register()


def main() -> None:
    cli(prog_name="xltool")


if __name__ == "__main__":  # pragma: no cover
    main()
