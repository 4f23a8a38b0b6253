"""A safety officer uploads a hazard workbook in the browser: the check lists every problem as
the CLI does and writes nothing; the fixed file's check says what it would do; importing writes
it all; only the uploader imports, once; names with a folder, other files, a zip bomb and a
forged form are refused."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from readiness.web.app import create_app
from webclient import sign_in
from workbooks import make_workbook

PASSWORD = "Tunnel-Watch-2026"
H = ["编号", "位置", "专业", "风险类别", "危险源描述", "评价方法", "L", "E", "C", "残余L", "残余E",
     "残余C", "管控措施", "责任单位", "责任人", "上次复核日期"]


def row(code="H-0001", loc="S01", l_value=3):
    return [code, loc, "站台门", "客运组织", "站台门夹人后列车启动", "LEC", l_value, 6, 15, 1, 6, 15,
            "工程控制：防夹挡板", "TM-KY1-01", "900030", "2026-10-01"]


@pytest.fixture
def web(run, org_db):
    for who, role in (("900010", "safety-officer"), ("900020", "safety-officer"),
                      ("900030", "viewer")):
        assert run("user", "add", who, "--role", role, "--password-stdin", db=org_db,
                   input=PASSWORD + "\n").exit_code == 0
    return TestClient(create_app(org_db), follow_redirects=False)


def upload(web, csrf, path: Path | None = None, name=None, content=None, kind="hazards"):
    data = content if content is not None else path.read_bytes()
    return web.post("/lines/L9/import", data={"csrf": csrf, "kind": kind},
                    files={"file": (name or path.name, data, "application/octet-stream")})


def hazards(run, db) -> list[str]:
    import json

    return [h["id"] for h in json.loads(run("hazard", "list", "--json", db=db).output)]


def test_check_shows_every_problem_as_the_cli_then_the_fixed_file_imports(web, run, org_db,
                                                                         tmp_path) -> None:
    csrf = sign_in(web, "900010")
    bad = make_workbook(tmp_path / "台帐.xlsx", {"危险源台帐": [H, row(), row("H-0002", "S99"),
                                                             row("H-0003", l_value=4)]})
    cli = run("import", str(bad), "--dry-run", db=org_db)
    cli_problems = [x for x in cli.output.splitlines() if "!" in x]
    checked = upload(web, csrf, bad)
    assert checked.status_code == 400
    shown = re.findall(r"<li>(.*?)</li>", checked.text)
    assert [s.replace("&#39;", "'").replace("&#34;", '"') for s in shown] == cli_problems
    assert len(shown) == 2 and "Nothing was written" in checked.text
    assert hazards(run, org_db) == [] and "/import/" not in checked.text
    good = make_workbook(tmp_path / "台帐2.xlsx", {"危险源台帐": [H, row(), row("H-0002")]})
    checked = upload(web, csrf, good)
    assert checked.status_code == 200 and "Importing would create 2" in checked.text
    assert hazards(run, org_db) == []  # the check writes nothing
    go = re.search(r'action="(/lines/L9/import/[^"]+)"', checked.text).group(1)
    other = sign_in(web, "900020")
    assert web.post(go, data={"csrf": other}).status_code == 404  # not theirs
    csrf = sign_in(web, "900010")
    assert web.post(go, data={"csrf": "forged"}).status_code == 403
    done = web.post(go, data={"csrf": csrf})
    assert done.status_code == 200 and "Imported" in done.text and "created 2" in done.text
    assert hazards(run, org_db) == ["H-0001", "H-0002"]
    assert web.post(go, data={"csrf": csrf}).status_code == 404  # once
    import json

    log = json.loads(run("audit", "log", "--entity", "hazards", "--json", db=org_db).output)
    assert {r["username"] for r in log} == {"900010"}


def zip_bomb(tmp_path: Path) -> bytes:
    """A real hazard workbook whose sheet inflates to more than the import limits allow."""
    book = make_workbook(tmp_path / "real.xlsx", {"危险源台帐": [H, row()]})
    out = io.BytesIO()
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (60 * 2**20))
            z.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


@pytest.mark.parametrize("name, content, says", [
    ("../台帐.xlsx", b"PK", "upload the .xlsx workbook or .csv file itself"),
    ("台帐.exe", b"MZ", "upload the .xlsx workbook or .csv file itself"),
    ("台帐.xlsx", b"not a zip at all", "is not an Excel workbook"),
    ("bomb.xlsx", None, "a zip bomb?"),
])
def test_files_that_cannot_be_imported_are_refused_in_one_line(web, run, org_db, tmp_path, name,
                                                               content, says,
                                                               monkeypatch) -> None:
    monkeypatch.setenv("READINESS_MAX_UNZIPPED_MB", "50")  # the bomb: 60 MB, not 500
    csrf = sign_in(web, "900010")
    answer = upload(web, csrf, name=name,
                    content=zip_bomb(tmp_path) if content is None else content)
    assert answer.status_code == 400, answer.text
    error = re.search(r'<p class="error" role="alert">(.*?)</p>', answer.text, re.S).group(1)
    assert "\n" not in error.strip() and "/tmp" not in answer.text
    assert says in error
    assert hazards(run, org_db) == []


def test_a_viewer_imports_nothing_and_templates_download(web) -> None:
    csrf = sign_in(web, "900030")
    assert "You role" not in web.get("/lines/L9/import").text
    assert upload(web, csrf, name="a.xlsx", content=b"PK").status_code == 403
    template = web.get("/templates/hazards.xlsx")
    assert template.status_code == 200
    assert template.headers["content-disposition"].startswith("attachment")
    from openpyxl import load_workbook

    assert "Hazards" in load_workbook(io.BytesIO(template.content)).sheetnames  # in English
    assert web.get("/templates/nope.xlsx").status_code == 404
