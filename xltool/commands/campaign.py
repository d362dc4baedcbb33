"""`xltool campaign`: one year's collection kept in a folder — init, templates, collect, status, explain,
accept, lock, reopen, assign, log, summary. Each command is a thin layer over `xltool.campaign`.

After `init`, a command finds its campaign from the current folder (looking upwards for campaign.db)
or from `--campaign DIR`.

Everything a subcommand prints is in the run's language, Chinese by default: ``--lang en`` on the subcommand,
on ``campaign`` or on ``xltool`` (`xltool.cli.ui_lang`), or XLTOOL_LANG=en. The library's refusals carry both
texts (`CampaignError.text`), and so do the notes of `init` (`campaign.store.Text`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from xltool.cli import (
    CannotProceed,
    Command,
    Group,
    argument,
    lang_option,
    option,
    os_error,
    progress_bar,
    silent_option,
    ui_lang,
)
from xltool.commands.options import (
    Refused,
    check_summary_path,
    echo_findings,
    form_option,
    json_option,
    missing_paths,
    not_found_text,
    output_option,
    paths_argument,
    prior_option,
    roster_option,
    say,
    why_option,
    write_error,
)
from xltool.filenames import printable_tree


def campaign_option(f):
    return option(
        "--campaign",
        "campaign_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="收集文件夹（默认：当前文件夹或其上级中的收集文件夹）。",
        help_en="The campaign folder (default: the one containing the current folder).",
    )(f)


def unit_argument(name: str = "unit", *, required: bool = True, **kw):  # noqa: ANN201 - a click decorator
    """单位 (UNIT): a unit of the roster, by code or name."""
    return argument(
        name,
        required=required,
        metavar=("单位", "UNIT") if required else ("[单位]", "[UNIT]"),
        help=kw.pop("help", "单位的代码或名称（如 370602-D04 或 民政局）。"),
        help_en=kw.pop("help_en", "The unit's code or name."),
        **kw,
    )


def _open(campaign_dir: Path | None, *, roster_warning: bool = True):
    """Open the campaign: say on stderr when its database was upgraded, and (unless `roster_warning` is False)
    when its 名单 file was changed on disk without `xltool campaign roster`."""
    from xltool.campaign import CampaignError, open_campaign
    from xltool.campaign.store import SCHEMA_VERSION

    try:
        c = open_campaign(campaign_dir, search=True)
    except CampaignError as e:
        raise CannotProceed(e.text(ui_lang())) from e
    if c.migrated:
        old = min(c.migrated) - 1
        say(
            ui_lang(),
            f"提示：收集库已从版本 {old} 升级到版本 {SCHEMA_VERSION}"
            + (f"（原库备份为 campaign.db.v{old}.bak）" if old else ""),
            f"Note: the campaign database was upgraded from version {old} to version {SCHEMA_VERSION}"
            + (f" (the old one is kept as campaign.db.v{old}.bak)" if old else ""),
            err=True,
        )
    if roster_warning:
        from xltool.campaign.roster_update import roster_note
        from xltool.campaign.store import in_lang

        note = roster_note(c)
        if note is not None:
            say(ui_lang(), str(note), in_lang(note, "en"), err=True)
    return c


def _unit(c, text: str):
    from xltool.campaign import CampaignError, resolve_unit

    try:
        return resolve_unit(c, text)
    except CampaignError as e:
        raise CannotProceed(e.text(ui_lang())) from e


def _fail(e: Exception) -> click.ClickException:
    """A refusal as the CLI reports it: exit 2 for an argument that does not apply, else exit 3.

    An OSError (a folder that cannot be made, a file that cannot be written) in the clerk's words, not Python's.
    """
    from xltool.campaign import WrongRule
    from xltool.errors import XltoolError

    if isinstance(e, OSError):
        return os_error(e, writing=True)
    text = e.text(ui_lang()) if isinstance(e, XltoolError) else str(e)
    return Refused(text) if isinstance(e, WrongRule) else CannotProceed(text)


def _on_unit(campaign_dir: Path | None, unit_text: str, action):  # noqa: ANN001, ANN202 - (campaign, unit) -> T
    """Open the campaign, resolve UNIT, run `action(campaign, unit)`: (unit, its result). A refusal exits 2 or 3."""
    from xltool.campaign import CampaignError

    with _open(campaign_dir) as c:
        u = _unit(c, unit_text)
        try:
            return u, action(c, u)
        except CampaignError as e:
            raise _fail(e) from e


def _state(st, lang: str) -> str:  # noqa: ANN001 - a UnitStatus
    """A unit's state as the clerk reads it: 已接受 …, or its English."""
    from xltool.campaign.status import STATE_EN

    return st.state if lang == "zh" else STATE_EN[st.state]


