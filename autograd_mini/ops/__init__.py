"""Primitive operations, one module per family; ``registry.OPS`` lists every registered primitive."""
