"""Compute API microversions: parsing the request headers and the range we honour."""

from __future__ import annotations

import re
from typing import NamedTuple

from nova_lite import exception

SERVICE_TYPE = "compute"
HEADERS = ("OpenStack-API-Version", "X-OpenStack-Nova-API-Version")
_FORMAT = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")


class APIVersion(NamedTuple):
    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> APIVersion:
        match = _FORMAT.match(text.strip())
        if not match:
            raise exception.InvalidRequest(
                reason=f"API Version String {text} is of invalid format. Must be of "
                "format MajorNum.MinorNum."
            )
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


MIN_VERSION = APIVersion(2, 1)
MAX_VERSION = APIVersion(2, 96)


def _requested(headers) -> str | None:
    value = headers.get("OpenStack-API-Version")
    if value:
        for item in value.split(","):
            service, _, version = item.strip().partition(" ")
            if service.lower() == SERVICE_TYPE:
                return version.strip()
    return headers.get("X-OpenStack-Nova-API-Version") or None


def from_headers(headers) -> APIVersion:
    """The version a request asks for: 2.1 when absent, MAX for 'latest'.

    Raises InvalidRequest (400) for a malformed version and NotAcceptable
    (406) for one outside the range we honour.
    """
    text = _requested(headers)
    if text is None:
        return MIN_VERSION
    if text.strip().lower() == "latest":
        return MAX_VERSION
    version = APIVersion.parse(text)
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise exception.NotAcceptable(
            reason=f"Version {version} is not supported by the API. Minimum is "
            f"{MIN_VERSION} and maximum is {MAX_VERSION}."
        )
    return version


def response_headers(version: APIVersion) -> dict[str, str]:
    return {
        "OpenStack-API-Version": f"{SERVICE_TYPE} {version}",
        "X-OpenStack-Nova-API-Version": str(version),
        "Vary": ", ".join(HEADERS),
    }