@click.group(
    "campaign",
    cls=Group,
    help_en="""A year's collection in a folder: who was sent what, every version received, 说明, decisions, audit.

    After `init`, a command finds its campaign from the current folder (looking upwards for campaign.db)
    or from `--campaign DIR`.

    Example:

    \b
        xltool campaign init 2021收集 --year 2021 --roster 名单.csv --prior 2020收集
        cd 2021收集 && xltool campaign templates
        xltool campaign collect ~/邮件附件/ /media/U盘/
        xltool campaign status --reminder
        xltool campaign summary -o 汇总.xlsx
    """,
)
@lang_option
def command(lang) -> None:  # noqa: ARG001 - the run's language is taken before parsing (xltool.cli.Group)
    """一个年度的收集工作，保存在一个文件夹中：向谁下发了什么、收到的每一版、说明、决定和操作记录。

    init 之后，各命令从当前文件夹（向上查找 campaign.db）或 --campaign 给出的文件夹找到本次收集。

    示例：

    \b
        xltool campaign init 2021收集 --year 2021 --roster 名单.csv --prior 2020收集
        cd 2021收集 && xltool campaign templates
        xltool campaign collect ~/邮件附件/ /media/U盘/
        xltool campaign status --reminder
        xltool campaign summary -o 汇总.xlsx
    """


# --------------------------------------------------------------------------- init


@command.command(
    "init",
    cls=Command,
    help_en="""Create a campaign folder: campaign.db, outbox/, store/, feedback/; record the roster and last
    year's data.

    Example:

    \b
        xltool campaign init 2021收集 --year 2021 --roster samples/roster.csv --prior samples/prior/
    """,
)
@argument(
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    metavar=("文件夹", "DIRECTORY"),
    help="要建立的收集文件夹（如 2021收集）。",
    help_en="The campaign folder to create.",
)
@option("--year", required=True, type=int, help="本次收集的报告年度。", help_en="The reporting year being collected.")
@roster_option(
    "单位名单 CSV/XLSX（代码、名称、类别）：应报送的单位。会复制到收集文件夹中。",
    "Roster CSV/XLSX (code,name,category): the units that must report. Copied into the campaign.",
)
@prior_option(
    "上年度数据：上年报送文件所在的文件夹、上年的汇总表 .xlsx，或上年的收集文件夹。",
    "Last year's data: a folder of returns, last year's summary .xlsx, or last year's campaign folder.",
)
@form_option(help_en="The form id.")
@option(
    "--name",
    help="本级的名称（默认：名单中各单位名称的共同开头，如 烟台市芝罘区）。",
    help_en="The district's name (default: the roster names' common start, e.g. 烟台市芝罘区).",
)
@lang_option
def init_cmd(directory, year, roster, prior, form_id, name, lang) -> None:
    """建立收集文件夹（campaign.db、outbox/、store/、feedback/），并记录单位名单和上年数据。

    示例：

    \b
        xltool campaign init 2021收集 --year 2021 --roster samples/roster.csv --prior samples/prior/
    """
    from xltool.campaign import init_campaign
    from xltool.errors import XltoolError

    try:
        c, notes = init_campaign(directory, year=year, roster=roster, prior=prior, form=form_id, name=name)
    except (XltoolError, OSError) as e:
        raise _fail(e) from e
    from xltool.campaign.store import in_lang

    with c:
        n_prior = c.conn.execute("SELECT COUNT(*) FROM prior_reports WHERE unit_code IS NOT NULL").fetchone()[0]
        n = len(c.roster.units)
        say(lang, f"已建立 {year} 年度收集：{c.root}", f"Campaign for {year} created: {c.root}")
        say(
            lang,
            f"  名单 {n} 个单位" + (f"，上年数据 {n_prior} 个单位" if prior else "，无上年数据"),
            f"  roster: {n} units" + (f"; last year's data: {n_prior} units" if prior else "; no data of last year"),
        )
        for note in notes:
            say(lang, f"  提示：{note}", f"  Note: {in_lang(note, 'en')}", err=True)
        say(
            lang,
            f"下一步：cd {c.root} && xltool campaign templates",
            f"Next: cd {c.root} && xltool campaign templates",
        )


# --------------------------------------------------------------------------- templates


@command.command(
    "templates",
    cls=Command,
    help_en="""Write every unit's template into outbox/ (上年结转 pre-filled) and record what was issued.

    Example:

    \b
        xltool campaign templates
    """,
)
@option(
    "--password",
    help="工作表和工作簿的保护密码（默认：xltool）。只保存其哈希值。",
    help_en="Sheet password (default: the tool's default). Only its hash is stored.",
)
@campaign_option
@lang_option
@silent_option
def templates_cmd(password, campaign_dir, lang, silent) -> None:
    """为每个单位生成模板，写入 outbox/（预填“上年结转”），并记录下发情况。

    示例：

    \b
        xltool campaign templates
    """
    from xltool.campaign import CampaignError, issue_templates

    with _open(campaign_dir) as c:
        units = list(c.roster.units)
        with progress_bar(units, "生成模板" if lang == "zh" else "Templates", silent) as bar:
            tick = (lambda _p: bar.update(1)) if hasattr(bar, "update") else None
            try:
                issued = issue_templates(c, password=password, progress=tick)
            except (CampaignError, OSError) as e:
                raise _fail(e) from e
        say(lang, f"已下发 {len(issued)} 个模板到 {c.outbox}", f"{len(issued)} templates issued into {c.outbox}")


# --------------------------------------------------------------------------- collect


