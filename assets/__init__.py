"""Product models and lighting: glTF loading, the generated demo catalog, HDR environments."""
