"""`xltool campaign`: one year's collection kept in a folder — init, templates, collect, status, explain,
accept, lock, reopen, assign, log, summary. Each command is a thin layer over `xltool.campaign`.

After `init`, a command finds its campaign from the current folder (looking upwards for campaign.db)
or from `--campaign DIR`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from xltool.cli import CannotProceed, lang_option, progress_bar, silent_option


def campaign_option(f):
    return click.option(
        "--campaign",
        "campaign_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="The campaign folder (default: the one containing the current folder).",
    )(f)


def _open(campaign_dir: Path | None):
    from xltool.campaign import CampaignError, open_campaign
    from xltool.campaign.store import SCHEMA_VERSION

    try:
        c = open_campaign(campaign_dir, search=True)
    except CampaignError as e:
        raise CannotProceed(str(e)) from e
    if c.migrated:
        old = min(c.migrated) - 1
        click.echo(
            f"提示：收集库已从版本 {old} 升级到版本 {SCHEMA_VERSION}"
            + (f"（原库备份为 campaign.db.v{old}.bak）" if old else ""),
            err=True,
        )
    return c


def _unit(c, text: str):
    from xltool.campaign import CampaignError, resolve_unit

    try:
        return resolve_unit(c, text)
    except CampaignError as e:
        raise CannotProceed(str(e)) from e


def _fail(e: Exception) -> CannotProceed:
    return CannotProceed(str(e))


@click.group("campaign")
def command() -> None:
    """A year's collection in a folder: who was sent what, every version received, 说明, decisions, audit.

    Example:

    \b
        xltool campaign init 2021收集 --year 2021 --roster 名单.csv --prior 2020收集
        cd 2021收集 && xltool campaign templates
        xltool campaign collect ~/邮件附件/ /media/U盘/
        xltool campaign status --reminder
        xltool campaign summary -o 汇总.xlsx
    """


# --------------------------------------------------------------------------- init


@command.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--year", required=True, type=int, help="The reporting year being collected.")
@click.option(
    "--roster",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Roster CSV/XLSX (code,name,category): the units that must report. Copied into the campaign.",
)
@click.option(
    "--prior",
    type=click.Path(exists=True, path_type=Path),
    help="Last year's data: a folder of returns, last year's summary .xlsx, or last year's campaign folder.",
)
@click.option("--form", "form_id", default="gov-disclosure-2021", show_default=True, help="The form id.")
@click.option("--name", help="The district's name (default: the roster names' common start, e.g. 烟台市芝罘区).")
def init_cmd(directory, year, roster, prior, form_id, name) -> None:
    """Create a campaign folder: campaign.db, outbox/, store/, feedback/; record the roster and last year's data.

    Example:

    \b
        xltool campaign init 2021收集 --year 2021 --roster samples/roster.csv --prior samples/prior/
    """
    from xltool.campaign import init_campaign
    from xltool.errors import XltoolError

    try:
        c, notes = init_campaign(directory, year=year, roster=roster, prior=prior, form=form_id, name=name)
    except (XltoolError, OSError) as e:
        raise _fail(e) from e
    with c:
        n_prior = c.conn.execute("SELECT COUNT(*) FROM prior_reports WHERE unit_code IS NOT NULL").fetchone()[0]
        click.echo(f"已建立 {year} 年度收集：{c.root}")
        click.echo(
            f"  名单 {len(c.roster.units)} 个单位" + (f"，上年数据 {n_prior} 个单位" if prior else "，无上年数据")
        )
        for n in notes:
            click.echo(f"  提示：{n}", err=True)
        click.echo(f"下一步：cd {c.root} && xltool campaign templates")


# --------------------------------------------------------------------------- templates


@command.command("templates")
@click.option("--password", help="Sheet password (default: the tool's default). Only its hash is stored.")
@campaign_option
@silent_option
def templates_cmd(password, campaign_dir, silent) -> None:
    """Write every unit's template into outbox/ (上年结转 pre-filled) and record what was issued.

    Example:

    \b
        xltool campaign templates
    """
    from xltool.campaign import CampaignError, issue_templates

    c = _open(campaign_dir)
    with c:
        units = list(c.roster.units)
        with progress_bar(units, "生成模板", silent) as bar:
            tick = (lambda _p: bar.update(1)) if hasattr(bar, "update") else None
            try:
                issued = issue_templates(c, password=password, progress=tick)
            except (CampaignError, OSError) as e:
                raise _fail(e) from e
        click.echo(f"已下发 {len(issued)} 个模板到 {c.outbox}")


# --------------------------------------------------------------------------- collect


def _collected_line(item, lang: str) -> str:
    from xltool.campaign.collect import DUPLICATE, FAILED

    zh = lang == "zh"
    name = item.path.name
    if item.outcome == FAILED:
        return f"  无法读取原文件  {name}  {item.error}" if zh else f"  cannot read  {name}  {item.error}"
    if item.outcome == DUPLICATE:
        code, seq = item.duplicate_of or (None, None)
        who = item.unit.name if item.unit else ("未识别" if zh else "unidentified")
        if zh:
            return f"  重复，未登记  {name}（与 {who}{f'第{seq}版' if seq else ''} 相同）"
        return f"  duplicate  {name} (same as {who}{f' version {seq}' if seq else ''})"
    c = item.counts
    if item.unit is None:
        head = "  无法确定单位" if zh else "  unit unknown"
        return f"{head}  {name}  {item.sha256[:12]}"
    ver = f"第{item.seq}版" if zh else f"v{item.seq}"
    tail = f"错误 {c['error']}，警告 {c['warning']}" if zh else f"errors {c['error']}, warnings {c['warning']}"
    how = ""
    if item.identified_by == "filename":
        how = "（按文件名认定）" if zh else " (by file name)"
    if item.named is not None:
        how += f"（文件名指向 {item.named.name}！）" if zh else f" (file name says {item.named.name}!)"
    return f"  {ver}  {item.unit.name}{how}  {name}  {tail}"


@command.command("collect")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@campaign_option
@lang_option
@silent_option
def collect_cmd(paths, campaign_dir, lang, silent) -> None:
    """Collect returned files (and folders): store each under its sha256, identify, validate, record a version.

    The originals are never changed or moved. A file collected twice adds nothing. Feedback (text and an
    annotated workbook) goes to feedback/<unit>/.

    Exit status: 0 every new version is free of errors, 1 some have errors or could not be assigned, 3 could not
    proceed (another collect is running).

    Example:

    \b
        xltool campaign collect ~/邮件附件/ 科技局.xlsx
    """
    from xltool.campaign import CampaignBusy, Collector
    from xltool.campaign.collect import FAILED, NEW, CollectRun, inputs

    c = _open(campaign_dir)
    with c:
        files = inputs(c, paths)
        if not files:
            raise CannotProceed("没有找到可收集的文件（.xlsx/.xls/.et/.ods/.json/...）")
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
            with progress_bar(files, "收集" if lang == "zh" else "Collecting", silent) as bar:
                for f in bar:
                    run.items.append(col.add(f))
        finally:
            import shutil

            if col is not None:
                shutil.rmtree(col.read_dir, ignore_errors=True)
            lock.release()
        for item in run.items:
            click.echo(_collected_line(item, lang))
        click.echo(run.summary_line(lang))
        bad = any(
            i.outcome == FAILED or (i.outcome == NEW and (i.counts["error"] or i.unit is None)) for i in run.items
        )
        sys.exit(1 if bad else 0)


# --------------------------------------------------------------------------- status


def _unit_detail(c, st, lang: str) -> str:
    from xltool.campaign.status import STATE_EN, open_findings
    from xltool.findings import counts

    zh = lang == "zh"
    u = st.unit
    out = [f"{u.name}（{u.code}）：{st.state if zh else STATE_EN[st.state]}"]
    if st.issued_at:
        out.append(("  模板下发：" if zh else "  template issued: ") + st.issued_at)
    if st.decision:
        what = {"accepted": "接受", "locked": "锁定"}[st.decision.state] if zh else st.decision.state
        ver = next((v.label for v in st.versions if v.id == st.decision.version_id), "")
        out.append(f"  {what}：{ver}  {st.decision.at}" + (f"  {st.decision.note}" if st.decision.note else ""))
    for v in st.versions:
        n = counts(open_findings(v, st.explanations))
        mark = ""
        if st.effective is not None and v.id == st.effective.id:
            mark = "  ← 计入汇总" if zh else "  <- counted"
        c_ = (
            f"错误 {n['error']}，警告 {n['warning']}，提示 {n['info']}"
            if zh
            else f"{n['error']}E {n['warning']}W {n['info']}I"
        )
        out.append(f"  {v.label}  {v.received_at}  {v.file_name}  {v.sha256[:12]}  {c_}{mark}")
    if st.latest is not None:
        out.append("")
        out.append(f"{st.latest.label}的问题：" if zh else f"Findings of version {st.latest.seq}:")
        fs = open_findings(st.latest, st.explanations)
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
            out.append(f"  {rule}：{text}")
    return "\n".join(out)


@command.command("status")
@click.argument("unit", required=False)
@click.option("--json", "as_json", is_flag=True, help="One machine-readable JSON document on stdout.")
@click.option("--reminder", is_flag=True, help="Print a ready-to-send 催报 text for the missing and invalid units.")
@click.option("--deadline", help="For --reminder: the date to report by, e.g. 1月20日.")
@click.option("--sender", help="For --reminder: who signs it (default: <district>政务公开办).")
@campaign_option
@lang_option
def status_cmd(unit, as_json, reminder, deadline, sender, campaign_dir, lang) -> None:
    """Where every unit stands: 未发 / 已发未收 / 已收有错误 / 已收待说明 / 已接受 / 已锁定.

    With UNIT (code or name): that unit's versions, findings and 说明.

    Example:

    \b
        xltool campaign status
        xltool campaign status 民政局
        xltool campaign status --reminder --deadline 1月20日
    """
    from xltool.campaign import campaign_status, status_of

    c = _open(campaign_dir)
    with c:
        if unit:
            u = _unit(c, unit)
            st = status_of(c, u)
            if as_json:
                click.echo(json.dumps(st.to_dict(lang), ensure_ascii=False, indent=1))
            else:
                click.echo(_unit_detail(c, st, lang))
            return
        st = campaign_status(c)
        if as_json:
            doc = st.to_dict(lang)
            if reminder:
                doc["reminder"] = st.reminder(sender=sender, deadline=deadline, lang=lang)
            click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
        elif reminder:
            click.echo(st.reminder(sender=sender, deadline=deadline, lang=lang))
        else:
            click.echo(st.text(lang))


# --------------------------------------------------------------------------- decisions


@command.command("explain")
@click.argument("unit")
@click.argument("rule")
@click.argument("text", nargs=-1, required=True)
@campaign_option
def explain_cmd(unit, rule, text, campaign_dir) -> None:
    """Record the unit's 说明 for a 警告 such as X-CARRY; a unit whose only findings are explained warnings is accepted.

    Example:

    \b
        xltool campaign explain 民政局 X-CARRY "上年结转数含已撤回的申请 1 件"
    """
    from xltool.campaign import CampaignError, explain

    c = _open(campaign_dir)
    with c:
        u = _unit(c, unit)
        try:
            st, note = explain(c, u, rule, " ".join(text))
        except CampaignError as e:
            raise _fail(e) from e
        if note:
            click.echo(f"提示：{note}", err=True)
        click.echo(f"已记录 {u.name} 的 {rule.upper()} 说明；状态：{st.state}")
        left = st.unexplained
        if left:
            click.echo("尚未说明的警告：" + "、".join(sorted({f.rule for f in left})))


@command.command("accept")
@click.argument("unit")
@click.option("--why", help="The clerk's reason, required when warnings have no 说明.")
@campaign_option
def accept_cmd(unit, why, campaign_dir) -> None:
    """Accept the unit's latest version (no errors; warnings explained, or --why).

    Example:

    \b
        xltool campaign accept 民政局 --why "已电话核实，数据无误"
    """
    from xltool.campaign import CampaignError, accept

    c = _open(campaign_dir)
    with c:
        u = _unit(c, unit)
        try:
            st = accept(c, u, why)
        except CampaignError as e:
            raise _fail(e) from e
        click.echo(f"已接受 {u.name} 的{st.latest.label if st.latest else ''}；状态：{st.state}")


@command.command("lock")
@click.argument("units", nargs=-1)
@click.option("--all", "all_accepted", is_flag=True, help="Lock every unit that is accepted now.")
@click.option("--version", "version", type=int, help="Lock this version number instead of the latest.")
@click.option("--why", help="The clerk's reason (required for a version with unexplained warnings).")
@campaign_option
def lock_cmd(units, all_accepted, version, why, campaign_dir) -> None:
    """Lock the version that counts: later files are recorded but do not change the summary until `reopen`.

    Example:

    \b
        xltool campaign lock 科学技术局
        xltool campaign lock 住房和城乡建设局 --version 1 --why "第2版有误，按第1版汇总"
        xltool campaign lock --all
    """
    from xltool.campaign import ACCEPTED, CampaignError, campaign_status, lock

    if not units and not all_accepted:
        raise click.UsageError("请给出单位，或用 --all 锁定所有已接受的单位")
    if version is not None and (all_accepted or len(units) != 1):
        raise click.UsageError("--version 只能用于一个单位")
    c = _open(campaign_dir)
    with c:
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
                click.echo(f"未锁定：{e}", err=True)
                failed += 1
                continue
            click.echo(f"已锁定 {u.name} 的{st.effective.label if st.effective else ''}")
        if all_accepted:
            click.echo(f"共锁定 {len(targets) - failed} 个单位")
        sys.exit(1 if failed else 0)


@command.command("reopen")
@click.argument("unit")
@click.option("--why", required=True, help="Why the acceptance or lock is undone (kept in the audit trail).")
@campaign_option
def reopen_cmd(unit, why, campaign_dir) -> None:
    """Undo the acceptance or lock of a unit; the reason is required and logged.

    Example:

    \b
        xltool campaign reopen 民政局 --why "单位报送了更正版本"
    """
    from xltool.campaign import CampaignError, reopen

    c = _open(campaign_dir)
    with c:
        u = _unit(c, unit)
        try:
            st = reopen(c, u, why)
        except CampaignError as e:
            raise _fail(e) from e
        click.echo(f"已重新打开 {u.name}；状态：{st.state}")


@command.command("assign")
@click.argument("file")
@click.argument("unit")
@click.option("--why", help="How the unit was confirmed (e.g. 电话核实).")
@campaign_option
def assign_cmd(file, unit, why, campaign_dir) -> None:
    """Say which unit a received file belongs to: an unidentified file, or one whose name points to another unit.

    FILE is the received file's name, its path, or a SHA-256 prefix (see status and log).

    Example:

    \b
        xltool campaign assign 3f9a2c01b7 科学技术局 --why "电话核实"
    """
    from xltool.campaign import CampaignError, assign

    c = _open(campaign_dir)
    with c:
        u = _unit(c, unit)
        try:
            v, st = assign(c, file, u, why)
        except CampaignError as e:
            raise _fail(e) from e
        click.echo(f"已将 {v.file_name} 指定为 {u.name} 的{v.label}；状态：{st.state}")


# --------------------------------------------------------------------------- log and summary


@command.command("log")
@click.argument("unit", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON array on stdout.")
@campaign_option
@lang_option
def log_cmd(unit, as_json, campaign_dir, lang) -> None:
    """The audit trail: every init, template, collect, 说明, accept, lock, reopen, assign and summary.

    Example:

    \b
        xltool campaign log 民政局
    """
    from xltool.campaign.log import ACTION_ZH, describe, entries

    c = _open(campaign_dir)
    with c:
        u = _unit(c, unit) if unit else None
        rows = entries(c, u)
        names = {x.code: x.name for x in c.roster.units}
        if as_json:
            click.echo(
                json.dumps([e.to_dict(names.get(e.unit_code or "")) for e in rows], ensure_ascii=False, indent=1)
            )
            return
        for e in rows:
            who = names.get(e.unit_code or "", e.unit_code or "")
            act = ACTION_ZH.get(e.action, e.action) if lang == "zh" else e.action
            tail = f"xltool {e.tool_version}" + (f" {e.user}" if e.user else "")
            click.echo(
                "  ".join(x for x in (e.at[:19].replace("T", " "), act, who, describe(e, lang), f"[{tail}]") if x)
            )


@command.command("summary")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The summary .xlsx."
)
@click.option("--json", "as_json", is_flag=True, help="The consolidation as JSON on stdout.")
@campaign_option
@lang_option
def summary_cmd(output, as_json, campaign_dir, lang) -> None:
    """Consolidate the effective versions (per unit: the locked one, else the latest without errors).

    Exit status: 0 done, 1 the consolidated result fails its own check (C-SUM), 3 could not proceed.

    Example:

    \b
        xltool campaign summary -o 汇总.xlsx
    """
    from xltool.campaign import CampaignError, write_campaign_summary

    if output.suffix.lower() != ".xlsx":
        raise click.BadParameter("汇总表应为 .xlsx 文件", param_hint="-o/--output")
    c = _open(campaign_dir)
    with c:
        try:
            cons, st, path = write_campaign_summary(c, output)
        except CampaignError as e:
            raise _fail(e) from e
        except OSError as e:
            hint = "（文件是否已在 Excel/WPS 中打开？）" if isinstance(e, PermissionError) else ""
            raise CannotProceed(f"无法写入 {output}：{e.strerror or e}{hint}") from e
        if as_json:
            doc = cons.to_dict(lang)
            doc["campaign_header"] = st.header(lang)
            doc["output"] = str(path)
            click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
        else:
            counted = sum(1 for u in st.units if u.effective)
            click.echo(st.header(lang))
            if lang == "zh":
                click.echo(f"汇总计入 {counted} 个单位（各单位的锁定版本或最近一个无错误版本）：{path}")
            else:
                click.echo(f"Counted {counted} units (locked version, else latest without errors): {path}")
            if not cons.ok:
                for f in cons.csum:
                    click.echo(f.message(lang), err=True)
        sys.exit(0 if cons.ok else 1)