def _collected_line(item, lang: str) -> str:
    from xltool.campaign.collect import DUPLICATE, FAILED, SKIPPED, skipped_line
    from xltool.errtext import strerror_text
    from xltool.filenames import shown_name

    if item.outcome == SKIPPED:
        return skipped_line(item, lang)
    zh = lang == "zh"
    name = shown_name(item.path.name, lang)
    if item.outcome == FAILED:
        why = strerror_text(item.error or "", lang)  # the OS's English strerror, as collect records it
        return f"  无法读取原文件  {name}  {why}" if zh else f"  cannot read  {name}  {why}"
    if item.outcome == DUPLICATE:
        code, seq = item.duplicate_of or (None, None)
        if item.named is not None:
            who = f"待确认归属的文件 {item.sha256[:12]}" if zh else f"the file pending assignment {item.sha256[:12]}"
        elif item.unit is not None:
            who = item.unit.name + ((f"第{seq}版" if zh else f" version {seq}") if seq else "")
        else:
            who = f"无法确定单位的文件 {item.sha256[:12]}" if zh else f"the file of unknown unit {item.sha256[:12]}"
        return f"  重复，未登记  {name}（与 {who} 相同）" if zh else f"  duplicate  {name} (same as {who})"
    c = item.counts
    if item.unit is None:
        head = "  无法确定单位" if zh else "  unit unknown"
        return f"{head}  {name}  {item.sha256[:12]}"
    if getattr(item, "removed", False):
        u = item.unit
        if zh:
            return f"  属于已从名单中移除的单位 {u.name}（{u.code}）  {name}  已登记，不计入"
        return f"  of {u.name} ({u.code}), taken off the roster  {name}  recorded, not counted"
    if item.awaits_assignment:
        if zh:
            return (
                f"  待确认归属  {name}  内容属于 {item.unit.name}，文件名指向 {item.named.name}  {item.sha256[:12]}"
                "（未计入任何单位，见 xltool campaign status）"
            )
        return (
            f"  pending assignment  {name}  content: {item.unit.name}; name: {item.named.name}  {item.sha256[:12]}"
            " (counts for no unit; see xltool campaign status)"
        )
    ver = f"第{item.seq}版" if zh else f"v{item.seq}"
    tail = f"错误 {c['error']}，警告 {c['warning']}" if zh else f"errors {c['error']}, warnings {c['warning']}"
    how = ""
    if item.identified_by == "filename":
        how = "（按文件名认定）" if zh else " (by file name)"
    if item.named is not None:
        how += f"（文件名指向 {item.named.name}！）" if zh else f" (file name says {item.named.name}!)"
    return f"  {ver}  {item.unit.name}{how}  {name}  {tail}"


@command.command(
    "collect",
    cls=Command,
    help_en="""Collect returned files (and folders): store each under its sha256, identify, validate, record a version.

    The originals are never changed or moved. A file collected twice adds nothing. Feedback (text and an
    annotated workbook) goes to feedback/<unit>/.

    A file whose content is one unit's but whose name points at another is recorded 待确认归属: it changes
    no unit's state until you settle it with `xltool campaign assign` (status shows the commands).

    Exit status: 0 every new version is free of errors, 1 some have errors, could not be assigned or await
    assignment, or a path given is not there (the others are collected), 2 usage error, 3 could not proceed
    (another collect is running).

    Example:

    \b
        xltool campaign collect ~/邮件附件/ 科技局.xlsx
    """,
)
@paths_argument()
@campaign_option
@lang_option
@silent_option
def collect_cmd(paths, campaign_dir, lang, silent) -> None:
    """收集报送的文件（及文件夹）：每个文件按其 SHA-256 保存，识别单位，校验，记为一个版本。

    原文件不会被修改或移动。同一个文件收集两次不会增加任何内容。反馈（文字说明和标出问题的工作簿）写入
    feedback/<单位>/。

    内容属于一个单位、文件名却指向另一个单位的文件记为“待确认归属”：用 xltool campaign assign 确认之前，它不
    改变任何单位的状态（status 会列出相应的命令）。

    退出码：0 每个新版本都没有错误，1 有的版本有错误、无法确定单位或待确认归属，或给出的路径有的找不到（其余
    照常收集），2 命令用法有误，3 无法继续（另一个收集正在进行）。

    示例：

    \b
        xltool campaign collect ~/邮件附件/ 科技局.xlsx
    """
    from xltool.campaign import CampaignBusy, Collector
    from xltool.campaign.collect import FAILED, NEW, CollectRun, inputs, interrupted_text

    missing = missing_paths(paths)  # named as not found; what exists is collected
    with _open(campaign_dir) as c:
        files = inputs(c, [p for p in paths if p not in missing])
        if not files:
            raise CannotProceed(
                "；".join(
                    [
                        "没有找到可收集的文件（.xlsx/.xls/.et/.ods/.json/...）",
                        *(not_found_text(p, "zh") for p in missing),
                    ]
                )
                if lang == "zh"
                else "; ".join(
                    [
                        "no files to collect (.xlsx, .xls, .et, .ods, .json …)",
                        *(not_found_text(p, "en") for p in missing),
                    ]
                )
            )
        run = CollectRun()
        lock = c.lock("collect")
        try:
            lock.acquire()
        except CampaignBusy as e:
            raise _fail(e) from e
        col = None
        try:
            col = Collector(c)
            col.clean_leftovers()
            col.begin([p for p in paths if p not in missing], len(files))
            with progress_bar(files, "收集" if lang == "zh" else "Collecting", silent) as bar:
                for f in bar:
                    run.items.append(col.add(f))
            col.end(run)
        except KeyboardInterrupt:
            # what was recorded stays (each file is one transaction); say so, and that running again continues
            remaining = len(files) - len(run.items)
            if col is not None and col.run_id is not None:
                import contextlib

                with contextlib.suppress(Exception):
                    col.end(run, interrupted=True, remaining=remaining)
            for item in run.items:
                click.echo(_collected_line(item, lang))
            click.echo("\n" + interrupted_text(run, remaining, lang), err=True)
            sys.exit(1)
        finally:
            import shutil

            if col is not None:
                shutil.rmtree(col.read_dir, ignore_errors=True)
            lock.release()
        for item in run.items:
            click.echo(_collected_line(item, lang))
        for p in missing:
            say(lang, f"  找不到文件或文件夹，未收集  {p}", f"  not found, not collected  {p}")
        line = run.summary_line(lang)
        if missing:
            line += f"，找不到 {len(missing)}" if lang == "zh" else f", not found {len(missing)}"
        click.echo(line)
        bad = missing or any(
            i.outcome == FAILED or (i.outcome == NEW and (i.counts["error"] or i.unit is None or i.awaits_assignment))
            for i in run.items
        )
        sys.exit(1 if bad else 0)


