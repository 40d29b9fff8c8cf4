"""Model output against the paper: the checks of every model-written field by its kind, the words they read, and the
provenance of newsletter prose.
"""
