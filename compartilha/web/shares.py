"""My links (state, counters, revoke), their QR codes, and links shared with me."""

from __future__ import annotations

import io

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..http.identity import require_user
from ..http.urls import share_url
from ..services import shares
from . import bp
from .helpers import page_login_required


@bp.get("/links")
@page_login_required
def my_links():
    """Filtered on the server by the query string (`?show=active|ended&q=name`), so a
    filtered list can be bookmarked and works without JavaScript."""
    show = request.args.get("show", "")
    show = show if show in ("active", "ended") else ""
    query = request.args.get("q", "").strip()[:255]
    items = shares.list_for(require_user().id, ended={"": None, "active": False,
                                                      "ended": True}[show], name=query)
    return render_template("pages/links.html", shares=items, state=shares.state,
                           share_url=share_url, show=show, query=query)


@bp.post("/links/<id:share_id>/revoke")
@page_login_required
def revoke_link(share_id: int):
    shares.revoke(require_user().id, share_id)
    flash(_("The link was revoked; it no longer works."), "success")
    return redirect(url_for("web.my_links"))


@bp.get("/links/<id:share_id>/qr.svg")
@page_login_required
def link_qr(share_id: int):
    """The link as a QR code, drawn on the server so no script or third party is involved."""
    share = shares.get_owned(require_user().id, share_id)
    import segno  # only here: ~1 MiB that no other page needs

    out = io.BytesIO()
    segno.make(share_url(share.token), error="m").save(
        out, kind="svg", scale=6, border=2, dark="#111827", light="#ffffff", xmldecl=False,
        svgns=True, title="QR code")
    response = current_app.response_class(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/shared")
@page_login_required
def shared_with_me():
    return render_template("pages/shared.html", shares=shares.shared_with(require_user()),
                           share_url=share_url)
