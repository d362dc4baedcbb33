"""xltool: the yearly 政府信息公开工作年度报告 collection — templates, validation, consolidation."""

__version__ = "0.1.0"
