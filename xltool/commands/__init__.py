"""One module per CLI command family; each defines `command` (a click command or group).

`xltool.cli` loads a command's module only when that command is run (or listed by --help), so a command
lives next to nothing but its own parsing and printing, and `xltool validate` imports none of the others.
"""

COMMANDS = {
    "validate": "validate",
    "template": "template",
    "fill": "fill",
    "read": "read",
    "consolidate": "consolidate",
    "campaign": "campaign",
    "import": "import_",
    "render": "render",
}
"""Command name -> its module in xltool.commands."""
