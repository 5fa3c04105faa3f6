"""Subcommands of `reaper` that live outside the core CLI module (each: add_arguments + handle)."""
