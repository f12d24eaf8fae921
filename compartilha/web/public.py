"""The public side of a share link: no account needed (unless addressed to someone)."""

from flask import render_template

from ..downloads import send_file_record
from ..services import shares
from . import bp


@bp.get("/s/<token>")
def share_page(token: str):
    share = shares.resolve(token)
    return render_template("share.html", share=share, file=share.file)


@bp.get("/s/<token>/download")
def share_download(token: str):
    share = shares.resolve(token)
    return send_file_record(share.file)