# --------------------------------------------------------------------------- status


def _unit_detail(c, st, lang: str) -> str:
    from xltool.campaign.status import REOPENED, STATE_EN, pending_files, pending_lines, time_text
    from xltool.findings import counts

    zh = lang == "zh"
    u = st.unit
    out = [f"{u.name}（{u.code}）：{st.state}" if zh else f"{u.name} ({u.code}): {STATE_EN[st.state]}"]
    if st.issued_at:
        out.append(("  模板下发：" if zh else "  template issued: ") + time_text(st.issued_at))
    if st.decision:
        what = {"accepted": "接受", "locked": "锁定"}[st.decision.state] if zh else st.decision.state
        ver = next((v.label_in(lang) for v in st.versions if v.id == st.decision.version_id), "")
        out.append(
            f"  {what}{'：' if zh else ': '}{ver}  {time_text(st.decision.at)}"
            + (f"  {st.decision.note}" if st.decision.note else "")
        )
    if st.state == REOPENED and st.reopened is not None:
        out.append(
            f"  重新打开：{time_text(st.reopened.at)}  {st.reopened.why}（需重新接受：xltool campaign accept {u.code}）"
            if zh
            else f"  reopened: {time_text(st.reopened.at)}  {st.reopened.why} (to be accepted again: xltool campaign "
            f"accept {u.code})"
        )
    for v in st.versions:
        n = counts(st.version_findings(v))
        mark = ""
        if st.effective is not None and v.id == st.effective.id:
            mark = "  ← 计入汇总" if zh else "  <- counted"
        c_ = (
            f"错误 {n['error']}，警告 {n['warning']}，提示 {n['info']}"
            if zh
            else f"{n['error']}E {n['warning']}W {n['info']}I"
        )
        out.append(f"  {v.label_in(lang)}  {time_text(v.received_at)}  {v.name_in(lang)}  {v.sha256[:12]}  {c_}{mark}")
        if v.assigned:
            why = f"（{v.assigned_why}）" if v.assigned_why else ""
            out.append(
                f"      政务公开办指定为本单位的版本{why}  {time_text(v.assigned_at)}".rstrip()
                if zh
                else f"      filed under this unit by the clerk{f' ({v.assigned_why})' if v.assigned_why else ''}  "
                f"{time_text(v.assigned_at)}".rstrip()
            )
    if st.latest is not None:
        out.append("")
        out.append(f"{st.latest.label}的问题：" if zh else f"Findings of version {st.latest.seq}:")
        fs = st.findings
        if not fs:
            out.append("  无" if zh else "  none")
        for f in fs:
            out.append("  " + f.message(lang).replace("\n", "\n  "))
        for p in st.latest.feedback:
            out.append(("  反馈文件：" if zh else "  feedback: ") + str(c.root / p))
    if st.explanations:
        out.append("")
        out.append("说明：" if zh else "Explanations:")
        for rule, text in sorted(st.explanations.items()):
            out.append(f"  {rule}{'：' if zh else ': '}{text}")
    pending = pending_files(c, u)
    if pending:
        out.append("")
        out += pending_lines(pending, lang)
    return "\n".join(out)


