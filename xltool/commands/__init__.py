"""One module per CLI command family; each defines `command` (a click command or group).

`xltool.cli` registers every module listed in COMMANDS that exists, so a command lives next to
nothing but its own parsing and printing.
"""

COMMANDS = ["template", "fill", "read", "consolidate", "campaign", "import_", "render"]
