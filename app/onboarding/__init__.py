"""Onboarding: the run Baton makes when a client becomes `onboarding`."""
