"""One module per ``pledge`` subcommand."""
