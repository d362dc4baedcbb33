"""`xltool fill`: write interchange data into a template (migration, demos, tests)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from xltool.cli import CannotProceed, Command, lang_option, option, silent_option
from xltool.commands.options import Refused, data_argument, echo_findings, writing_to
from xltool.errors import InterchangeError, UsageError, XltoolError


@click.command(
    "fill",
    cls=Command,
    help_en="""Write interchange JSON data into a template, as a clerk would have typed them.

    Refuses data of another form, year or unit than the template's. With several DATA files, -o is a folder
    and each file is named <code>_<unit name>_<year>.xlsx. Paths written go to stdout.

    Example:

    \b
        xltool fill samples/data/370602-D04_烟台市芝罘区科学技术局_2021.json -o out/returned/
        xltool fill data.json -t templates/gov-disclosure-2021.xlsx -o filled.xlsx
    """,
)
@data_argument("交换格式的 JSON 数据文件。", "Interchange JSON data files.")
@option(
    "-t",
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="要填写的模板（某单位的模板或空白模板）。默认：按数据中的单位和年度新生成一个模板。",
    help_en="Template to fill (a unit's, or the blank one). Default: a new template for the data's unit and year.",
)
@option(
    "-o",
    "--output",
    "output_arg",
    required=True,
    type=click.Path(),
    help="输出文件（.xlsx），或一个文件夹。",
    help_en="OUT.xlsx, or a folder.",
)
@option(
    "--password",
    help="不用 -t 时：新模板的保护密码（默认：xltool）。",
    help_en="Without -t: the new template's password (default: xltool).",
)
@lang_option
@silent_option
def command(data, template, output_arg, password, lang, silent) -> None:
    """把交换格式的 JSON 数据写入模板，如同经办人手工填写一样。

    数据的报表格式、年度或单位与模板不符时拒绝写入。给出多个数据文件时，-o 应为文件夹，每个文件命名为
    <代码>_<单位名称>_<年度>.xlsx。写出的路径输出到标准输出。

    示例：

    \b
        xltool fill samples/data/370602-D04_烟台市芝罘区科学技术局_2021.json -o out/returned/
        xltool fill data.json -t templates/gov-disclosure-2021.xlsx -o filled.xlsx
    """
    from xltool.errtext import xltool_error_text
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
        with writing_to(output, folder=to_dir):
            for path in data:
                try:
                    report = load_json(path)
                except InterchangeError as e:
                    raise CannotProceed(xltool_error_text(e, lang, path.name)) from e
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
        raise Refused(e.text(lang)) from e
    except XltoolError as e:
        raise CannotProceed(e.text(lang)) from e
    if not silent:
        echo_findings(findings, lang)
    for p in written:
        click.echo(str(p))
