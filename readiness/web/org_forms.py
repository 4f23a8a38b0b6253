"""A safety officer keeps a line's locations (`line-edit`) and the organisation (`org-edit`) in
the browser, one record at a time: add or change a location, a unit or a person, record a
responsibility letter (安全生产责任书) and a person's three-level safety education (三级安全教育).

Each form calls one service of `readiness.lines.edit` / `readiness.org.edit`, which refuses what
importing that row of the template would refuse, in the same words, naming the form's field. An
edit form carries the record's version (`readiness.audit.version`): a save made over a change
someone else saved since is refused, saying who changed it.

The organisation is company-wide; its forms sit under a line, as its pages do, because
permissions are granted per line. Routes here must come before the organisation's read views
(`org/units/new` is not a unit's code).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from readiness.web.context import Visit, Web, line_view, posted, seen

LINE = "/lines/{line}"


def routes() -> list[Route]:
    """Before `org_views.routes()`: `org/units/new` is not a unit's code."""
    return [
        Route(f"{LINE}/locations/new", location_new, methods=["GET"], name="location_new"),
        Route(f"{LINE}/locations/new", location_add, methods=["POST"], name="location_add"),
        Route(f"{LINE}/locations/{{code}}/edit", location_edit, methods=["GET"],
              name="location_edit"),
        Route(f"{LINE}/locations/{{code}}/edit", location_save, methods=["POST"],
              name="location_save"),
        Route(f"{LINE}/org/units/new", unit_new, methods=["GET"], name="org_unit_new"),
        Route(f"{LINE}/org/units/new", unit_add, methods=["POST"], name="org_unit_add"),
        Route(f"{LINE}/org/units/{{code}}/edit", unit_edit, methods=["GET"],
              name="org_unit_edit"),
        Route(f"{LINE}/org/units/{{code}}/edit", unit_save, methods=["POST"],
              name="org_unit_save"),
        Route(f"{LINE}/org/units/{{code}}/letters", unit_letters, methods=["GET"],
              name="org_unit_letters"),
        Route(f"{LINE}/org/units/{{code}}/letters", unit_letter, methods=["POST"],
              name="org_unit_letter"),
        Route(f"{LINE}/org/people", people, methods=["GET"], name="org_people"),
        Route(f"{LINE}/org/people/new", person_new, methods=["GET"], name="org_person_new"),
        Route(f"{LINE}/org/people/new", person_add, methods=["POST"], name="org_person_add"),
        Route(f"{LINE}/org/people/{{staff_id}}/edit", person_edit, methods=["GET"],
              name="org_person_edit"),
        Route(f"{LINE}/org/people/{{staff_id}}/edit", person_save, methods=["POST"],
              name="org_person_save"),
        Route(f"{LINE}/org/people/{{staff_id}}/letters", person_letters, methods=["GET"],
              name="org_person_letters"),
        Route(f"{LINE}/org/people/{{staff_id}}/letters", person_letter, methods=["POST"],
              name="org_person_letter"),
        Route(f"{LINE}/org/people/{{staff_id}}/education", person_education, methods=["GET"],
              name="org_person_education"),
        Route(f"{LINE}/org/people/{{staff_id}}/education", person_education_save,
              methods=["POST"], name="org_person_education_save"),
    ]


# --- shared ---------------------------------------------------------------------------------------

def _columns(kind: str, sheet: str) -> dict[str, Any]:
    """The sheet's columns by key: a form's labels are their headers, as its refusals say."""
    from readiness.xlsx.form_row import sheet_of
    from readiness.lines.sheets import LINE_TEMPLATE
    from readiness.org.sheets import ORG_TEMPLATE

    spec = sheet_of(LINE_TEMPLATE if kind == "line" else ORG_TEMPLATE, sheet)
    return {c.key: c for c in spec.columns}


def _choices(set_name: str, lang: str) -> list[tuple[str, str]]:
    from readiness import vocab

    return [(c, vocab.label(set_name, c, lang)) for c in vocab.codes(set_name)]


def _fields(form: Any, keys: tuple[str, ...]) -> dict[str, str]:
    return {k: str(form.get(k) or "").strip() for k in keys}



