"""Load a form declaration (YAML) into the frozen model, checking the declaration itself first.

A bad declaration fails with `SchemaError` naming the path in the file, e.g.
`rules[3].left: unknown row 'carried_ovr' in t3` (its `zh`: `rules[3].left：t3 中没有行 'carried_ovr'`).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from xltool.errors import SchemaError
from xltool.schema.cache import cached
from xltool.schema.model import Block, Column, Form, HeaderCell, ProseFigure, Row, Rule, Section, Table, Text

FORMS_DIR = Path(__file__).resolve().parent.parent / "forms"
"""The built-in declarations (package data; `importlib.resources` would cost ≈ 3 ms of start-up to find them)."""
DEFAULT_FORM = "gov-disclosure-2021"

FORM_KEYS = {"id", "version", "title", "issued_by", "first_year", "sections", "tables", "rules", "prose"}
PROSE_SUBJECTS = {"received", "carried_over", "carried_forward", "review", "litigation", "fees"}
"""The figures `xltool.importer.prose` finds in a report's text; `received` names 2 cells (new, carried over)."""
SECTION_KEYS = {"id", "heading", "table", "prose"}
TABLE_KEYS = {
    "id",
    "name",
    "title",
    "layout",
    "label_columns",
    "value_columns",
    "columns",
    "rows",
    "blocks",
    "header",
    "corner",
    "title_variants",
}
COLUMN_KEYS = {"id", "label", "type", "unit", "total_of", "signed", "variants"}
ROW_KEYS = {"id", "label", "groups", "total_of", "variants"}
BLOCK_KEYS = {"heading", "header", "columns", "rows"}
RULE_KEYS = {
    "id",
    "severity",
    "kind",
    "title",
    "fix",
    "provenance",
    "table",
    "for_each",
    "only",
    "left",
    "right",
    "cross_year",
    "check_label",
}
LAYOUTS = {"blocks", "matrix", "row"}
SEVERITIES = {"error", "warning", "info"}
KINDS = {"equation", "value-type", "value-blank", "value-coerced", "value-empty", "consolidation"}
TYPES = {"integer", "decimal"}
_WHAT_ZH = {"column": "列", "row": "行", "table": "表", "rule": "规则"}


def _bad(path: str, en: str, zh: str) -> SchemaError:
    """The error for a mistake at `path` of the declaration: ``path: en`` (``str(e)``), ``path：zh`` (`zh`)."""
    return SchemaError(f"{path}: {en}", f"{path}：{zh}")


def _keys(obj: Any, allowed: set[str], path: str, required: tuple[str, ...] = ()) -> dict:
    if not isinstance(obj, dict):
        raise _bad(
            path, f"expected a mapping, got {type(obj).__name__}", f"应为映射（键: 值），实为 {type(obj).__name__}"
        )
    for k in obj:
        if k not in allowed:
            known = ", ".join(sorted(allowed))
            raise _bad(f"{path}.{k}", f"unknown key (allowed: {known})", f"未知的键（可用的键：{known}）")
    for k in required:
        if k not in obj or obj[k] in (None, ""):
            raise _bad(f"{path}.{k}", "required", "缺少此项")
    return obj


def _list(obj: Any, path: str) -> list:
    if not isinstance(obj, list):
        raise _bad(path, "expected a list", "应为列表")
    return obj


def _unique(ids: list[str], path: str, what: str) -> None:
    seen: set[str] = set()
    for i, x in enumerate(ids):
        if x in seen:
            raise _bad(f"{path}[{i}].id", f"duplicate {what} id '{x}'", f"{_WHAT_ZH[what]} id '{x}' 重复")
        seen.add(x)


def _text(obj: Any, path: str) -> Text:
    d = _keys(obj, {"zh", "en"}, path, ("zh", "en"))
    return Text(zh=str(d["zh"]), en=str(d["en"]))


