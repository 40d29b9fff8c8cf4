"""From PDF to Paper: PyMuPDF (only pdf.py imports it), layout, sections, front matter, captions, links, hidden text,
the sentences that state set-up and limits, and the paper as reviewers read it.
"""
