"""batchlabel's built-in label templates: TOML data files, shipped inside the package as
``batchlabel.labels.builtin``. Copy one into your own folder to change it (``--templates DIR``)."""