async def _saved(request: Request, web: Web, change: Callable[[], Any],
                 refused: Callable[[str], Response], done: str,
                 **params: str) -> Response:
    """Run the service; on a refusal the form again with its one line (400), else on to `done`."""
    from readiness.errors import NotFound, ReadinessError

    try:
        await run_in_threadpool(change)
    except NotFound as problem:
        return web.refusal(request, problem, 404)
    except ReadinessError as problem:
        return await run_in_threadpool(refused, web.message(request, problem))
    return RedirectResponse(request.url_for(done, **params), status_code=303)


def _actor(visit: Visit) -> Any:
    from readiness.accounts import acting_as

    return acting_as(visit.account, "web")


# --- locations ------------------------------------------------------------------------------------

LOCATION_KEYS = ("code", "name", "kind", "seq", "note")


def _location_page(request: Request, web: Web, visit: Visit, values: dict[str, Any], *,
                   code: str | None, version: int = 0, status: int = 200,
                   error: str | None = None) -> Response:
    return web.page(request, visit, "location_form.html", status=status, values=values,
                    code=code, version=version, error=error, cols=_columns("line", "locations"),
                    kinds=_choices("location_kind", web.lang(request)))


@line_view("line-edit")
def location_new(request: Request, web: Web, visit: Visit) -> Response:
    return _location_page(request, web, visit, {}, code=None)


@line_view("line-edit")
def location_edit(request: Request, web: Web, visit: Visit) -> Response:
    from readiness.audit import version
    from readiness.errors import NotFound
    from readiness.lines.edit import get_location

    code = request.path_params["code"]
    try:
        found = get_location(web.store, visit.line, code)
    except NotFound as problem:
        return web.refusal(request, problem, 404)
    values = {k: getattr(found, k) for k in LOCATION_KEYS}
    return _location_page(request, web, visit, values, code=code,
                          version=version(web.store, "locations", code, visit.line))


async def _save_location(request: Request, web: Web, visit: Visit, form: Any,
                         code: str | None) -> Response:
    from readiness.lines.edit import save_location

    values = _fields(form, LOCATION_KEYS)
    opened = seen(form) if code else None
    key = code if code is not None else values["code"]
    return await _saved(
        request, web,
        lambda: save_location(web.store, visit.line, key, name=values["name"],
                              kind=values["kind"], seq=values["seq"], note=values["note"],
                              actor=_actor(visit), seen=opened, new=code is None),
        lambda error: _location_page(request, web, visit, {**values, "code": key}, code=code,
                                     version=opened or 0, status=400, error=error),
        "locations", line=str(visit.line))


