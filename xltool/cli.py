"""Command line: parse, call the library, print. Data on stdout, progress and messages on stderr.

Everything the clerk sees is Chinese by default, click's own texts included: usage errors ("No such option",
"Missing argument", "Invalid value for"), the help screens ("Usage:", "Options:", "[default: …]") and Python's
OSError texts. English with ``--lang en`` on the command line or ``XLTOOL_LANG=en`` in the environment.
The classes below do it in one place: :class:`Group` (the ``xltool`` group) decides the language before click
parses anything, renders click's usage errors in Chinese (exit code 2 kept) and turns a stray OSError into
exit 3 with a Chinese message; :class:`HelpFormatter` writes the help screens; :class:`Command`,
:class:`Option` and :class:`Argument` carry an English help text (``help_en``) next to the Chinese one.
"""

from __future__ import annotations

import ast
import errno
import inspect
import os
import re
import sys
import unicodedata
from contextlib import contextmanager
from contextvars import ContextVar

import click
from click.core import ParameterSource

from xltool import __version__

LANG_ENV = "XLTOOL_LANG"
"""Environment variable for the language of everything the CLI prints (``zh`` default, ``en``)."""

_LANG: ContextVar[str | None] = ContextVar("xltool_cli_lang", default=None)


def ui_lang() -> str:
    """The language of this run: ``--lang`` on the command line, else $XLTOOL_LANG, else ``zh``."""
    return _LANG.get() or _env_lang()


def _env_lang() -> str:
    return "en" if os.environ.get(LANG_ENV, "").strip().lower() == "en" else "zh"


def _lang_of(args: list[str]) -> str:
    """`--lang en` / `--lang=en` among the raw arguments (the last wins), before click has parsed them."""
    found = None
    for i, a in enumerate(args):
        if a == "--":
            break
        if a == "--lang" and i + 1 < len(args):
            found = args[i + 1]
        elif a.startswith("--lang="):
            found = a.split("=", 1)[1]
    found = (found or "").strip().lower()
    return found if found in ("zh", "en") else _env_lang()


@contextmanager
def _swapped(obj, attr: str, value):
    old = getattr(obj, attr)
    setattr(obj, attr, value)
    try:
        yield
    finally:
        setattr(obj, attr, old)


# --- help screens ------------------------------------------------------------------------------------------

_HEADINGS_ZH = {"Options": "选项", "Commands": "命令", "Positional arguments": "参数", "Arguments": "参数"}
_CLICK_HELP_ZH = {
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
}
_METAVARS_ZH = {
    "INTEGER RANGE": "整数",
    "INTEGER": "整数",
    "FLOAT RANGE": "数字",
    "FLOAT": "数字",
    "TEXT": "文本",
    "PATH": "路径",
    "FILE": "文件",
    "DIRECTORY": "文件夹",
    "BOOLEAN": "是/否",
    "OPTIONS": "选项",
    "COMMAND": "命令",
    "ARGS": "参数",
}


class _Lazy:
    """A regular expression compiled on first use: most runs never show help or a usage error, and compiling
    these at start-up cost ~5 ms of every `xltool validate`."""

    def __init__(self, make):  # noqa: ANN001 - a zero-argument callable returning a compiled pattern
        self._make, self._re = make, None

    def __getattr__(self, name: str):  # noqa: ANN204 - search, sub, finditer … of the compiled pattern
        if self._re is None:
            self._re = self._make()
        return getattr(self._re, name)


_METAVAR_RE = _Lazy(lambda: re.compile(r"\b(" + "|".join(_METAVARS_ZH) + r")\b"))
_EXTRA_RE = _Lazy(lambda: re.compile(r"\s*\[([^\[\]]*)\]\s*$"))


def _zh_metavars(text: str) -> str:
    return _METAVAR_RE.sub(lambda m: _METAVARS_ZH[m.group(1)], text)


def _zh_extra(item: str) -> str:
    item = item.strip()
    for en, zh in (("default: ", "默认："), ("env var: ", "环境变量：")):
        if item.startswith(en):
            return zh + item[len(en) :]
    item = re.sub(r"^x>=(\S+)$", r"≥\1", re.sub(r"^x<=(\S+)$", r"≤\1", item))
    return {"required": "必填"}.get(item, item)