@command.command(
    "status",
    cls=Command,
    help_en="""Where every unit stands: 未发 / 已发未收 / 已收有错误 / 已收待说明 / 已接受 / 已锁定 (and 已重新打开
    after reopen).

    With UNIT (code or name): that unit's versions, findings and 说明. Files 待确认归属 (content of one unit,
    name of another) are listed apart, each with the `xltool campaign assign` command that settles it.

    Example:

    \b
        xltool campaign status
        xltool campaign status 民政局
        xltool campaign status --reminder --deadline 1月20日
    """,
)
@unit_argument(
    required=False,
    help="只看这个单位（代码或名称）：它的各个版本、问题和说明。",
    help_en="Only this unit (code or name): its versions, findings and 说明.",
)
@json_option()
@option(
    "--reminder",
    is_flag=True,
    help="输出一份可直接发送的催报通知，列出未报送和有错误的单位。",
    help_en="Print a ready-to-send 催报 text for the missing and invalid units.",
)
@option(
    "--deadline",
    help="与 --reminder 一起用：报送截止日期，如 1月20日。",
    help_en="For --reminder: the date to report by, e.g. 1月20日.",
)
@option(
    "--sender",
    help="与 --reminder 一起用：落款（默认：<本级名称>政务公开办）。",
    help_en="For --reminder: who signs it (default: <district>政务公开办).",
)
@campaign_option
@lang_option
def status_cmd(unit, as_json, reminder, deadline, sender, campaign_dir, lang) -> None:
    """各单位的进度：未发 / 已发未收 / 已收有错误 / 已收待说明 / 已接受 / 已锁定（reopen 之后为已重新打开）。

    给出单位（代码或名称）时，显示该单位的各个版本、问题和说明。待确认归属的文件（内容属于一个单位，文件名
    指向另一个单位）单独列出，每个都附有确认归属的 xltool campaign assign 命令。

    示例：

    \b
        xltool campaign status
        xltool campaign status 民政局
        xltool campaign status --reminder --deadline 1月20日
    """
    from xltool.campaign import campaign_status, pending_files, status_of

    with _open(campaign_dir) as c:
        if unit:
            u = _unit(c, unit)
            st = status_of(c, u)
            if as_json:
                doc = st.to_dict(lang)
                doc["pending_assignment"] = [p.to_dict(lang) for p in pending_files(c, u)]
                click.echo(json.dumps(printable_tree(doc), ensure_ascii=False, indent=1))
            else:
                click.echo(_unit_detail(c, st, lang))
            return
        st = campaign_status(c)
        if as_json:
            doc = st.to_dict(lang)
            if reminder:
                doc["reminder"] = st.reminder(sender=sender, deadline=deadline, lang=lang)
            click.echo(json.dumps(printable_tree(doc), ensure_ascii=False, indent=1))
        elif reminder:
            click.echo(st.reminder(sender=sender, deadline=deadline, lang=lang))
        else:
            click.echo(st.text(lang))


# --------------------------------------------------------------------------- decisions


@command.command(
    "explain",
    cls=Command,
    help_en="""Record the unit's 说明 for one of its 警告 such as X-CARRY; a unit whose only findings are
    explained warnings is accepted. A RULE the unit has no warning for is refused (exit 2) with the rules it does have.

    Example:

    \b
        xltool campaign explain 民政局 X-CARRY "上年结转数含已撤回的申请 1 件"
    """,
)
@unit_argument()
@argument(
    "rule",
    metavar=("规则", "RULE"),
    help="警告的规则代码，如 X-CARRY。",
    help_en="The warning's rule id, e.g. X-CARRY.",
)
@argument(
    "text",
    nargs=-1,
    required=True,
    metavar=("说明...", "TEXT..."),
    help="说明的文字（含空格时请用英文引号括起来）。",
    help_en="The text of the 说明 (quote it if it has spaces).",
)
@campaign_option
@lang_option
def explain_cmd(unit, rule, text, campaign_dir, lang) -> None:
    """记录单位对其某条警告（如 X-CARRY）的说明；只剩已说明的警告的单位即被接受。

    单位没有的警告规则会被拒绝（退出码 2），并列出它有的警告规则。

    示例：

    \b
        xltool campaign explain 民政局 X-CARRY "上年结转数含已撤回的申请 1 件"
    """
    from xltool.campaign import explain

    u, st = _on_unit(campaign_dir, unit, lambda c, u: explain(c, u, rule, " ".join(text)))
    rid = rule.strip().upper()
    say(
        lang,
        f"已记录 {u.name} 的 {rid} 说明；状态：{st.state}",
        f"Explanation of {rid} recorded for {u.name}; state: {_state(st, lang)}",
    )
    left = sorted({f.rule for f in st.unexplained})
    if left:
        say(lang, "尚未说明的警告：" + "、".join(left), "Warnings not yet explained: " + ", ".join(left))


@command.command(
    "accept",
    cls=Command,
    help_en="""Accept the unit's latest version (no errors; warnings explained, or --why).

    Example:

    \b
        xltool campaign accept 民政局 --why "已电话核实，数据无误"
    """,
)
@unit_argument()
@why_option(
    "经办人的理由（有未说明的警告时必填），记入操作记录。",
    "The clerk's reason, required when warnings have no 说明.",
)
@campaign_option
@lang_option
def accept_cmd(unit, why, campaign_dir, lang) -> None:
    """接受单位的最新版本（须没有错误，警告须已有说明或用 --why 写明理由）。

    示例：

    \b
        xltool campaign accept 民政局 --why "已电话核实，数据无误"
    """
    from xltool.campaign import accept

    u, st = _on_unit(campaign_dir, unit, lambda c, u: accept(c, u, why))
    say(
        lang,
        f"已接受 {u.name} 的{st.latest.label if st.latest else ''}；状态：{st.state}",
        f"Accepted {st.latest.label_in('en') if st.latest else ''} of {u.name}; state: {_state(st, lang)}",
    )


