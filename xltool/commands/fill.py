"""`xltool fill`: write interchange data into a template (migration, demos, tests)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from xltool.cli import CannotProceed, lang_option, silent_option
from xltool.errors import UsageError, XltoolError


class Refused(click.ClickException):
    """Exit 2: the data do not fit the template (another form, year or unit)."""

    exit_code = 2

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"错误：{self.format_message()}", err=True)


@click.command("fill")
@click.argument("data", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-t",
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Template to fill (a unit's, or the blank one). Default: a new template for the data's unit and year.",
)
@click.option("-o", "--output", "output_arg", required=True, type=click.Path(), help="OUT.xlsx, or a folder.")
@click.option("--password", help="Without -t: the new template's password (default: xltool).")
@lang_option
@silent_option
def command(data, template, output_arg, password, lang, silent) -> None:
    """Write interchange JSON data into a template, as a clerk would have typed them.

    Refuses data of another form, year or unit than the template's. With several DATA files, -o is a folder
    and each file is named <code>_<unit name>_<year>.xlsx. Paths written go to stdout.

    Example:

    \b
        xltool fill samples/data/370602-D04_烟台市芝罘区科学技术局_2021.json -o out/returned/
        xltool fill data.json -t templates/gov-disclosure-2021.xlsx -o filled.xlsx
    """
    from xltool.fill import fill_template
    from xltool.interchange import load_json
    from xltool.schema import load_form
    from xltool.template import template_filename, write_template

    output = Path(output_arg)
    to_dir = output.is_dir() or len(data) > 1 or output_arg.endswith(("/", "\\"))
    if not to_dir and output.suffix.lower() != ".xlsx":
        raise click.UsageError("-o 应为 .xlsx 文件或一个目录。")
    findings = []
    written = []
    try:
        for path in data:
            report = load_json(path)
            out = output / template_filename(report.unit_code, report.unit_name, report.year) if to_dir else output
            if template is not None:
                written.append(fill_template(template, report, out, findings=findings))
                continue
            with tempfile.TemporaryDirectory(prefix="xltool-fill-") as tmp:
                blank = write_template(
                    load_form(report.form),
                    Path(tmp) / "template.xlsx",
                    year=report.year,
                    unit_name=report.unit_name,
                    unit_code=report.unit_code,
                    password=password,
                )
                written.append(fill_template(blank, report, out, findings=findings))
    except UsageError as e:
        raise Refused(str(e)) from e
    except XltoolError as e:
        raise CannotProceed(str(e)) from e
    except OSError as e:
        raise CannotProceed(f"无法写入 {output}：{e.strerror or e}") from e
    if not silent:
        for f in findings:
            click.echo(f.message(lang), err=True)
    for p in written:
        click.echo(str(p))
