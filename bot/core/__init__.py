"""The seminar domain: services, models, errors and rules. Never imports discord."""