def _zh_help_cell(text: str) -> str:
    """An option's help column: click's own sentences and the trailing [default: …; required] in Chinese."""
    text = _CLICK_HELP_ZH.get(text, text)
    m = _EXTRA_RE.search(text)
    if m:
        extra = "；".join(_zh_extra(x) for x in m.group(1).split(";"))
        text = f"{text[: m.start()]}  [{extra}]" if m.start() else f"[{extra}]"
    return text


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


_NO_LINE_START = set("，。、；：？！）》」』”’】,.;:?!)]}…")
_NO_LINE_END = set("（《「『“‘【([{")
_GLUE = set("<>_/\\.!-=~#")
"""ASCII characters that bind to a neighbouring Chinese one: <代码>_<单位名称>.xlsx, 表三!D7 stay whole."""


def _atoms(text: str) -> list[str]:
    """Pieces between which a line may break: Latin words, single Chinese characters, spaces.

    A Chinese run bound by ASCII punctuation to a Latin word (``<代码>_<单位名称>.xlsx``, ``表三!D7``) stays
    whole when not too long; an opening bracket stays with what follows, closing punctuation with what precedes.
    """
    groups: list[list[str]] = []
    for run in re.findall(r"[\x21-\x7e]+|\s+|[^\x21-\x7e\s]+", text):
        prev = groups[-1][-1] if groups else ""
        if prev and not prev.isspace() and not run.isspace() and (prev[-1] in _GLUE or run[0] in _GLUE):
            groups[-1].append(run)
        else:
            groups.append([run])
    pieces: list[str] = []
    for g in groups:
        word = "".join(g)
        if len(g) > 1 and _width(word) <= 36:
            pieces.append(word)
        else:
            pieces += [c for run in g for c in ([run] if run.isascii() else list(run))]
    out: list[str] = []
    for a in pieces:
        prev = out[-1] if out else ""
        if prev and not prev.isspace() and not a.isspace() and (prev[-1] in _NO_LINE_END or a[0] in _NO_LINE_START):
            out[-1] = prev + a
        else:
            out.append(a)
    return out


def _wrap(text: str, width: int, indent: str, first_indent: str | None = None) -> list[str]:
    """Greedy wrap by display width: Chinese breaks between any two characters, Latin words stay whole."""
    lines: list[str] = []
    cur, cur_w = first_indent if first_indent is not None else indent, 0
    start = len(cur)
    for tok in _atoms(text):
        if tok.isspace():
            if len(cur) > start:
                cur, cur_w = cur + " ", cur_w + 1
            continue
        w = _width(tok)
        if cur_w + w > width and len(cur) > start:
            lines.append(cur.rstrip())
            cur, cur_w, start = indent, 0, len(indent)
        cur, cur_w = cur + tok, cur_w + w
    lines.append(cur.rstrip())
    return lines