@posted("line-edit")
async def location_add(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    return await _save_location(request, web, visit, form, None)


@posted("line-edit")
async def location_save(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    return await _save_location(request, web, visit, form, request.path_params["code"])


# --- units ----------------------------------------------------------------------------------------

UNIT_KEYS = ("code", "name", "level", "parent", "head", "posts")


def _unit_page(request: Request, web: Web, visit: Visit, values: dict[str, Any], *,
               code: str | None, version: int = 0, status: int = 200,
               error: str | None = None) -> Response:
    from readiness.org.accountability import show

    return web.page(request, visit, "org_unit_form.html", status=status, values=values,
                    code=code, version=version, error=error, cols=_columns("org", "units"),
                    levels=_choices("org_level", web.lang(request)), units=web.cached(show))


@line_view("org-edit")
def unit_new(request: Request, web: Web, visit: Visit) -> Response:
    return _unit_page(request, web, visit, {"parent": request.query_params.get("parent", "")},
                      code=None)


@line_view("org-edit")
def unit_edit(request: Request, web: Web, visit: Visit) -> Response:
    from readiness.audit import version
    from readiness.errors import NotFound
    from readiness.org.edit import get_unit

    code = request.path_params["code"]
    try:
        found = get_unit(web.store, code)
    except NotFound as problem:
        return web.refusal(request, problem, 404)
    values = {"code": found.code, "name": found.name, "level": found.level,
              "parent": found.parent or "", "head": found.head or "",
              "posts": "\n".join(found.posts)}
    return _unit_page(request, web, visit, values, code=code,
                      version=version(web.store, "org_units", code))


async def _save_unit(request: Request, web: Web, visit: Visit, form: Any,
                     code: str | None) -> Response:
    from readiness.org.edit import save_unit

    values = _fields(form, UNIT_KEYS)
    opened = seen(form) if code else None
    key = code if code is not None else values["code"]
    return await _saved(
        request, web,
        lambda: save_unit(web.store, key, name=values["name"], level=values["level"],
                          parent=values["parent"], head=values["head"], posts=values["posts"],
                          actor=_actor(visit), seen=opened, new=code is None),
        lambda error: _unit_page(request, web, visit, {**values, "code": key}, code=code,
                                 version=opened or 0, status=400, error=error),
        "org", line=str(visit.line))


@posted("org-edit")
async def unit_add(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    return await _save_unit(request, web, visit, form, None)


@posted("org-edit")
async def unit_save(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    return await _save_unit(request, web, visit, form, request.path_params["code"])


# --- people ---------------------------------------------------------------------------------------

PERSON_KEYS = ("staff_id", "name", "unit", "post")
EDUCATION_KEYS = ("education_company", "education_centre", "education_team")


@line_view("org-edit")
def people(request: Request, web: Web, visit: Visit) -> Response:
    """Everyone (or one unit's people), each with their forms."""
    from readiness.org.accountability import show
    from readiness.org.edit import list_people

    unit = request.query_params.get("unit") or None
    return web.page(request, visit, "org_people.html", people=web.cached(list_people, unit),
                    unit=unit or "", units=web.cached(show), cols=_columns("org", "people"))


def _person_page(request: Request, web: Web, visit: Visit, values: dict[str, Any], *,
                 staff_id: str | None, version: int = 0, status: int = 200,
                 error: str | None = None) -> Response:
    from readiness.org.accountability import show

    return web.page(request, visit, "org_person_form.html", status=status, values=values,
                    staff_id=staff_id, version=version, error=error,
                    cols=_columns("org", "people"), units=web.cached(show))


@line_view("org-edit")
def person_new(request: Request, web: Web, visit: Visit) -> Response:
    return _person_page(request, web, visit, {"unit": request.query_params.get("unit", "")},
                        staff_id=None)


@line_view("org-edit")
def person_edit(request: Request, web: Web, visit: Visit) -> Response:
    from readiness.audit import version
    from readiness.errors import NotFound
    from readiness.org.edit import get_person

    staff_id = request.path_params["staff_id"]
    try:
        found = get_person(web.store, staff_id)
    except NotFound as problem:
        return web.refusal(request, problem, 404)
    values = {"staff_id": found.staff_id, "name": found.name, "unit": found.unit,
              "post": found.post or ""}
    return _person_page(request, web, visit, values, staff_id=staff_id,
                        version=version(web.store, "people", staff_id))


async def _save_person(request: Request, web: Web, visit: Visit, form: Any,
                       staff_id: str | None) -> Response:
    from readiness.org.edit import save_person

    values = _fields(form, PERSON_KEYS)
    opened = seen(form) if staff_id else None
    key = staff_id if staff_id is not None else values["staff_id"]
    return await _saved(
        request, web,
        lambda: save_person(web.store, key, name=values["name"], unit=values["unit"],
                            post=values["post"], actor=_actor(visit), seen=opened,
                            new=staff_id is None),
        lambda error: _person_page(request, web, visit, {**values, "staff_id": key},
                                   staff_id=staff_id, version=opened or 0, status=400,
                                   error=error),
        "org_people", line=str(visit.line))


@posted("org-edit")
async def person_add(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    return await _save_person(request, web, visit, form, None)


@posted("org-edit")
async def person_save(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    return await _save_person(request, web, visit, form, request.path_params["staff_id"])


def _education_page(request: Request, web: Web, visit: Visit, person: Any,
                    values: dict[str, Any], version: int, status: int = 200,
                    error: str | None = None) -> Response:
    return web.page(request, visit, "org_education.html", status=status, person=person,
                    values=values, version=version, error=error, keys=EDUCATION_KEYS,
                    cols=_columns("org", "people"))


@line_view("org-edit")
def person_education(request: Request, web: Web, visit: Visit) -> Response:
    from readiness.audit import version
    from readiness.errors import NotFound
    from readiness.org.edit import get_person

    staff_id = request.path_params["staff_id"]
    try:
        found = get_person(web.store, staff_id)
    except NotFound as problem:
        return web.refusal(request, problem, 404)
    values = {k: (getattr(found, k).isoformat() if getattr(found, k) else "")
              for k in EDUCATION_KEYS}
    return _education_page(request, web, visit, found, values,
                           version(web.store, "people", staff_id))


@posted("org-edit")
async def person_education_save(request: Request, web: Web, visit: Visit,
                                form: Any) -> Response:
    from readiness.errors import NotFound
    from readiness.org.edit import get_person, record_education

    staff_id = request.path_params["staff_id"]
    values = _fields(form, EDUCATION_KEYS)
    opened = seen(form)
    try:
        found = await run_in_threadpool(get_person, web.store, staff_id)
    except NotFound as problem:
        return web.refusal(request, problem, 404)
    return await _saved(
        request, web,
        lambda: record_education(web.store, staff_id, company=values["education_company"],
                                 centre=values["education_centre"],
                                 team=values["education_team"], actor=_actor(visit),
                                 seen=opened),
        lambda error: _education_page(request, web, visit, found, values, opened, 400, error),
        "org_people", line=str(visit.line))


# --- responsibility letters -----------------------------------------------------------------------

LETTER_KEYS = ("countersigner", "signed_on", "valid_until", "signatories")


def _signer(web: Web, request: Request) -> tuple[str, str, str | None, str]:
    """(signer, name, the unit above it, route name of its letters page) from the URL; a
    NotFound for a unit or person there is none of."""
    from readiness.org.edit import get_person, get_unit

    if "staff_id" in request.path_params:
        person = get_person(web.store, request.path_params["staff_id"])
        return person.staff_id, person.name, person.unit, "org_person_letters"
    unit = get_unit(web.store, request.path_params["code"])
    return unit.code, unit.name, unit.parent, "org_unit_letters"


def _letters_page(request: Request, web: Web, visit: Visit, values: dict[str, Any],
                  status: int = 200, error: str | None = None) -> Response:
    from readiness.errors import NotFound
    from readiness.org.accountability import show
    from readiness.org.edit import letters_of

    try:
        signer, name, above, page = _signer(web, request)
    except NotFound as problem:
        return web.refusal(request, problem, 404)
    return web.page(request, visit, "org_letters.html", status=status, signer=signer,
                    signer_name=name, person="staff_id" in request.path_params,
                    values={"countersigner": above or "", **values}, error=error,
                    letters=letters_of(web.store, signer), units=web.cached(show),
                    cols=_columns("org", "letters"))


@line_view("org-edit")
def unit_letters(request: Request, web: Web, visit: Visit) -> Response:
    return _letters_page(request, web, visit, {})


@line_view("org-edit")
def person_letters(request: Request, web: Web, visit: Visit) -> Response:
    return _letters_page(request, web, visit, {})


async def _record_letter(request: Request, web: Web, visit: Visit, form: Any,
                         signer: str, done: str, **params: str) -> Response:
    from readiness.org.edit import record_letter

    values = _fields(form, LETTER_KEYS)
    return await _saved(
        request, web,
        lambda: record_letter(web.store, signer, countersigner=values["countersigner"],
                              signed_on=values["signed_on"], valid_until=values["valid_until"],
                              signatories=values["signatories"], actor=_actor(visit)),
        lambda error: _letters_page(request, web, visit, values, 400, error),
        done, line=str(visit.line), **params)


@posted("org-edit")
async def unit_letter(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    code = request.path_params["code"]
    return await _record_letter(request, web, visit, form, code, "org_unit_letters", code=code)


@posted("org-edit")
async def person_letter(request: Request, web: Web, visit: Visit, form: Any) -> Response:
    staff_id = request.path_params["staff_id"]
    return await _record_letter(request, web, visit, form, staff_id, "org_person_letters",
                                staff_id=staff_id)
