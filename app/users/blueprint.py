"""The users blueprint ("users": every endpoint is users.<view>).

Made here only: app.users.views (sign-up, sign-in, reset, invitations), app.users.profile_views
(a person's own profile, password, two-factor, sessions and API tokens) and
app.users.team_views (the agency's team) add their routes to it, and the app factory imports
those modules before registering it.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("users", __name__, template_folder="templates")