class HelpFormatter(click.HelpFormatter):
    """click's help formatter, in Chinese unless the run is in English; wraps by display width."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if ui_lang() == "zh":
            prefix = "用法：" if prefix is None else prefix
            args = _zh_metavars(args)
        super().write_usage(prog, args, prefix)

    def write_heading(self, heading: str) -> None:
        if ui_lang() == "zh":
            self.write(f"{'':>{self.current_indent}}{_HEADINGS_ZH.get(heading, heading)}：\n")
        else:
            super().write_heading(heading)

    def write_text(self, text: str) -> None:
        if ui_lang() != "zh":
            return super().write_text(text)
        indent = " " * self.current_indent
        paragraphs = re.split(r"\n\s*\n", text)
        for i, para in enumerate(paragraphs):
            if i:
                self.write("\n")
            lines = para.splitlines()
            if lines and lines[0].strip() == "\b":  # click's "do not rewrap" marker
                for line in lines[1:]:
                    self.write(f"{indent}{line}\n")
                continue
            joined = " ".join(line.strip() for line in lines)
            joined = re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", joined)
            for line in _wrap(joined, max(self.width - self.current_indent, 20), indent):
                self.write(line + "\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        if ui_lang() != "zh":
            return super().write_dl(rows, col_max, col_spacing)
        rows = [(_zh_metavars(a), _zh_help_cell(b)) for a, b in rows]
        if not rows:
            return
        first_col = min(max(_width(a) for a, _ in rows), col_max) + col_spacing
        text_width = max(self.width - first_col - self.current_indent, 16)
        pad = " " * (self.current_indent + first_col)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if _width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - _width(first)))
            else:
                self.write("\n" + pad)
            lines = _wrap(second, text_width, pad, first_indent="")
            self.write("\n".join(lines) + "\n")


class Context(click.Context):
    formatter_class = HelpFormatter

    @contextmanager
    def scope(self, cleanup: bool = True):
        # the parser raises some usage errors ("Option '--prior' requires an argument.") without a context;
        # give them this one so that the message can show the usage line and describe the option's value
        try:
            with super().scope(cleanup=cleanup) as ctx:
                yield ctx
        except click.UsageError as e:
            if e.ctx is None:
                e.ctx = self
            raise


class Option(click.Option):
    """An option with its help in Chinese (``help``) and English (``help_en``)."""

    def __init__(self, *args, help_en: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.help_en = help_en

    def get_help_record(self, ctx):
        if ui_lang() == "en" and self.help_en is not None:
            with _swapped(self, "help", self.help_en):
                return super().get_help_record(ctx)
        return super().get_help_record(ctx)


class Argument(click.Argument):
    """An argument with a Chinese and an English name in usage lines (``metavar=(zh, en)``) and help."""

    def __init__(self, *args, metavar: tuple[str, str] | None = None, help_en: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.metavars = metavar
        self.help_en = help_en

    def make_metavar(self, ctx) -> str:
        if self.metavars:
            return self.metavars[1 if ui_lang() == "en" else 0]
        return super().make_metavar(ctx)

    def get_help_record(self, ctx):
        if ui_lang() == "en" and self.help_en is not None:
            with _swapped(self, "help", self.help_en):
                return super().get_help_record(ctx)
        return super().get_help_record(ctx)


def option(*decls: str, help: str, help_en: str | None = None, **kwargs):
    """`click.option` with the Chinese help and its English text."""
    return click.option(*decls, cls=Option, help=help, help_en=help_en, **kwargs)


def argument(name: str, *, metavar: tuple[str, str], help: str, help_en: str, **kwargs):
    """`click.argument` with a name for the usage line and help, each in Chinese and English."""
    return click.argument(name, cls=Argument, metavar=metavar, help=help, help_en=help_en, **kwargs)


class _Bilingual:
    """Help text per language for a command or group: the docstring in Chinese, ``help_en`` in English."""

    help: str | None
    short_help: str | None

    def __init__(self, *args, help_en: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.help_en = help_en

    def format_help_text(self, ctx, formatter) -> None:
        if ui_lang() == "en" and self.help_en:
            with _swapped(self, "help", self.help_en):
                return super().format_help_text(ctx, formatter)
        return super().format_help_text(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        if ui_lang() == "en" and self.help_en:
            with _swapped(self, "help", self.help_en):
                return super().get_short_help_str(limit)
        if ui_lang() == "zh" and self.help and not self.short_help:
            first = inspect.cleandoc(self.help).split("\n\n", 1)[0].replace("\n", "")
            short = re.split(r"(?<=[。；])", first, maxsplit=1)[0].rstrip("。；")
            return short if _width(short) <= 2 * limit else short[:limit] + "…"
        return super().get_short_help_str(limit)


class Command(_Bilingual, click.Command):
    """A command whose docstring is the Chinese help and ``help_en`` the English one."""

    context_class = Context


# --- errors ------------------------------------------------------------------------------------------------


class CannotProceed(click.ClickException):
    """Exit 3: the tool could not do its job (bad roster, bad form declaration, unwritable output)."""

    exit_code = 3

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        prefix = "Error: " if ui_lang() == "en" else "错误："
        click.echo(f"{prefix}{self.format_message()}", err=True)


class Interrupted(click.ClickException):
    """Ctrl+C (click would print "Aborted!")."""

    exit_code = 1

    def show(self, file=None) -> None:  # noqa: ANN001
        click.echo("\n已中断。" if ui_lang() == "zh" else "\nAborted!", err=True)


def os_error(e: OSError, *, path=None, writing: bool | None = None) -> CannotProceed:
    """Exit 3 for a file that could not be read or written, with the reason in the run's language."""
    from xltool.errtext import os_error_text

    if path is not None and e.filename is not None and not os.fspath(e.filename).startswith(os.fspath(path)):
        path = e.filename  # about another path (a folder on the way), not the target or its temporary file
    return CannotProceed(os_error_text(e, ui_lang(), path=path, writing=writing))


