"""The reference of the console's first paint: a bare Textual app (Header +
DataTable + Footer) that fills one row on mount, launched as a cold process
the same way as the console (`python bench/bare_app.py TITLE`)."""

from __future__ import annotations

import sys

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header


class Bare(App):
    def __init__(self, title: str) -> None:
        super().__init__()
        self.row_title = title

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("ID", "Level", "Title", "Place", "Next")
        table.add_row("1", "B", self.row_title, "Square", "0:15:00")


if __name__ == "__main__":
    Bare(sys.argv[1] if len(sys.argv) > 1 else "Bench row").run()
