"""Where papers come from: the arXiv client (the only module that talks to arXiv), listings and feeds, the topic
registry, the paper cache, and fetching a paper's PDF.
"""
