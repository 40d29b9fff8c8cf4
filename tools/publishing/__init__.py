"""What users read: cards, weekly reports and newsletter issues as Markdown, HTML and JSON, safe URLs, and the
attention signals that pick hidden gems.
"""
