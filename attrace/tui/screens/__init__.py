"""Modal screens of the TUI: help, go to event, follow session."""
