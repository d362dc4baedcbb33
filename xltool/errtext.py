"""Clerk-facing texts for errors that Python itself raises: OSError (by errno) and json's decode errors.

Python's own texts ("[Errno 2] No such file or directory", "Expecting value: line 1 column 1 (char 0)") are
English and say nothing a clerk can act on. These functions give the Chinese text (and an English one for
``--lang en``) with the path, so that no command prints Python's wording.

Example::

    try:
        open("out/summary.xlsx", "wb")
    except OSError as e:
        os_error_text(e, writing=True)
        # '没有权限写入：out/summary.xlsx（如该文件正在 Excel 或 WPS 中打开，请先关闭）'
"""

from __future__ import annotations

import errno
import json
import os

__all__ = ["json_error_text", "os_error_text", "strerror_text", "xltool_error_text"]

_ZH_CLOSE_IT = "（如该文件正在 Excel 或 WPS 中打开，请先关闭）"
_OFFICE = {".xlsx", ".xlsm", ".xls", ".et", ".ods", ".csv", ".docx", ".doc", ".wps"}

# errno -> (zh with a path, zh without one). {p} is the path; {verb} 读取/写入/访问.
_OS_ZH: dict[int, tuple[str, str]] = {
    errno.ENOENT: ("找不到文件或文件夹：{p}", "找不到文件或文件夹"),
    errno.EACCES: ("没有权限{verb}：{p}", "没有权限{verb}"),
    errno.EPERM: ("没有权限{verb}：{p}", "没有权限{verb}"),
    errno.EISDIR: ("{p} 是一个文件夹，不是文件", "这是一个文件夹，不是文件"),
    errno.ENOTDIR: ("{p} 的路径中有一部分是文件，不是文件夹", "路径中有一部分是文件，不是文件夹"),
    errno.EEXIST: ("已有同名文件：{p}（这里需要一个文件夹）", "已有同名文件（这里需要一个文件夹）"),
    errno.ENOSPC: ("磁盘已满，无法写入：{p}", "磁盘已满"),
    errno.EROFS: ("磁盘或文件夹是只读的，无法写入：{p}", "磁盘或文件夹是只读的，无法写入"),
    errno.ENAMETOOLONG: ("文件名或路径过长：{p}", "文件名或路径过长"),
    errno.EINVAL: ("文件名或路径无效：{p}", "文件名或路径无效"),
    errno.EBUSY: ("文件正被其他程序占用：{p}", "文件正被其他程序占用"),
    errno.ETXTBSY: ("文件正被其他程序占用：{p}", "文件正被其他程序占用"),
    errno.EMFILE: ("同时打开的文件过多，无法打开：{p}", "同时打开的文件过多"),
    errno.ENFILE: ("同时打开的文件过多，无法打开：{p}", "同时打开的文件过多"),
    errno.EIO: ("读写磁盘出错：{p}", "读写磁盘出错"),
    errno.EFBIG: ("文件过大：{p}", "文件过大"),
    errno.ELOOP: ("路径中的快捷方式（符号链接）循环：{p}", "路径中的快捷方式（符号链接）循环"),
    errno.ENOTEMPTY: ("文件夹不是空的：{p}", "文件夹不是空的"),
    errno.EXDEV: ("不能跨磁盘移动：{p}", "不能跨磁盘移动"),
}
for _name in ("EDQUOT",):  # not on every platform
    if hasattr(errno, _name):
        _OS_ZH[getattr(errno, _name)] = ("磁盘空间配额已用完，无法写入：{p}", "磁盘空间配额已用完")

_VERB_ZH = {True: "写入", False: "读取", None: "访问"}
_VERB_EN = {True: "write", False: "read", None: "access"}


