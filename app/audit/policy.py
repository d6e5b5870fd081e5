"""Pure permission rules of this domain: can_<verb>_<noun>(actor, obj) -> bool."""
