"""The benchmark (`make bench`, `python -m bench`): a development tool, not part of the product.

`dataset` builds years of fictional data in databases of their own with the demo's generators;
`pages` says which pages are measured, as a head sees them, and reads each page's own figures;
`floors` computes those same figures with plain SQL; `measure` checks each floor against its page,
times the two interleaved and the growth from 1 to 30 years of data, and prints the tables.
"""