def os_error_text(
    e: OSError, lang: str = "zh", *, path: str | os.PathLike[str] | None = None, writing: bool | None = None
) -> str:
    """What went wrong with a file, in the clerk's language, without Python's wording.

    Args:
        e: the OSError (any subclass: FileNotFoundError, PermissionError, IsADirectoryError …).
        lang: ``zh`` or ``en``.
        path: the path to name; default the one in the error (``e.filename``). ``""``: name none.
        writing: True when the file was being written (permission text 写入 and the hint to close it in Excel),
            False when read, None when unknown.

    Returns:
        e.g. ``找不到文件或文件夹：inbox/a.xlsx``, ``out 是一个文件夹，不是文件``, ``磁盘已满，无法写入：summary.xlsx``.
    """
    p = os.fspath(path) if path is not None else (os.fspath(e.filename) if e.filename is not None else "")
    code = e.errno
    if code == errno.ENOENT and writing and p and os.path.isdir(os.path.dirname(p) or "."):
        # the folder is there, yet nothing can be made in it: /proc, a read-only mount, a share without rights.
        # "No such file or directory" would send the clerk looking for a folder that exists.
        folder = os.path.dirname(p) or "."
        if lang == "en":
            return f"cannot write {p}: the folder {folder} is read-only or not writable"
        return f"无法写入 {p}：文件夹 {folder} 是只读的或没有写入权限"
    if lang == "en":
        what = e.strerror or (os.strerror(code) if code else f"cannot {_VERB_EN[writing]} the file")
        return f"{what}: {p}" if p else what
    with_path, without = _OS_ZH.get(code, ("", ""))
    if not with_path:
        base = f"无法{_VERB_ZH[writing]}文件"
        tail = f"（系统错误代码 {code}）" if code else ""
        return f"{base}：{p}{tail}" if p else f"{base}{tail}"
    if code == errno.ENOENT and writing and p:  # the file is to be made: its folder is what is missing
        return f"找不到文件夹：{os.path.dirname(p) or '.'}（无法写入 {p}）"
    text = (with_path if p else without).format(p=p, verb=_VERB_ZH[writing])
    if code in (errno.EACCES, errno.EPERM) and writing is not False and os.path.splitext(p)[1].lower() in _OFFICE:
        text += _ZH_CLOSE_IT  # on Windows a file open in Excel/WPS cannot be replaced: "Permission denied"
    return text


def strerror_text(strerror: str, lang: str = "zh") -> str:
    """Python's English ``strerror`` ("Permission denied") in Chinese; unknown texts become a generic one."""
    if lang == "en":
        return strerror
    for code in _OS_ZH:
        if os.strerror(code) == strerror:
            return _OS_ZH[code][1].format(verb=_VERB_ZH[None])
    return "无法打开文件"


# json.JSONDecodeError.msg (CPython's json.decoder / json.scanner) -> what it means for the person who edited it
_JSON_ZH = (
    ("Expecting value", "此处应有一个值（数字、文字、true/false/null、{…} 或 […]），可能多了逗号或文件不完整"),
    ("Expecting property name enclosed in double quotes", "此处应有一个用英文双引号括起的字段名，可能多了一个逗号"),
    ("Expecting ':' delimiter", "字段名后面缺少英文冒号 :"),
    ("Expecting ',' delimiter", "两项之间缺少英文逗号 ,（或括号不配对）"),
    ("Unterminated string starting at", "引号没有闭合"),
    ("Invalid control character at", "文字中有未转义的控制字符（如直接换行或制表符）"),
    ("Invalid \\escape", "反斜杠 \\ 的用法无效（路径中的 \\ 应写成 \\\\）"),
    ("Invalid \\uXXXX escape", "\\u 后应为 4 位十六进制数字"),
    ("Extra data", "数据结束后还有多余的内容"),
    ("Illegal trailing comma before end of object", "“}”前多了一个逗号"),
    ("Illegal trailing comma before end of array", "“]”前多了一个逗号"),
)


def json_error_text(e: json.JSONDecodeError, lang: str = "zh", name: str | None = None) -> str:
    """Where and why a JSON text does not parse: ``a.json: JSON 格式错误，第 3 行第 13 列：…``."""
    pre = f"{name}: " if name else ""
    if not (e.doc or "").strip():
        return f"{pre}the file is empty (nothing in it)" if lang == "en" else f"{pre}文件是空的（没有任何内容）"
    if lang == "en":
        return f"{pre}not valid JSON, line {e.lineno} column {e.colno}: {e.msg}"
    why = next((zh for en, zh in _JSON_ZH if e.msg.startswith(en)), "格式不符合 JSON 规范")
    return f"{pre}JSON 格式错误，第 {e.lineno} 行第 {e.colno} 列：{why}"


def xltool_error_text(e: Exception, lang: str = "zh", name: str | None = None) -> str:
    """The message of an error from xltool's library, re-rendered from its cause when that cause is Python's.

    ``xltool.interchange.load_json`` wraps json's and the OS's errors; their English part is replaced here
    (``name`` is the file's name to put in front). Any other error: its own message.
    """
    cause = e.__cause__
    if isinstance(cause, json.JSONDecodeError):
        return json_error_text(cause, lang, name)
    if isinstance(cause, OSError):
        text = os_error_text(cause, lang, writing=False)
        return f"{name}: {text}" if name and name not in text else text
    if isinstance(cause, UnicodeDecodeError) and lang == "en":
        return f"{name + ': ' if name else ''}not UTF-8 text (byte {cause.start})"
    text = getattr(e, "text", None)
    return text(lang) if callable(text) else str(e)
