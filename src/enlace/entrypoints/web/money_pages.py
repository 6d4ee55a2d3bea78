"""The money pages (issue 7 part 8): a patient's explanations of benefits and family wallet, a
pharmacy's receivables.

- `/my/claims` (patient, caregiver): ExplanationOfBenefit read through the FHIR router as the
  person, so only their own (a caregiver picks one of their patients with `?patient=`).
- `/my/wallet` (patient, caregiver): the family wallet the person is a member of (finance).
- `/pharmacy/receivables` (pharmacist: their own pharmacy; administrator: any, by selector):
  balances of `receivable:<pharmacy>:<payer>` and `copay-receivable:<pharmacy>`, aged,
  and each account's movements newest first.
Thin: parse, read off the event loop, render. Views live in eob_view / money_reads.
"""

from __future__ import annotations

import functools
from datetime import timedelta, timezone
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from enlace.interactions.context import Services
from enlace.kernel.clock import from_epoch_us
from enlace.security.users import User

from . import i18n, money_reads, money_strings, nav, render
from .eob_view import EobRows
from .fhir_reads import has_link, matches
from .nav import NavItem
from .page_guard import BadInput, guarded, money, page_number, with_query
from .shell import Shell

PATIENTS = ("patient", "caregiver")
RECEIVABLE_ROLES = ("pharmacist", "administrator")
MEXICO_CITY = timezone(timedelta(hours=-6), "America/Mexico_City")
EOB_PAGE = 20
YEAR_LIMIT = 1000  # EOBs summed for the year's totals; more is said on the page


def register(app: FastAPI, services: Services) -> None:
    i18n.extend(money_strings.STRINGS)
    nav.register(NavItem("/my/claims", "nav.my_claims", PATIENTS, 20))
    nav.register(NavItem("/my/wallet", "nav.my_wallet", PATIENTS, 22))
    nav.register(NavItem("/pharmacy/receivables", "nav.receivables", RECEIVABLE_ROLES, 30))
    app.include_router(_router(Shell(services)))


def _router(shell: Shell) -> APIRouter:
    router = APIRouter()

    def route(roles: tuple[str, ...], page: Any) -> Any:
        async def handler(request: Request) -> Response:
            work = functools.partial(page, shell, request)
            return await guarded(shell, request, roles, work, "money.bad_input")

        return handler

    router.add_api_route("/my/claims", route(PATIENTS, claims_page), methods=["GET"])
    router.add_api_route("/my/wallet", route(PATIENTS, wallet_page), methods=["GET"])
    router.add_api_route(
        "/pharmacy/receivables", route(RECEIVABLE_ROLES, receivables_page), methods=["GET"]
    )
    return router


def chosen_patient(request: Request, user: User, own: tuple[str, ...]) -> str | None:
    """`?patient=` when it is one of the person's own (another's is the 404 page: not theirs
    to know about), else their first; None when they have no patient at all."""
    asked = request.query_params.get("patient")
    if asked:
        if asked not in own:
            raise money_reads.not_found("patient")
        return asked
    return own[0] if own else None


async def claims_page(shell: Shell, request: Request, user: User) -> Response:
    reader = shell.reader(request, user)
    own = tuple(reader.access.patients)
    patient = chosen_patient(request, user, own)
    page = page_number(request)
    year = shell.today().year
    context: dict[str, Any] = {"own": own, "patient": patient, "page": page, "year": year}
    if patient is None:
        return shell.view(
            request,
            user,
            "my_claims.html",
            rows=[],
            total=0,
            totals=None,
            previous_url=None,
            next_url=None,
            money=money,
            **context,
        )

    def read() -> tuple[list[Any], Any, money_reads.YearTotals]:
        params = [
            ("patient", patient),
            ("_sort", "-created"),
            ("_count", str(EOB_PAGE)),
            ("_offset", str((page - 1) * EOB_PAGE)),
            ("_total", "accurate"),
        ]
        bundle = reader.search("ExplanationOfBenefit", params)
        rows = [EobRows(reader).row(eob) for eob in matches(bundle)]
        totals = money_reads.year_totals(reader, patient, year, YEAR_LIMIT)
        return rows, bundle, totals

    rows, bundle, totals = await run_in_threadpool(read)
    base = {"patient": patient if len(own) > 1 else None}
    return shell.view(
        request,
        user,
        "my_claims.html",
        rows=rows,
        total=bundle.get("total"),
        totals=totals,
        previous_url=with_query("/my/claims", **base, page=page - 1) if page > 1 else None,
        next_url=with_query("/my/claims", **base, page=page + 1)
        if has_link(bundle, "next")
        else None,
        money=money,
        **context,
    )


async def wallet_page(shell: Shell, request: Request, user: User) -> Response:
    reader = shell.reader(request, user)
    own = tuple(reader.access.patients)
    patient = chosen_patient(request, user, own)
    after = request.query_params.get("after") or None
    if after is not None and len(after) > 200:
        raise BadInput("money.bad_cursor")
    wanted = request.query_params.get("wallet") or None
    found = await run_in_threadpool(money_reads.wallet_view, shell.services, patient, wanted, after)
    return shell.view(
        request,
        user,
        "my_wallet.html",
        own=own,
        patient=patient,
        wallet=found,
        money=money,
        next_url=with_query(
            "/my/wallet",
            patient=patient if len(own) > 1 else None,
            wallet=found.wallet_id,
            after=found.statement.next_cursor,
        )
        if found is not None and found.statement.next_cursor
        else None,
        first_url=with_query(
            "/my/wallet",
            patient=patient if len(own) > 1 else None,
            wallet=found.wallet_id if found else None,
        )
        if after
        else None,
    )


async def receivables_page(shell: Shell, request: Request, user: User) -> Response:
    asked = request.query_params.get("pharmacy") or None
    pharmacy = money_reads.pharmacy_for(user, asked)
    account = request.query_params.get("account") or None
    before = request.query_params.get("before") or None
    if before is not None and len(before) > 200:
        raise BadInput("money.bad_cursor")
    reader = shell.reader(request, user)
    found = await run_in_threadpool(
        money_reads.receivables_view, shell.services, reader, pharmacy, account, before
    )
    return shell.view(
        request,
        user,
        "receivables.html",
        found=found,
        may_choose=user.role == "administrator",
        money=money,
        with_query=with_query,
        format_us=functools.partial(local_date, lang=render.language(request)),
    )


def local_date(epoch_us: int, lang: str) -> str:
    """A ledger timestamp as its date in Mexico City (UTC-6 all year since October 2022)."""
    return i18n.format_date(from_epoch_us(epoch_us).astimezone(MEXICO_CITY).date(), lang)
