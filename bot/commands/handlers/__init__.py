"""One module per area; each handler takes a `Call` and returns an `Answer`."""