def _variants(obj: Any, label: str, path: str) -> tuple[str, ...]:
    """Other wordings of an official label: a list of distinct texts, none of them the label itself."""
    if obj is None:
        return ()
    out: list[str] = []
    for i, v in enumerate(_list(obj, path)):
        if not isinstance(v, str) or not v.strip():
            raise _bad(f"{path}[{i}]", "expected a non-empty text", "应为非空的文字")
        if v == label:
            raise _bad(f"{path}[{i}]", f"'{v}' is the official label itself", f"'{v}' 就是正式标签本身")
        if v in out:
            raise _bad(f"{path}[{i}]", f"'{v}' is listed twice", f"'{v}' 列了两次")
        out.append(v)
    return tuple(out)


def _check_variants(items: list[Row] | tuple[Column, ...], path: str, what: str) -> None:
    """A variant must not be another row's (column's) official label or variant: it would name two of them."""
    owner: dict[str, str] = {x.label: x.id for x in items}
    for x in items:
        for v in x.variants:
            if owner.setdefault(v, x.id) != x.id:
                w = _WHAT_ZH[what]
                raise _bad(
                    path,
                    f"variant '{v}' of {what} '{x.id}' also names {what} '{owner[v]}'",
                    f"{w} '{x.id}' 的别称 '{v}' 也指{w} '{owner[v]}'",
                )


def _columns(raw: list, path: str) -> tuple[Column, ...]:
    cols = []
    for i, c in enumerate(_list(raw, path)):
        p = f"{path}[{i}]"
        _keys(c, COLUMN_KEYS, p, ("id", "label"))
        ctype = c.get("type", "integer")
        if ctype not in TYPES:
            raise _bad(
                f"{p}.type",
                f"unknown type '{ctype}' (integer or decimal)",
                f"未知的类型 '{ctype}'（应为 integer 或 decimal）",
            )
        if not isinstance(c.get("signed", False), bool):
            raise _bad(f"{p}.signed", "expected true or false", "应为 true 或 false")
        cols.append(
            Column(
                id=str(c["id"]),
                label=str(c["label"]),
                type=ctype,
                unit=str(c.get("unit", "件")),
                total_of=tuple(c.get("total_of", ())),
                signed=c.get("signed", False),
                variants=_variants(c.get("variants"), str(c["label"]), f"{p}.variants"),
            )
        )
    _unique([c.id for c in cols], path, "column")
    _check_variants(cols, path, "column")
    return tuple(cols)


