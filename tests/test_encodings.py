"""Issue 11 (9a, 9c): a file in the wrong encoding is refused, never imported as
mojibake; XLSX workbooks stream in flat memory."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dutydesk.cli import app
from dutydesk.errors import Refused
from dutydesk.importing import run_import
from dutydesk.importing import readers

runner = CliRunner()

# Real text in each encoding: names a German, French, Japanese or Chinese unit list would hold.
LATIN1 = "code,name\nPS1,Müller Straße Wache\nPS2,Grünwald Revier\nPS3,Jürgen Böhm Posten\nPS4,Ærøskøbing Vagt\n"
SHIFT_JIS = "code,name\nPS1,山田太郎交番\nPS2,東京駅前交番\nPS3,さくら通り派出所\n"
GBK = "code,name\nPS1,滨江派出所\nPS2,特警支队\nPS3,镕基路派出所\nPS4,城南交警大队\n"  # 镕 is GBK, not GB2312
CHINESE = "代码,名称\nPS1,滨江派出所\nPS2,特警支队“一中队”\nPS3,城南交警大队（二）\n"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_gb18030_decodes_latin1_and_shift_jis_without_error():
    """Why a rule is needed: GB18030 takes these bytes without complaint."""
    assert LATIN1.encode("latin-1").decode("gb18030") != LATIN1
    assert SHIFT_JIS.encode("shift_jis").decode("gb18030") != SHIFT_JIS


@pytest.mark.parametrize(
    "text,encoding",
    [(LATIN1, "latin-1"), (LATIN1, "cp1252"), (SHIFT_JIS, "shift_jis"), (SHIFT_JIS, "cp932"), (CHINESE, "utf-16"), (CHINESE, "utf-16-le")],
)
def test_wrong_encodings_refused_asking_for_one(bare_desk, tmp_path, text, encoding):
    p = write(tmp_path, "u.csv", text.encode(encoding))
    with pytest.raises(Refused, match="--encoding NAME") as info:
        run_import(bare_desk, "units", str(p))
    assert info.value.field == "encoding"
    assert bare_desk.list_units() == []


@pytest.mark.parametrize(
    "text,encoding,expect",
    [
        (GBK, "gbk", "gb18030"),
        (GBK, "gb18030", "gb18030"),
        (CHINESE, "gbk", "gb18030"),
        (CHINESE, "utf-8", "utf-8-sig"),
        (CHINESE, "utf-8-sig", "utf-8-sig"),
        (LATIN1, "utf-8", "utf-8-sig"),
        (SHIFT_JIS, "utf-8", "utf-8-sig"),
    ],
)
def test_right_encodings_accepted_exactly(bare_desk, tmp_path, text, encoding, expect):
    p = write(tmp_path, "u.csv", text.encode(encoding))
    r = run_import(bare_desk, "units", str(p))
    assert r.written and r.encoding == expect
    names = sorted(u.name for u in bare_desk.list_units())
    assert names == sorted(line.split(",", 1)[1] for line in text.splitlines()[1:])


@pytest.mark.parametrize("text,encoding", [(LATIN1, "latin-1"), (SHIFT_JIS, "shift_jis")])
def test_given_encoding_reads_exactly(bare_desk, tmp_path, text, encoding):
    p = write(tmp_path, "u.csv", text.encode(encoding))
    r = run_import(bare_desk, "units", str(p), encoding=encoding)
    assert r.written and r.encoding == encoding
    assert sorted(u.name for u in bare_desk.list_units()) == sorted(line.split(",", 1)[1] for line in text.splitlines()[1:])


def test_given_encoding_is_strict(bare_desk, tmp_path):
    p = write(tmp_path, "u.csv", CHINESE.encode("gbk"))
    with pytest.raises(Refused, match="cannot be read as shift_jis"):
        run_import(bare_desk, "units", str(p), encoding="shift_jis")
    with pytest.raises(Refused, match="unknown encoding"):
        run_import(bare_desk, "units", str(p), encoding="klingon")
    assert bare_desk.list_units() == []


def test_plausibility_rule():
    assert readers.plausible_gb18030(GBK)
    assert readers.plausible_gb18030("PS1,Station 1\n")  # no Chinese at all is fine: it is ASCII
    assert not readers.plausible_gb18030(LATIN1.encode("latin-1").decode("gb18030"))
    assert not readers.plausible_gb18030(SHIFT_JIS.encode("shift_jis").decode("gb18030"))
    assert not readers.plausible_gb18030("名称\x07")  # a control character
    assert not readers.plausible_gb18030("名称\ue000")  # GB18030's user-defined area: private use


def test_cli_refuses_in_one_line_and_takes_encoding(db_url, tmp_path):
    assert runner.invoke(app, ["--db", db_url, "init"]).exit_code == 0
    p = write(tmp_path, "u.csv", LATIN1.encode("latin-1"))
    r = runner.invoke(app, ["--db", db_url, "import", "units", str(p)])
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert r.stderr.startswith("error: encoding: ") and "--encoding NAME" in r.stderr
    r = runner.invoke(app, ["--db", db_url, "import", "units", str(p), "--encoding", "latin-1"])
    assert r.exit_code == 0, r.stderr
    r = runner.invoke(app, ["--db", db_url, "unit", "list", "--json"])
    assert "Müller Straße Wache" in r.stdout


def test_refused_as_a_real_process(db_url, tmp_path):
    env = {**os.environ, "DUTYDESK_DB": db_url}
    assert subprocess.run([sys.executable, "-m", "dutydesk", "init"], env=env, capture_output=True).returncode == 0
    p = write(tmp_path, "u.csv", SHIFT_JIS.encode("shift_jis"))
    r = subprocess.run([sys.executable, "-m", "dutydesk", "import", "units", str(p)], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "--encoding" in r.stderr, r.stderr


# -- 9c: XLSX in flat memory ------------------------------------------------------
def shared_strings_xlsx(path: Path, rows: int) -> Path:
    """A units workbook as Excel writes it: every text in the shared-string table."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    strings: list[str] = []
    body = []
    for r, row in enumerate([["code", "name"]] + [[f"U{i:06d}", f"Unit {i} of the city"] for i in range(rows)], 1):
        cells = "".join(f'<c r="{"AB"[c]}{r}" t="s"><v>{len(strings) + c}</v></c>' for c in range(2))
        strings.extend(row)
        body.append(f'<row r="{r}">{cells}</row>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
            'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
            'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName='
            '"/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'sharedStrings+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{ns}" xmlns:r="{rel}"><sheets><sheet name="Units" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
            f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{rel}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>',
        )
        z.writestr(
            "xl/worksheets/sheet1.xml", f'<?xml version="1.0"?><worksheet xmlns="{ns}"><sheetData>' + "".join(body) + "</sheetData></worksheet>"
        )
        z.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0"?><sst xmlns="{ns}" count="{len(strings)}">' + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>",
        )
    return path