@command.command(
    "lock",
    cls=Command,
    help_en="""Lock the version that counts: later files are recorded but do not change the summary until `reopen`.

    Example:

    \b
        xltool campaign lock 科学技术局
        xltool campaign lock 住房和城乡建设局 --version 1 --why "第2版有误，按第1版汇总"
        xltool campaign lock --all
    """,
)
@argument(
    "units",
    nargs=-1,
    metavar=("[单位]...", "[UNITS]..."),
    help="要锁定的单位（代码或名称），可以给出多个。",
    help_en="The units to lock (code or name).",
)
@option(
    "--all",
    "all_accepted",
    is_flag=True,
    help="锁定目前所有已接受的单位。",
    help_en="Lock every unit that is accepted now.",
)
@option(
    "--version",
    "version",
    type=int,
    help="锁定这个版本号（默认：最新版本）。",
    help_en="Lock this version number instead of the latest.",
)
@why_option(
    "经办人的理由（锁定有未说明的警告的版本时必填），记入操作记录。",
    "The clerk's reason (required for a version with unexplained warnings).",
)
@campaign_option
@lang_option
def lock_cmd(units, all_accepted, version, why, campaign_dir, lang) -> None:
    """锁定计入汇总的版本：之后收到的文件照常登记，但在 reopen 之前不改变汇总。

    示例：

    \b
        xltool campaign lock 科学技术局
        xltool campaign lock 住房和城乡建设局 --version 1 --why "第2版有误，按第1版汇总"
        xltool campaign lock --all
    """
    from xltool.campaign import ACCEPTED, CampaignError, campaign_status, lock

    zh = lang == "zh"
    if not units and not all_accepted:
        raise click.UsageError(
            "请给出单位，或用 --all 锁定所有已接受的单位"
            if zh
            else "give the units, or --all to lock every accepted one"
        )
    if version is not None and (all_accepted or len(units) != 1):
        raise click.UsageError("--version 只能用于一个单位" if zh else "--version applies to one unit only")
    with _open(campaign_dir) as c:
        if all_accepted:
            targets = [s.unit for s in campaign_status(c).units if s.state == ACCEPTED]
        else:
            targets = [_unit(c, t) for t in units]
        failed = 0
        for u in targets:
            try:
                st = lock(c, u, version, why)
            except CampaignError as e:
                if not all_accepted and len(targets) == 1:
                    raise _fail(e) from e
                say(lang, f"未锁定：{e.text('zh')}", f"Not locked: {e.text('en')}", err=True)
                failed += 1
                continue
            ver = st.effective.label_in(lang) if st.effective else ""
            say(lang, f"已锁定 {u.name} 的{ver}", f"Locked {ver} of {u.name}")
        if all_accepted:
            n = len(targets) - failed
            say(lang, f"共锁定 {n} 个单位", f"{n} units locked")
        sys.exit(1 if failed else 0)


@command.command(
    "reopen",
    cls=Command,
    help_en="""Undo the acceptance or lock of a unit; the reason is required and logged.

    The unit is then 已重新打开 (reopened): not accepted until you accept (or lock) it again, or a new version
    arrives. The summary still counts its latest version without errors.

    Example:

    \b
        xltool campaign reopen 民政局 --why "单位报送了更正版本"
    """,
)
@unit_argument()
@why_option(
    "撤销接受或锁定的理由（记入操作记录）。",
    "Why the acceptance or lock is undone (kept in the audit trail).",
    required=True,
)
@campaign_option
@lang_option
def reopen_cmd(unit, why, campaign_dir, lang) -> None:
    """撤销对单位的接受或锁定；必须写明理由，理由记入操作记录。

    之后单位的状态为“已重新打开”：在再次接受（或锁定）之前、或收到新版本之前，不算已接受。汇总仍计入其最近一个
    无错误的版本。

    示例：

    \b
        xltool campaign reopen 民政局 --why "单位报送了更正版本"
    """
    from xltool.campaign import reopen
    from xltool.campaign.status import REOPENED

    u, st = _on_unit(campaign_dir, unit, lambda c, u: reopen(c, u, why))
    say(lang, f"已重新打开 {u.name}；状态：{st.state}", f"Reopened {u.name}; state: {_state(st, lang)}")
    if st.state == REOPENED and st.latest is not None:
        counted = (
            (
                f"汇总暂仍计入{st.effective.label}。"
                if lang == "zh"
                else f"The summary still counts {st.effective.label_in('en')}."
            )
            if st.effective is not None
            else ""
        )
        say(
            lang,
            f"  {st.latest.label}不再算作已接受，需重新接受（xltool campaign accept {u.code}）或收到新版本；{counted}",
            f"  {st.latest.label_in('en')} no longer counts as accepted until you accept it again (xltool campaign "
            f"accept {u.code}) or a new version arrives. {counted}".rstrip(),
        )