def _table(raw: Any, path: str) -> Table:
    t = _keys(raw, TABLE_KEYS, path, ("id", "name", "title", "layout", "columns"))
    tid = str(t["id"])
    layout = t["layout"]
    if layout not in LAYOUTS:
        known = ", ".join(sorted(LAYOUTS))
        raise _bad(f"{path}.layout", f"unknown layout '{layout}' ({known})", f"未知的版式 '{layout}'（可用：{known}）")
    columns = _columns(t["columns"], f"{path}.columns")
    col_ids = {c.id for c in columns}
    for i, c in enumerate(columns):
        for p in c.total_of:
            if p not in col_ids:
                raise _bad(f"{path}.columns[{i}].total_of", f"unknown column '{p}' in {tid}", f"{tid} 中没有列 '{p}'")
    rows: list[Row] = []
    blocks: list[Block] = []
    if layout == "blocks":
        for bi, b in enumerate(_list(t.get("blocks"), f"{path}.blocks")):
            bp = f"{path}.blocks[{bi}]"
            _keys(b, BLOCK_KEYS, bp, ("heading", "header", "columns", "rows"))
            bcols = tuple(b["columns"])
            for c in bcols:
                if c not in col_ids:
                    raise _bad(f"{bp}.columns", f"unknown column '{c}' in {tid}", f"{tid} 中没有列 '{c}'")
            brows = []
            for ri, r in enumerate(_list(b["rows"], f"{bp}.rows")):
                _keys(r, ROW_KEYS, f"{bp}.rows[{ri}]", ("id", "label"))
                if str(r["id"]) in {x.id for x in rows}:  # row ids are unique across blocks: name the exact place
                    raise _bad(f"{bp}.rows[{ri}].id", f"duplicate row id '{r['id']}'", f"行 id '{r['id']}' 重复")
                variants = _variants(r.get("variants"), str(r["label"]), f"{bp}.rows[{ri}].variants")
                rows.append(Row(id=str(r["id"]), label=str(r["label"]), columns=bcols, block=bi, variants=variants))
                brows.append(str(r["id"]))
            blocks.append(Block(heading=str(b["heading"]), header=str(b["header"]), columns=bcols, rows=tuple(brows)))
        _unique([r.id for r in rows], f"{path}.blocks[].rows", "row")
    else:
        for ri, r in enumerate(_list(t.get("rows"), f"{path}.rows")):
            _keys(r, ROW_KEYS, f"{path}.rows[{ri}]", ("id", "label"))
            rows.append(
                Row(
                    id=str(r["id"]),
                    label=str(r["label"]),
                    groups=tuple(r.get("groups", ())),
                    total_of=tuple(r.get("total_of", ())),
                    variants=_variants(r.get("variants"), str(r["label"]), f"{path}.rows[{ri}].variants"),
                )
            )
        _unique([r.id for r in rows], f"{path}.rows", "row")
        row_ids = {r.id for r in rows}
        for ri, r in enumerate(rows):
            for p in r.total_of:
                if p not in row_ids:
                    raise _bad(f"{path}.rows[{ri}].total_of", f"unknown row '{p}' in {tid}", f"{tid} 中没有行 '{p}'")
    _check_variants(rows, f"{path}.rows", "row")
    header = []
    for hi, h in enumerate(t.get("header", []) or []):
        hp = f"{path}.header[{hi}]"
        if not (isinstance(h, list) and len(h) == 5 and all(isinstance(x, int) for x in h[1:])):
            raise _bad(hp, "expected [text, row, column, rowspan, colspan]", "应为 [文字, 行, 列, 跨行数, 跨列数]")
        header.append(HeaderCell(str(h[0]), h[1], h[2], h[3], h[4]))
    table = Table(
        id=tid,
        name=str(t["name"]),
        title=str(t["title"]),
        layout=layout,
        label_columns=int(t.get("label_columns", 1)),
        columns=columns,
        rows=tuple(rows),
        blocks=tuple(blocks),
        header=tuple(header),
        corner=t.get("corner"),
        value_columns=int(t.get("value_columns", 0)),
        title_variants=_variants(t.get("title_variants"), str(t["title"]), f"{path}.title_variants"),
    )
    width = _value_width(table)
    for hi, h in enumerate(table.header):
        if h.col < 0 or h.col + h.colspan > width or h.row < 0:
            raise _bad(
                f"{path}.header[{hi}]",
                f"'{h.text}' spans outside the {width} value columns",
                f"'{h.text}' 超出了 {width} 个数值列的范围",
            )
    return table


def _value_width(t: Table) -> int:
    if t.layout == "matrix":
        return len(t.columns)
    if t.layout == "row":
        return len(t.columns) * len(t.rows)
    return t.value_columns or max(len(b.columns) for b in t.blocks)


