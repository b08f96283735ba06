"""A local .xlsx/.xlsm workbook: read with python-calamine, written by patching the package in place."""

from sheets_sync.sources.xlsx.source import XlsxSource

__all__ = ["XlsxSource"]