def _peak_reading(path: Path) -> tuple[int, list]:
    src = readers.open_source(str(path))
    tracemalloc.start()
    try:
        rows = 0
        last = None
        for _, row in readers.iter_rows(src):
            rows += 1
            last = row
        return tracemalloc.get_traced_memory()[1], [rows, last]
    finally:
        tracemalloc.stop()


def test_xlsx_shared_strings_and_rows_in_flat_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "SPILL_STRINGS", 0)  # spill even a small table, as a large one would
    small, big = 2_000, 20_000
    peak_small, (n_small, _) = _peak_reading(shared_strings_xlsx(tmp_path / "s.xlsx", small))
    peak_big, (n_big, last) = _peak_reading(shared_strings_xlsx(tmp_path / "b.xlsx", big))
    assert (n_small, n_big) == (small + 1, big + 1) and last == [f"U{big - 1:06d}", f"Unit {big - 1} of the city"]
    # Ten times the rows (and the distinct strings): the peak grows by less than 1 MB (it was ~8 MB).
    assert peak_big - peak_small < 1_000_000, (peak_small, peak_big)
    assert not list(Path(readers.tempfile.gettempdir()).glob("dutydesk-xlsx-*"))  # spilled files are gone


def test_xlsx_import_round_trip_with_spilled_strings(bare_desk, tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "SPILL_STRINGS", 0)
    r = run_import(bare_desk, "units", str(shared_strings_xlsx(tmp_path / "u.xlsx", 50)))
    assert r.written and r.inserted == 50
    assert sorted(u.code for u in bare_desk.list_units())[:2] == ["U000000", "U000001"]