def _rule(raw: Any, path: str, tables: dict[str, Table]) -> Rule:
    r = _keys(raw, RULE_KEYS, path, ("id", "severity", "kind", "title", "fix"))
    if r["severity"] not in SEVERITIES:
        raise _bad(
            f"{path}.severity",
            f"unknown severity '{r['severity']}' (error, warning, info)",
            f"未知的严重程度 '{r['severity']}'（应为 error、warning 或 info）",
        )
    if r["kind"] not in KINDS:
        known = ", ".join(sorted(KINDS))
        raise _bad(
            f"{path}.kind", f"unknown kind '{r['kind']}' ({known})", f"未知的规则类别 '{r['kind']}'（可用：{known}）"
        )
    table_id = r.get("table")
    rule = Rule(
        id=str(r["id"]),
        severity=r["severity"],
        kind=r["kind"],
        title=_text(r["title"], f"{path}.title"),
        fix=_text(r["fix"], f"{path}.fix"),
        provenance=str(r.get("provenance", "")),
        table=table_id,
        for_each=r.get("for_each"),
        only=tuple(r.get("only", ())),
        left=tuple(r.get("left", ())),
        right=tuple(r.get("right", ())),
        cross_year=bool(r.get("cross_year", False)),
        check_label=_text(r["check_label"], f"{path}.check_label") if r.get("check_label") else None,
    )
    if rule.kind == "equation":
        if table_id not in tables:
            raise _bad(f"{path}.table", f"unknown table '{table_id}'", f"没有表 '{table_id}'")
        t = tables[table_id]
        if rule.for_each not in ("columns", "rows"):
            raise _bad(f"{path}.for_each", "expected 'columns' or 'rows'", "应为 'columns' 或 'rows'")
        iterated, other = ("column", "row") if rule.for_each == "columns" else ("row", "column")
        iter_ids = {c.id for c in t.columns} if iterated == "column" else {x.id for x in t.rows}
        other_ids = {x.id for x in t.rows} if other == "row" else {c.id for c in t.columns}
        for x in rule.only:
            if x not in iter_ids:
                raise _bad(
                    f"{path}.only",
                    f"unknown {iterated} '{x}' in {table_id}",
                    f"{table_id} 中没有{_WHAT_ZH[iterated]} '{x}'",
                )
        for side in ("left", "right"):
            terms = getattr(rule, side)
            if not terms:
                raise _bad(f"{path}.{side}", "required", "缺少此项")
            for term in terms:
                name = term.lstrip("-").removeprefix("prior:")
                if name not in other_ids:
                    raise _bad(
                        f"{path}.{side}",
                        f"unknown {other} '{name}' in {table_id}",
                        f"{table_id} 中没有{_WHAT_ZH[other]} '{name}'",
                    )
                if term.lstrip("-").startswith("prior:") and not rule.cross_year:
                    raise _bad(
                        f"{path}.{side}",
                        f"'{term}' reads last year but cross_year is not set",
                        f"'{term}' 读取上年数据，但没有设置 cross_year",
                    )
    return rule


