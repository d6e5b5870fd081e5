"""Users domain: people, their accounts (sign-up, sign-in, password, two-factor, API tokens)
and their memberships of agencies (the team, invitations, roles).

The pages (app.users.views, profile_views, team_views) share the blueprint of
app.users.blueprint.
"""
