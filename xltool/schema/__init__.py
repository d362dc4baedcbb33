"""The form declaration: model classes and the loader that checks a declaration file."""

from xltool.schema.load import available_forms, load_form, load_form_file
from xltool.schema.model import Block, Cell, Column, Form, HeaderCell, Row, Rule, Section, Table

__all__ = [
    "Block",
    "Cell",
    "Column",
    "Form",
    "HeaderCell",
    "Row",
    "Rule",
    "Section",
    "Table",
    "available_forms",
    "load_form",
    "load_form_file",
]