def parse_yaml(text: str | bytes) -> Any:
    """YAML text parsed safely: libyaml's safe loader when PyYAML has it (≈ 10× the pure-Python one).

    PyYAML is imported here, not at the top: with the cache (`xltool.schema.cache`) a run that finds its
    declarations cached never imports it (≈ 20 ms of start-up).

    Raises:
        yaml.YAMLError: not valid YAML.
    """
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _cache_name(p: Path) -> str:
    """One cache entry per declaration file: its name (readable) and a digest of its absolute path."""
    where = hashlib.sha256(str(p.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    stem = "".join(c if (c.isascii() and c.isalnum()) or c in "-_." else "_" for c in p.stem)[:60]
    return f"form-{stem}-{where}.marshal"


def load_form_file(path: str | Path) -> Form:
    """Load and check one declaration file.

    The parsed YAML comes from the user's cache when the file's bytes are those it was cached from
    (`xltool.schema.cache`); either way it is checked by `form_from_dict`.

    Raises:
        SchemaError: the file is not valid YAML or the declaration is inconsistent.
        OSError: the file cannot be read.
    """
    p = Path(path)
    raw = p.read_bytes()

    def build() -> Any:
        import yaml

        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise SchemaError(
                f"{p.name}: not UTF-8 text (byte {e.start})", f"{p.name} 不是 UTF-8 编码的文本（第 {e.start} 个字节）"
            ) from e
        try:
            return parse_yaml(text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f"（第 {mark.line + 1} 行第 {mark.column + 1} 列）" if mark is not None else ""
            raise SchemaError(f"{p.name}: not valid YAML: {e}", f"{p.name} 不是有效的 YAML 文件{where}") from e

    return cached(_cache_name(p), [(p.name, raw)], build, lambda data: form_from_dict(data, source=str(p)))


def form_from_dict(data: Any, source: str = "") -> Form:
    """Build a Form from a parsed declaration (checked)."""
    d = _keys(data, FORM_KEYS, "form", ("id", "version", "title", "tables", "rules"))
    tables: list[Table] = [_table(t, f"tables[{i}]") for i, t in enumerate(_list(d["tables"], "tables"))]
    _unique([t.id for t in tables], "tables", "table")
    tmap = {t.id: t for t in tables}
    sections = []
    for i, s in enumerate(d.get("sections", []) or []):
        _keys(s, SECTION_KEYS, f"sections[{i}]", ("id", "heading"))
        if s.get("table") and s["table"] not in tmap:
            raise _bad(f"sections[{i}].table", f"unknown table '{s['table']}'", f"没有表 '{s['table']}'")
        sections.append(Section(str(s["id"]), str(s["heading"]), s.get("table"), bool(s.get("prose", False))))
    rules = [_rule(r, f"rules[{i}]", tmap) for i, r in enumerate(_list(d["rules"], "rules"))]
    _unique([r.id for r in rules], "rules", "rule")
    return Form(
        id=str(d["id"]),
        version=str(d["version"]),
        title=str(d["title"]),
        issued_by=str(d.get("issued_by", "")),
        first_year=int(d.get("first_year", 0)),
        sections=tuple(sections),
        tables=tuple(tables),
        rules=tuple(rules),
        prose=_prose(d.get("prose"), tables),
        source=source,
    )


def _prose(raw: Any, tables: list[Table]) -> tuple[ProseFigure, ...]:
    if raw is None:
        return ()
    d = _keys(raw, PROSE_SUBJECTS, "prose")
    keys = {t.key(r.id, c) for t in tables for r in t.rows for c in t.row_columns(r)}
    out = []
    for subject, listed in d.items():
        p = f"prose.{subject}"
        cells = [str(k) for k in _list(listed, p)]
        if not cells or (subject == "received" and len(cells) != 2):
            two = subject == "received"
            raise _bad(
                p,
                f"expected {'2 cell keys' if two else 'cell keys'}",
                "应为 2 个单元格键" if two else "应为单元格键的列表",
            )
        for i, k in enumerate(cells):
            if k not in keys:
                raise _bad(f"{p}[{i}]", f"unknown cell '{k}'", f"没有单元格 '{k}'")
        out.append(ProseFigure(subject, tuple(cells)))
    return tuple(out)


def available_forms() -> list[str]:
    """Ids of the forms shipped in the package (one YAML file each in xltool/forms/)."""
    return sorted(p.name.removesuffix(".yaml") for p in FORMS_DIR.iterdir() if p.name.endswith(".yaml"))


def load_form(form_id: str = DEFAULT_FORM) -> Form:
    """The built-in form with this id, loaded once per process (`load_form()` is `load_form(DEFAULT_FORM)`).

    Raises:
        SchemaError: no such form in the package.
    """
    return _load_form(form_id)


@cache
def _load_form(form_id: str) -> Form:
    # only the shipped ids: a form id read from a workbook's metadata never names a path
    forms = available_forms()
    if form_id not in forms:
        raise SchemaError(
            f"unknown form '{form_id}' (available: {', '.join(forms)})",
            f"没有报表格式“{form_id}”，可选的值：{'、'.join(forms)}",
        )
    return load_form_file(FORMS_DIR / f"{form_id}.yaml")


load_form.cache_clear = _load_form.cache_clear  # type: ignore[attr-defined]
