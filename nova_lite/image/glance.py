"""Glance v2 client, through keystoneauth1.

Calls authenticate as :mod:`nova_lite.service_auth` chooses for the request
context: the caller's token (with the service user's token when ``[service_user]
send_service_user_token``), or the service user for work without a caller. The
endpoint is ``[glance] endpoint_override`` when set, else the ``image`` service
of that token's catalog (interfaces ``[glance] valid_interfaces``, region
``[glance] region_name``). Glance's errors become nova-lite exceptions with
Nova's names and messages.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator

import requests
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from oslo_config import cfg
from oslo_log import log as logging

from nova_lite import exception, service_auth
from nova_lite.conf import glance as glance_conf

LOG = logging.getLogger(__name__)
CONF = cfg.CONF
CHUNK_SIZE = 64 * 1024
JSON_PATCH = "application/openstack-images-v2.1-json-patch"

_session: ks_session.Session | None = None
_session_lock = threading.Lock()


def _get_session() -> ks_session.Session:
    """One keystoneauth1 session (connection pool) per process, from ``[glance]``."""
    global _session
    with _session_lock:
        if _session is None:
            _session = ks_loading.load_session_from_conf_options(CONF, glance_conf.GROUP)
        return _session


class API:
    """Images in Glance v2, on behalf of ``context``."""

    @staticmethod
    def _adapter(context):
        return ks_loading.load_adapter_from_conf_options(
            CONF,
            glance_conf.GROUP,
            session=_get_session(),
            auth=service_auth.get_auth_plugin(context),
            global_request_id=getattr(context, "global_id", None),
            additional_headers={"Accept": "application/json"},
        )

    def _request(
        self, context, method: str, path: str, image_id: str | None = None, **kwargs
    ) -> requests.Response:
        """``method`` on ``/v2<path>``; a non-2xx answer raises Nova's exception."""
        adapter = self._adapter(context)
        try:
            response = adapter.request(f"/v2{path}", method, raise_exc=False, **kwargs)
        except ks_exceptions.EndpointNotFound as error:
            raise exception.GlanceConnectionFailed(
                server="(no image endpoint)", reason=str(error)
            ) from None
        except ks_exceptions.ConnectionError as error:
            raise exception.GlanceConnectionFailed(
                server=CONF.glance.endpoint_override or "(from the service catalog)",
                reason=str(error),
            ) from None
        if response.status_code >= 400:
            raise _error(response, method, path, image_id)
        return response

    def get(self, context, image_id: str) -> dict:
        """The image as Glance shows it (base attributes and properties, flat)."""
        return self._request(context, "GET", f"/images/{image_id}", image_id).json()

    def create(self, context, properties: dict) -> dict:
        """A new image record (status ``queued``) with Glance's attributes and
        properties, e.g. ``{"name": ..., "disk_format": "qcow2", "id": ...}``."""
        return self._request(
            context, "POST", "/images", properties.get("id"), json=properties
        ).json()

    def upload(self, context, image_id: str, data: bytes | Iterable[bytes]) -> None:
        """Upload the image's data (bytes or an iterable of chunks, streamed)."""
        self._request(
            context,
            "PUT",
            f"/images/{image_id}/file",
            image_id,
            data=data,
            headers={"Content-Type": "application/octet-stream"},
        )

    def download(self, context, image_id: str) -> Iterator[bytes]:
        """The image's data, in chunks, as it streams from Glance."""
        response = self._request(context, "GET", f"/images/{image_id}/file", image_id, stream=True)
        if response.status_code == 204:
            raise exception.ImageUnacceptable(
                image_id=image_id, reason="Image has no associated data"
            )
        return response.iter_content(chunk_size=CHUNK_SIZE)

    def delete(self, context, image_id: str) -> None:
        self._request(context, "DELETE", f"/images/{image_id}", image_id)

    def add_member(self, context, image_id: str, member_id: str) -> None:
        """Share the image with project ``member_id`` (Glance's image members)."""
        self._request(
            context, "POST", f"/images/{image_id}/members", image_id, json={"member": member_id}
        )

    def image_url(self, context, image_id: str) -> str:
        """The image's URL in Glance, as Nova names it: the unversioned endpoint
        followed by ``/images/<id>``."""
        endpoint = self._adapter(context).get_endpoint() or ""
        return f"{re.sub(r'/v[0-9.]+/?$', '', endpoint.rstrip('/'))}/images/{image_id}"

    def update(self, context, image_id: str, properties: dict) -> dict:
        """Set attributes and properties (a value of None removes the property);
        returns the updated image."""
        image = self.get(context, image_id)
        patch = []
        for key, value in properties.items():
            if value is None:
                if key in image:
                    patch.append({"op": "remove", "path": f"/{key}"})
            else:
                op = "replace" if key in image else "add"
                patch.append({"op": op, "path": f"/{key}", "value": value})
        if not patch:
            return image
        return self._request(
            context,
            "PATCH",
            f"/images/{image_id}",
            image_id,
            json=patch,
            headers={"Content-Type": JSON_PATCH},
        ).json()


def _error(
    response: requests.Response, method: str, path: str, image_id: str | None
) -> exception.NovaLiteException:
    """Nova's exception for Glance's error answer."""
    status = response.status_code
    LOG.debug("Glance answered %s to %s %s: %s", status, method, path, response.text[:500])
    if status in (401, 403):
        return exception.ImageNotAuthorized(image_id=image_id)
    if status == 404:
        return exception.ImageNotFound(image_id=image_id)
    if status == 400:
        return exception.ImageBadRequest(image_id=image_id, response=_reason(response))
    if status == 409 and method == "DELETE":
        return exception.ImageDeleteConflict(reason=_reason(response))
    if status == 413:
        return exception.ImageQuotaExceeded(image_id=image_id)
    return exception.ImageServiceError(
        status=status, request=f"{method} /v2{path}", reason=_reason(response)
    )


def _reason(response: requests.Response) -> str:
    """The first line of Glance's explanation (its JSON error's message)."""
    try:
        message = str(response.json()["message"])
    except (ValueError, KeyError, TypeError):
        message = response.text
    lines = message.replace("<br />", "\n").strip().splitlines()
    return lines[0].strip() if lines else response.reason or ""
