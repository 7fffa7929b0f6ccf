"""The terminal front end: the seminar's commands at a prompt, a simulated clock,
and the demo seminar (`python -m bot console --demo`, `make demo`)."""
