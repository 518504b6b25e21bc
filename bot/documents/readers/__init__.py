"""One module per file format; each exposes `read(path, data, options) -> DocTree`."""
