"""Widgets of the TUI; each paints what ``attrace.tui.present`` computes."""