_CJK = _Lazy(lambda: re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"))


_QUOTED = _Lazy(lambda: re.compile(r"""'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*\""""))


def _unquote(q: str) -> str:
    try:
        return str(ast.literal_eval(q))
    except (ValueError, SyntaxError):
        return q[1:-1]


def _quoted(msg: str) -> str:
    """The first Python-quoted value in one of click's messages ('fr' in "'fr' is not one of …")."""
    m = _QUOTED.search(msg)
    return _unquote(m.group(0)) if m else ""


def _quoted_all(msg: str) -> list[str]:
    """Every Python-quoted value in a message ("Paths 'a.xlsx', 'b.xlsx' do not exist.")."""
    return [_unquote(m.group(0)) for m in _QUOTED.finditer(msg)]


def _join(items) -> str:
    return "、".join(str(x) for x in items)


def _label(param, ctx) -> str:
    if isinstance(param, click.Option):
        if ctx is not None and param.name and ctx.get_parameter_source(param.name) == ParameterSource.ENVIRONMENT:
            env = param.envvar if isinstance(param.envvar, str) else _join(param.envvar or [])
            return f"环境变量 {env}"
        return "选项 " + " / ".join(param.opts)
    if isinstance(param, click.Argument):
        return "参数 " + (param.make_metavar(ctx) if ctx is not None else param.human_readable_name)
    return "参数"


def _range_zh(t) -> str:
    lo = None if t.min is None else f"{'大于' if t.min_open else '不小于'} {t.min}"
    hi = None if t.max is None else f"{'小于' if t.max_open else '不大于'} {t.max}"
    return "，且".join(x for x in (lo, hi) if x)


def _value_kind_zh(param) -> str:
    t = getattr(param, "type", None)
    if isinstance(t, click.Choice):
        return f"以下值之一：{_join(t.choices)}"
    if isinstance(t, click.Path):
        if t.dir_okay and not t.file_okay:
            return "一个文件夹的路径"
        if t.file_okay and not t.dir_okay:
            return "一个文件的路径"
        return "一个文件或文件夹的路径"
    if isinstance(t, click.types._NumberRangeBase):
        kind = "整数" if isinstance(t, click.types.IntParamType) else "数字"
        return f"一个{kind}（{_range_zh(t)}）"
    if isinstance(t, click.types.IntParamType):
        return "一个整数"
    if isinstance(t, click.types.FloatParamType):
        return "一个数字"
    return "一个值"


def _bad_value_zh(e: click.BadParameter) -> str:
    param, ctx, msg = e.param, e.ctx, e.message
    if param is None:
        hint = e.param_hint if isinstance(e.param_hint, str) else " / ".join(e.param_hint or [])
        label = ("选项 " if hint.startswith("-") else "") + hint if hint else "参数"
    else:
        label = _label(param, ctx)
    t = getattr(param, "type", None)
    v = _quoted(msg)
    if isinstance(t, click.Choice) and re.search(r" is not (one of )?['\"]", msg):
        return f"{label} 的值“{v}”无效，可选的值：{_join(t.choices)}。"
    if isinstance(t, click.types._NumberRangeBase) and " is not in the range " in msg:
        return f"{label} 的值 {msg.split(' is not in the range ')[0]} 超出范围：应{_range_zh(t)}。"
    if isinstance(t, click.types.IntParamType) and msg.endswith(" is not a valid integer."):
        return f"{label} 的值“{v}”不是整数。"
    if isinstance(t, click.types.FloatParamType) and msg.endswith(" is not a valid float."):
        return f"{label} 的值“{v}”不是数字。"
    if isinstance(t, click.Path) and re.match(r"Paths ['\"].* do not exist\.$", msg, re.S):
        return f"找不到文件或文件夹：{_join(_quoted_all(msg))}（{label}）"
    if isinstance(t, click.Path) and re.match(r"(File|Directory|Path) ['\"]", msg):
        if msg.endswith("does not exist."):
            return f"找不到文件或文件夹：{v}（{label}）"
        if msg.endswith("is a directory."):
            return f"{v} 是一个文件夹，不是文件（{label} 需要一个文件）"
        if msg.endswith("is a file."):
            return f"{v} 是一个文件，不是文件夹（{label} 需要一个文件夹）"
        if msg.endswith("is not readable."):
            return f"没有权限读取：{v}（{label}）"
        if msg.endswith("is not writable."):
            return f"没有权限写入：{v}（{label}）"
    if _CJK.search(msg):
        return f"{label}：{msg}"  # xltool's own message
    return f"{label} 的值无效，应为{_value_kind_zh(param)}。" if param is not None else f"{label} 的值无效。"


def _did_you_mean(possibilities) -> str:
    if not possibilities:
        return ""
    return f"您是否想用 {_join(possibilities)}？"


SUGGEST_RATIO = 0.6
"""How alike a typo and an option or command name must be (difflib's ratio, dashes left out) to be suggested."""


def _closeness(typed: str, name: str) -> float:
    from difflib import SequenceMatcher

    return SequenceMatcher(None, typed.lstrip("-").lower(), name.lstrip("-").lower()).ratio()


def _prune_suggestions(e: click.ClickException) -> None:
    """Keep only the suggestions that are really close to what was typed, the closest first.

    click suggests by difflib over the whole option name, so the shared "--" alone makes ``--bogus`` look like
    ``--jobs`` (ratio 0.62). Compared without the dashes, ``bogus``/``jobs`` is 0.44 (no suggestion) while
    ``jbos``/``jobs`` is 0.75.
    """
    if isinstance(e, click.exceptions.NoSuchOption):
        typed = e.option_name
    elif isinstance(e, click.exceptions.NoSuchCommand):
        typed = e.command_name
    else:
        return
    found = getattr(e, "possibilities", None)
    if not found:
        return
    close = [(_closeness(typed, p), p) for p in found]
    kept = [p for r, p in sorted(close, key=lambda x: (-x[0], x[1])) if r >= SUGGEST_RATIO]
    e.possibilities = kept or None  # type: ignore[misc] - click declares it Final; its message reads it


def _option_names(ctx) -> list[str]:
    if ctx is None:
        return []
    return [max(p.opts, key=len) for p in ctx.command.get_params(ctx) if isinstance(p, click.Option) and not p.hidden]


def _find_option(ctx, name: str):
    if ctx is None:
        return None
    return next((p for p in ctx.command.get_params(ctx) if isinstance(p, click.Option) and name in p.opts), None)


def _command_names(ctx) -> list[str]:
    cmd = ctx.command if ctx is not None else None
    return list(cmd.list_commands(ctx)) if isinstance(cmd, click.Group) else []


def usage_message_zh(e: click.ClickException) -> str:
    """A click usage error (or FileError) as one Chinese sentence naming the option and the accepted values."""
    from xltool.errtext import strerror_text

    ctx = getattr(e, "ctx", None)
    msg = e.message
    if isinstance(e, click.exceptions.NoSuchOption):
        names = _option_names(ctx)
        avail = f"可用的选项：{_join(names)}。" if names else ""
        return f"没有 {e.option_name} 这个选项。{_did_you_mean(e.possibilities)}{avail}"
    if isinstance(e, click.exceptions.NoSuchCommand) or msg.startswith("No such command "):
        name = getattr(e, "command_name", None) or _quoted(msg)
        names = _command_names(ctx)
        avail = f"可用的命令：{_join(names)}。" if names else ""
        return f"没有 {name} 这个命令。{_did_you_mean(getattr(e, 'possibilities', None))}{avail}"
    if isinstance(e, click.MissingParameter):
        param = e.param
        if isinstance(param, click.Argument):
            what = f"：{param.help.rstrip('。')}" if param.help and _CJK.search(param.help) else ""
            return f"缺少{_label(param, ctx)}{what}。"
        if isinstance(param, click.Option):
            return f"缺少必填的{_label(param, ctx)}，应为{_value_kind_zh(param)}。"
        return "缺少必填的参数。"
    if isinstance(e, click.BadParameter):
        return _bad_value_zh(e)
    if isinstance(e, click.BadOptionUsage):
        name = e.option_name
        if re.match(r"Option .+ requires ", msg):
            n = re.search(r"requires (\d+) arguments", msg)
            param = _find_option(ctx, name)
            what = f" {n.group(1)} 个值" if n else (_value_kind_zh(param) if param is not None else "一个值")
            return f"选项 {name} 后面缺少值：应跟{what}。"
        if re.match(r"Option .+ does not take a value", msg):
            return f"选项 {name} 不带值，直接写 {name} 即可（不要写 {name}=…）。"
        return msg if _CJK.search(msg) else f"选项 {name} 的用法有误。"
    if isinstance(e, click.FileError):
        return f"无法打开文件 {e.ui_filename}：{strerror_text(msg)}"
    m = re.match(r"Argument (.+) takes (\d+) values", msg)
    if m:
        return f"参数 {_quoted(m.group(1)) or m.group(1)} 需要 {m.group(2)} 个值。"
    m = re.match(r"Got unexpected extra arguments? \((.*)\)$", msg, re.S)
    if m:
        return f"多余的参数：{m.group(1)}。如果路径中有空格，请用英文引号把整个路径括起来。"
    if msg == "Missing command.":
        names = _command_names(ctx)
        return f"请指定要运行的命令：{_join(names)}。" if names else "请指定要运行的命令。"
    return msg if _CJK.search(msg) else "命令行用法有误。"


def _show_zh(e: click.ClickException, file=None) -> None:  # noqa: ANN001
    ctx = getattr(e, "ctx", None)
    if isinstance(e, click.UsageError) and ctx is not None:
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            hint = f"查看帮助：{ctx.command_path} {max(ctx.command.get_help_option_names(ctx), key=len)}\n"
        click.echo(f"{ctx.get_usage()}\n{hint}", file=file, err=file is None, color=ctx.color)
    click.echo(f"错误：{usage_message_zh(e)}", file=file, err=file is None)


def _localize(e: click.ClickException) -> None:
    """Have click show its own error in Chinese (same exception, same exit code); only close suggestions."""
    _prune_suggestions(e)
    if ui_lang() == "en" or isinstance(e, click.exceptions.NoArgsIsHelpError):
        return
    if type(e).show not in (click.ClickException.show, click.UsageError.show):
        return  # xltool's own exceptions (CannotProceed …) print themselves
    if not isinstance(e, (click.UsageError, click.FileError)):
        return
    e.show = lambda file=None: _show_zh(e, file)  # type: ignore[method-assign]


class Group(_Bilingual, click.Group):
    """The ``xltool`` group: the run's language first, then click; its errors in that language."""

    context_class = Context
    command_class = Command
    group_class = type  # sub-groups are Groups too

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        args = sys.argv[1:] if args is None else list(args)
        token = _LANG.set(_lang_of(args))
        try:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        finally:
            _LANG.reset(token)

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.ClickException as e:
            _localize(e)
            raise

    def list_commands(self, ctx):
        if self is not cli:
            return super().list_commands(ctx)
        from xltool.commands import COMMANDS

        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx, cmd_name):
        """The top-level commands of xltool.commands are imported when first asked for, not at start-up."""
        if self is cli and cmd_name not in self.commands:
            import importlib

            from xltool.commands import COMMANDS

            module = COMMANDS.get(cmd_name)
            if module is not None:
                cmd = importlib.import_module(f"xltool.commands.{module}").command
                _adopt(cmd)
                self.add_command(cmd, cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.ClickException as e:
            _localize(e)
            raise
        except (KeyboardInterrupt, EOFError, click.Abort) as e:
            raise Interrupted("") from e
        except OSError as e:
            if e.errno == errno.EPIPE:
                raise
            raise os_error(e) from e


# --- shared options ----------------------------------------------------------------------------------------


def _run_lang(ctx, param, value):  # noqa: ANN001, ANN202 - click's callback signature
    """A command's ``--lang``: given on the command itself, that; otherwise the run's (``xltool --lang en
    campaign status`` or ``xltool campaign --lang en status`` put it before the command; else $XLTOOL_LANG)."""
    if value is not None and ctx.get_parameter_source(param.name) == ParameterSource.COMMANDLINE:
        return value.lower()
    return ui_lang() if _LANG.get() is not None else (value or "zh").lower()


def lang_option(f):
    return option(
        "--lang",
        type=click.Choice(["zh", "en"], case_sensitive=False),
        default="zh",
        envvar=LANG_ENV,
        show_default=True,
        callback=_run_lang,
        help="提示信息的语言：zh 中文，en 英文（也可设置环境变量 XLTOOL_LANG=en）。",
        help_en="Language of messages (or set XLTOOL_LANG=en in the environment).",
    )(f)


def silent_option(f):
    return option("--silent", is_flag=True, help="不显示进度条。", help_en="No progress bar.")(f)


def jobs_option(f):
    return option(
        "-j",
        "--jobs",
        type=click.IntRange(min=0),
        default=0,
        show_default=True,
        help="读取文件的进程数：0 为每个 CPU 核心一个，1 为不另开进程。结果相同。",
        help_en="Processes reading the files: 0 one per CPU core, 1 none (read here). Results are the same.",
    )(f)


def progress_bar(items, label: str, silent: bool):
    """A progress bar on stderr (never on stdout, which carries the data)."""
    items = list(items)
    if silent or len(items) < 2 or not _is_terminal(sys.stderr):
        return _NoBar(items)  # a log file gets no bar (click would write the bare label into it)
    return click.progressbar(items, label=label, file=sys.stderr, show_pos=True)


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


class _NoBar:
    def __init__(self, items):
        self.items = items

    def __enter__(self):
        return iter(self.items)

    def __exit__(self, *exc):
        return False


def _print_version(ctx, _param, value) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"xltool, version {__version__}" if ui_lang() == "en" else f"xltool 版本 {__version__}")
    ctx.exit()


