"""Background-work entry points (RQ worker, clock). Built in the background-work issue."""
