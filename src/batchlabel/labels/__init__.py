"""What goes on a label: the data of one label, and the TOML templates that place it."""
