"""One module per use case, over the store: printing, label files, lookup of scanned codes,
receiving, quality, trace, recall, origin pages, product photos."""
