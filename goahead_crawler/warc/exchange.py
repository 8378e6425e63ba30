"""Turn a Scrapy request/response pair, as seen at ``response_downloaded``, into an
:class:`~goahead_crawler.warc.records.Exchange` that matches the wire as closely as
Scrapy and Twisted allow (docs/WARC.md lists what cannot be recovered).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING

from twisted.web.client import URI
from twisted.web.http_headers import Headers as TxHeaders

from goahead_crawler.warc.records import Exchange, Headers, to_str_headers

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response


def reason_phrase(status: int) -> str:
    """Scrapy drops Twisted's reason phrase; the standard one is the best substitute."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def host_value(uri: URI) -> str:
    """The Host header Twisted's Agent adds (``Agent._computeHostValue``)."""
    host = uri.host.decode("ascii")
    if ":" in host:
        host = f"[{host}]"
    if (uri.scheme, uri.port) in ((b"http", 80), (b"https", 443)):
        return host
    return f"{host}:{uri.port}"


def wire_request_headers(request: Request, uri: URI) -> Headers:
    """Request headers in the order and case Twisted writes them."""
    method = request.method.upper()
    head: Headers = []
    if request.body or method in ("PUT", "POST"):
        head.append(("Content-Length", str(len(request.body))))
    tx = TxHeaders({k: list(v) for k, v in request.headers.items()})
    head += to_str_headers((k, v) for k, vs in tx.getAllRawHeaders() for v in vs)
    if not tx.hasHeader(b"Host"):
        head.append(("Host", host_value(uri)))
    return head


def request_target(request: Request, uri: URI) -> str:
    """Origin form (path + query); absolute form when sent through an http proxy."""
    if request.meta.get("proxy") and uri.scheme == b"http":
        return request.url.split("#", 1)[0]
    return uri.originForm.decode("ascii")


def status_protocol(protocol: str | None) -> tuple[str, dict[str, str]]:
    """HTTP/1.x goes in the status line as is; for others (Scrapy's H2 handler says
    "h2") the record keeps the HTTP/1.1 framing and names the protocol in a
    ``WARC-Protocol`` header, as browser-based capture tools do."""
    if not protocol or protocol.upper().startswith("HTTP/"):
        return protocol or "HTTP/1.1", {}
    return "HTTP/1.1", {"WARC-Protocol": protocol.lower()}


def exchange_from_scrapy(request: Request, response: Response) -> Exchange:
    url = request.url.split("#", 1)[0]
    protocol, extra = status_protocol(response.protocol)
    uri = URI.fromBytes(url.encode("ascii"))
    raw = ((k, v) for k, vs in response.headers.items() for v in vs)
    return Exchange(
        url=url,
        method=request.method.upper(),
        target=request_target(request, uri),
        request_headers=wire_request_headers(request, uri),
        request_body=request.body,
        status=response.status,
        reason=reason_phrase(response.status),
        protocol=protocol,
        response_headers=to_str_headers(raw),
        body=response.body,
        ip_address=str(response.ip_address) if response.ip_address else None,
        truncated="dataloss" in response.flags or "download_stopped" in response.flags,
        extra=extra,
    )