@command.command(
    "assign",
    cls=Command,
    help_en="""Say which unit a received file belongs to: an unidentified file, or one 待确认归属 (its name points to
    another unit than its content).

    FILE is the received file's name, its path, or a SHA-256 prefix (see status and log).

    Example:

    \b
        xltool campaign assign 3f9a2c01b7 科学技术局 --why "电话核实"
    """,
)
@argument(
    "file",
    metavar=("文件", "FILE"),
    help="收到的文件：文件名、路径或 SHA-256 的前几位（见 status 和 log）。",
    help_en="The received file: its name, its path, or a SHA-256 prefix (see status and log).",
)
@unit_argument(help="该文件所属单位的代码或名称。", help_en="The code or name of the unit the file belongs to.")
@why_option("如何确认的所属单位（如 电话核实），记入操作记录。", "How the unit was confirmed (e.g. 电话核实).")
@campaign_option
@lang_option
def assign_cmd(file, unit, why, campaign_dir, lang) -> None:
    """指定收到的文件属于哪个单位：无法识别单位的文件，或待确认归属的文件（文件名指向的单位与内容不同）。

    文件 可以是收到的文件名、路径或 SHA-256 的前几位（见 status 和 log）。

    示例：

    \b
        xltool campaign assign 3f9a2c01b7 科学技术局 --why "电话核实"
    """
    from xltool.campaign import assign
    from xltool.findings import counts

    u, (v, st) = _on_unit(campaign_dir, unit, lambda c, u: assign(c, file, u, why))
    say(
        lang,
        f"已将 {v.name_in('zh')} 指定为 {u.name} 的{v.label}；状态：{st.state}",
        f"{v.name_in('en')} assigned to {u.name} as {v.label_in('en')}; state: {_state(st, lang)}",
    )
    fs = st.version_findings(v) if any(x.id == v.id for x in st.versions) else v.findings()
    n = counts(fs)
    rules = sorted({f.rule for f in fs if f.severity in ("error", "warning")})
    listed = ("：" + "、".join(rules) if lang == "zh" else ": " + ", ".join(rules)) if rules else ""
    say(
        lang,
        f"  已按{u.name}重新校验（含与其上年数据的比较）：错误 {n['error']}，警告 {n['warning']}{listed}",
        f"  checked again as {u.name}'s return (with its data of last year): errors {n['error']}, warnings "
        f"{n['warning']}{listed}",
    )


# --------------------------------------------------------------------------- roster


@command.command(
    "roster",
    cls=Command,
    help_en="""Change the roster during the season: show how NEWROSTER differs from the roster in use (units added,
    renamed — the same code —, removed) and apply it, with an entry in the log.

    A removed unit's versions are kept, but it is no longer due and never counted. Without NEWROSTER, the
    campaign's own 名单 file is compared (after it was edited or copied over). --dry-run only shows.

    Example:

    \b
        xltool campaign roster 名单2.csv --why "机构改革：城市管理局更名"
        xltool campaign roster --dry-run
    """,
)
@argument(
    "new_roster",
    required=False,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar=("[新名单]", "[NEWROSTER]"),
    help="新的单位名单 CSV/XLSX（默认：收集文件夹中的 名单.csv，改动后用它）。",
    help_en="The new roster CSV/XLSX (default: the campaign's own 名单 file, after you changed it).",
)
@option("--dry-run", is_flag=True, help="只显示差异，不应用。", help_en="Only show the differences.")
@why_option("更新名单的原因（如 机构改革），记入操作记录。", "Why the roster changes (kept in the audit trail).")
@campaign_option
@lang_option
def roster_cmd(new_roster, dry_run, why, campaign_dir, lang) -> None:
    """在收集期间更新单位名单：显示新名单与当前名单的差异（新增、改名——代码相同、移除）并应用，记入操作记录。

    被移除的单位，已收的版本仍保留，但不再应报，也不计入汇总。不给出新名单时，比较收集文件夹中的名单文件
    （修改或替换之后）。--dry-run 只显示差异。

    示例：

    \b
        xltool campaign roster 名单2.csv --why "机构改革：城市管理局更名"
        xltool campaign roster --dry-run
    """
    from xltool.campaign.roster_update import apply_roster, compare_roster
    from xltool.commands.options import echo_roster_notes
    from xltool.errors import XltoolError

    zh = lang == "zh"
    with _open(campaign_dir, roster_warning=False) as c:
        src = new_roster or c.roster_file
        if new_roster is None and not src.is_file():
            raise CannotProceed(
                f"收集文件夹中没有名单文件（{src.name}），请给出新名单"
                if zh
                else f"the campaign has no roster file ({src.name}); give the new roster"
            )
        try:
            change = compare_roster(c, src)
        except (XltoolError, OSError) as e:
            raise _fail(e) from e
        echo_roster_notes(change.roster, lang)
        n_now, n_new = len(c.roster.units), len(change.roster.units)
        if change.empty:
            say(
                lang,
                f"名单 {src.name}（{n_new} 个单位）与当前名单相同，无需更新",
                f"The roster {src.name} ({n_new} units) is the roster in use; nothing to change",
            )
            if not dry_run and src.resolve() == c.roster_file.resolve() and c.roster_changed_on_disk():
                apply_roster(c, change, why)  # the same units in an edited file (order, layout): recorded as in use
            return
        say(
            lang,
            f"名单 {src.name}：{n_new} 个单位（当前 {n_now} 个）。差异：",
            f"Roster {src.name}: {n_new} units (now {n_now}). Differences:",
        )
        for line in change.lines(lang):
            click.echo(line)
        if dry_run:
            say(lang, "（--dry-run：未应用）", "(--dry-run: not applied)")
            return
        try:
            apply_roster(c, change, why)
        except (XltoolError, OSError) as e:
            raise _fail(e) from e
        say(
            lang,
            f"已应用：新增 {len(change.added) + len(change.restored)}，改名 {len(change.renamed)}，"
            f"移除 {len(change.removed)}；名单现有 {n_new} 个单位（已记入操作记录）",
            f"Applied: added {len(change.added) + len(change.restored)}, renamed {len(change.renamed)}, removed "
            f"{len(change.removed)}; the roster now has {n_new} units (recorded in the log)",
        )
        for sha, name, u in change.suggestions:
            say(
                lang,
                f"  无法确定单位的文件 {name} 的内容属于新增的 {u.name}：xltool campaign assign {sha[:12]} {u.code}",
                f"  The file of unknown unit {name} is, by its content, the added {u.name}'s: "
                f"xltool campaign assign {sha[:12]} {u.code}",
            )
        if change.added or change.renamed:
            say(
                lang,
                "  新增和改名的单位需要新模板：xltool campaign templates",
                "  Added and renamed units need their templates: xltool campaign templates",
            )