@click.group(
    cls=Group,
    context_settings={"help_option_names": ["-h", "--help"]},
    help_en="""xltool: 政府信息公开工作年度报告 — templates, validation and consolidation of the yearly statistics.

    Run `xltool COMMAND --help` for each command. Messages are in Chinese; for English add `--lang en` to the
    command, or set XLTOOL_LANG=en.
    """,
)
@option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="显示版本号并退出。",
    help_en="Show the version and exit.",
)
@option(
    "--lang",
    type=click.Choice(["zh", "en"], case_sensitive=False),
    expose_value=False,
    is_eager=True,
    help="提示和帮助的语言（zh 中文，en 英文）；也可设置环境变量 XLTOOL_LANG。",
    help_en="Language of messages and help (zh, en); or set XLTOOL_LANG.",
)
def cli() -> None:
    """xltool：政府信息公开工作年度报告统计表的模板生成、校验与汇总。

    各命令的说明：xltool 命令 --help（例如 xltool validate --help）。提示信息默认为中文；如需英文，请在命令后加
    --lang en，或设置环境变量 XLTOOL_LANG=en。
    """


def _adopt(cmd: click.Command) -> None:
    """Help screens of commands declared with plain click (campaign, consolidate) in the run's language too."""
    if type(cmd).context_class is click.Context:
        cmd.context_class = Context
    if isinstance(cmd, click.Group):
        for sub in cmd.commands.values():
            _adopt(sub)


def main() -> None:
    cli(prog_name="xltool")


if __name__ == "__main__":  # pragma: no cover
    main()
