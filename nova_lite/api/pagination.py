"""Paging of list responses as Nova does it: ``limit``/``marker`` in, ``*_links`` out."""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence

import webob
from oslo_config import cfg
from oslo_utils import strutils, timeutils

from nova_lite import exception
from nova_lite.api import handler

CONF = cfg.CONF


def limit_and_marker(req: webob.Request) -> tuple[int, str | None]:
    """The page size (``limit``, at most ``[api] max_limit``) and the ``marker``.

    A ``limit`` that is not an integer of 0 or more is a 400.
    """
    limit = CONF.api.max_limit
    if "limit" in req.GET:
        try:
            asked = strutils.validate_integer(req.GET["limit"], "limit", min_value=0)
        except ValueError as error:
            raise exception.InvalidRequest(reason=f"Invalid input received: {error}") from None
        limit = min(limit, asked)
    return limit, req.GET.get("marker")


def next_links(req: webob.Request, collection: str, ids: Sequence[str]) -> list[dict]:
    """A ``next`` link after the last of ``ids`` when they fill a whole page, else [].

    ``collection`` is the path under /v2.1 (``flavors/detail``); ``ids``
    are the markers of the items returned, in order. The link repeats the
    request's query with the marker replaced, as Nova's does.
    """
    try:
        page = min(int(req.GET.get("limit", CONF.api.max_limit)), CONF.api.max_limit)
    except ValueError:
        return []
    if not page or page != len(ids):
        return []
    params = dict(sorted(req.GET.items()))
    params["marker"] = ids[-1]
    project_id = handler.url_project_of(req)
    path = f"{project_id}/{collection}" if project_id else collection
    href = f"{req.application_url}/v2.1/{path}?{urllib.parse.urlencode(params)}"
    return [{"rel": "next", "href": href}]


def changes_filters(req: webob.Request, before: bool = True) -> dict:
    """``changes-since`` (and, if ``before``, ``changes-before``) as datetimes.

    A value that is not an ISO 8601 time, or a since after the before, is a 400.
    """
    names = ("changes-since", "changes-before") if before else ("changes-since",)
    filters = {}
    for name in names:
        if name in req.GET:
            try:
                filters[name] = timeutils.normalize_time(timeutils.parse_isotime(req.GET[name]))
            except ValueError:
                raise exception.InvalidRequest(
                    reason=f"Invalid input for query parameters {name}. Value: "
                    f"{req.GET[name]}. '{req.GET[name]}' is not a 'date-time'"
                ) from None
    since, until = filters.get("changes-since"), filters.get("changes-before")
    if since and until and until < since:
        raise exception.InvalidRequest(
            reason="The value of changes-since must be less than or equal to changes-before."
        )
    return filters