# --------------------------------------------------------------------------- log and summary


@command.command(
    "log",
    cls=Command,
    help_en="""The audit trail: every init, roster change, template, collect run and file received (duplicates too),
    automatic acceptance, 说明, accept, lock, reopen, assign and summary. A run that did not finish is marked.

    Example:

    \b
        xltool campaign log 民政局
    """,
)
@unit_argument(
    required=False,
    help="只看这个单位（代码或名称）的记录。",
    help_en="Only this unit's entries (code or name).",
)
@json_option("在标准输出上输出一个 JSON 数组。", "One JSON array on stdout.")
@campaign_option
@lang_option
def log_cmd(unit, as_json, campaign_dir, lang) -> None:
    """操作记录：每一次建立、更新名单、下发模板、收集（每次运行和收到的每个文件，重复的也在内）、自动接受、说明、
    接受、锁定、重新打开、指定归属和汇总。未正常结束的收集会标出。

    示例：

    \b
        xltool campaign log 民政局
    """
    from xltool.campaign.log import ACTION_ZH, describe, entries, unfinished_runs
    from xltool.campaign.status import time_text

    with _open(campaign_dir) as c:
        u = _unit(c, unit) if unit else None
        rows = entries(c, u)
        names = {x.code: x.name for x in (*c.roster.units, *c.removed)}
        if as_json:
            click.echo(
                json.dumps(
                    printable_tree([e.to_dict(names.get(e.unit_code or "")) for e in rows]),
                    ensure_ascii=False,
                    indent=1,
                )
            )
            return
        killed = unfinished_runs(entries(c) if u is not None else rows)
        for e in rows:
            who = names.get(e.unit_code or "", e.unit_code or "")
            act = ACTION_ZH.get(e.action, e.action) if lang == "zh" else e.action
            tail = f"xltool {e.tool_version}" + (f" {e.user}" if e.user else "")
            text = describe(e, lang, lambda code: names.get(code or "", code or ""))
            if e.id in killed:
                text += (
                    "（未正常结束：进程被终止，或仍在运行）"
                    if lang == "zh"
                    else " (did not finish: killed, or still running)"
                )
            click.echo("  ".join(x for x in (time_text(e.at), act, who, text, f"[{tail}]") if x))


@command.command(
    "summary",
    cls=Command,
    help_en="""Consolidate the effective versions (per unit: the locked one, else the latest without errors).

    Exit status: 0 done, 1 the consolidated result fails its own check (C-SUM), 2 usage error,
    3 could not proceed.

    Example:

    \b
        xltool campaign summary -o 汇总.xlsx
    """,
)
@output_option("要写出的汇总表（.xlsx）。", "The summary .xlsx.", required=True)
@json_option("在标准输出上输出汇总结果的 JSON。", "The consolidation as JSON on stdout.")
@campaign_option
@lang_option
def summary_cmd(output, as_json, campaign_dir, lang) -> None:
    """汇总各单位计入的版本（锁定的版本，否则为最近一个没有错误的版本）。

    退出码：0 完成，1 汇总结果未通过自身校验（C-SUM），2 命令用法有误，3 无法继续。

    示例：

    \b
        xltool campaign summary -o 汇总.xlsx
    """
    from xltool.campaign import CampaignError, write_campaign_summary

    check_summary_path(output, lang)
    with _open(campaign_dir) as c:
        try:
            cons, st, path = write_campaign_summary(c, output)
        except CampaignError as e:
            raise _fail(e) from e
        except OSError as e:
            raise write_error(e, output) from e
        from xltool.campaign.summary import not_counted

        astray = not_counted(cons, st)  # counted by status, not by the summary: never expected, never hidden
        if as_json:
            doc = cons.to_dict(lang)
            doc["campaign_header"] = st.header(lang)
            doc["output"] = str(path)
            doc["not_counted"] = [{"code": u.unit.code, "name": u.unit.name} for u in astray]
            click.echo(json.dumps(printable_tree(doc), ensure_ascii=False, indent=1))
        else:
            counted = cons.counts["counted"]  # what the workbook counts, and says
            click.echo(st.header(lang))
            say(
                lang,
                f"汇总计入 {counted} 个单位（各单位的锁定版本或最近一个无错误版本）：{path}",
                f"Counted {counted} units (locked version, else latest without errors): {path}",
            )
            if not cons.ok:
                echo_findings(cons.csum, lang)
        for u in astray:
            say(
                lang,
                f"警告：{u.unit.name}在收集状态中计入汇总（{u.effective.label}），汇总表却未计入，请检查问题清单",
                f"Warning: {u.unit.name} counts in the campaign's status ({u.effective.label_in('en')}) but the "
                "summary did not count it; see its findings",
                err=True,
            )
        sys.exit(0 if cons.ok and not astray else 1)
