"""The benchmark (`make bench`, `python -m bench`): a development tool, not part of the product.

`dataset` builds ten years of fictional data in a database of its own with the demo's generators;
`measure` times the heavy pages and the report against their floor, the plain SQL alone.
"""
