"""The organisers' handlers (`/admin …`), one module per area."""
