"""The look and the charts of the worker's own Dashboard tab on a Google Sheet, as requests of the one
layout `batchUpdate` that creates the tab (`rules.dashboard.dashboard_layout` says where things
sit). Pure: no I/O here.

Sent once, with the `addSheet` of the tab, and never again: later cycles write only values (one
`values:batchUpdate`), so a Dashboard whose content changes costs no request of its own.
- Section titles: their rows move as the lists of today's work grow, so they are bold on the header
  fill by a conditional format rule (CUSTOM_FORMULA: the group's first column filled, the cell above
  it blank), one per column group, rather than by formats that would have to follow them.
- Numbers are aligned left, as the titles above them (one `repeatCell` per column group).
- The charts (`addChart`): stacked bars over ranges fixed for good. The data of the second chart has
  room for CHART_CAPACITY managers; its range covers them all, and Google draws no bar for the
  blank rows below the managers there are.
"""

from __future__ import annotations

from collections.abc import Sequence

from sheets_sync.model import CellValue
from sheets_sync.rules.dashboard import GROUPS, Chart, dashboard_layout
from sheets_sync.sheet.look import HEADER_FILL
from sheets_sync.sources.google.a1 import letter
from sheets_sync.sources.google.layout import JsonObject, grid_range, repeat_cell
from sheets_sync.sources.google.look import PIXELS_PER_CHARACTER, rgb


def dashboard_widths(rows: Sequence[Sequence[CellValue]]) -> list[int]:
    """Each column's width in characters, as the xlsx source sizes them."""
    return list(dashboard_layout(rows).widths)


def dashboard_requests(sheet_id: int, rows: Sequence[Sequence[CellValue]], columns: int) -> list[JsonObject]:
    """The requests that give a new Dashboard tab (`sheet_id`, `columns` wide, holding `rows`) its
    section titles, aligned numbers and charts; after the `addSheet` of the same batch."""
    requests_: list[JsonObject] = []
    for first, last in GROUPS:
        if first > columns:
            continue
        end = min(last, columns)
        column = letter(first)
        condition = {
            "type": "CUSTOM_FORMULA",
            "values": [{"userEnteredValue": f'=AND(${column}2<>"",${column}1="")'}],
        }
        requests_.append(
            {
                "addConditionalFormatRule": {
                    "rule": {
                        "ranges": [grid_range(sheet_id, (1, None), (first - 1, end))],
                        "booleanRule": {
                            "condition": condition,
                            "format": {"backgroundColor": rgb(HEADER_FILL), "textFormat": {"bold": True}},
                        },
                    },
                    "index": 0,
                }
            }
        )
        if end > first:
            requests_.append(
                repeat_cell(
                    sheet_id,
                    (0, None),
                    (first, end),
                    {"horizontalAlignment": "LEFT"},
                    "userEnteredFormat.horizontalAlignment",
                )
            )
    requests_.extend(add_chart(sheet_id, chart) for chart in dashboard_layout(rows).charts)
    return requests_


def add_chart(sheet_id: int, chart: Chart) -> JsonObject:
    """A stacked bar chart of `chart`'s block: its header row and `capacity` rows below."""
    rows = (chart.header - 1, chart.header + chart.capacity)

    def source(column: int) -> JsonObject:
        return {"sourceRange": {"sources": [grid_range(sheet_id, rows, (column - 1, column))]}}

    series = [
        {
            "series": source(chart.column + 1 + i),
            "targetAxis": "BOTTOM_AXIS",  # a BAR chart's values run along the bottom axis
            "colorStyle": {"rgbColor": rgb(chart.colours[i])},
        }
        for i in range(chart.series)
    ]
    row, column = chart.anchor
    width, height = chart.size
    return {
        "addChart": {
            "chart": {
                "spec": {
                    "title": chart.title,
                    "basicChart": {
                        "chartType": "BAR",
                        "legendPosition": "BOTTOM_LEGEND",
                        "stackedType": "STACKED",
                        "headerCount": 1,
                        "axis": [{"position": "BOTTOM_AXIS"}, {"position": "LEFT_AXIS"}],
                        "domains": [{"domain": source(chart.column)}],
                        "series": series,
                    },
                },
                "position": {
                    "overlayPosition": {
                        "anchorCell": {"sheetId": sheet_id, "rowIndex": row - 1, "columnIndex": column - 1},
                        "widthPixels": width,
                        "heightPixels": height,
                    }
                },
            }
        }
    }


__all__ = ["PIXELS_PER_CHARACTER", "add_chart", "dashboard_requests", "dashboard_widths"]
