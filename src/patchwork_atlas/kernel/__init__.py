"""The kernel every source family stands on: the store (connections, migrations,
transactions), the raw archive, geography (one typed `Place`), formats, and i18n.

Nothing in the kernel imports a family, the read layer, the API, the web or the CLI.
"""
