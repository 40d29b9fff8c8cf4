from __future__ import annotations

import pytest

from referee.errors import BadInputError
from referee.tools.sources.arxiv import ArxivRef, LocalPDF, resolve


@pytest.mark.parametrize(
    ("text", "arxiv_id", "version"),
    [
        ("2604.14702", "2604.14702", None),
        ("2604.14702v2", "2604.14702", 2),
        ("1605.08386", "1605.08386", None),
        ("0704.0001", "0704.0001", None),
        ("1412.6980v9", "1412.6980", 9),
        ("arXiv:2604.14702", "2604.14702", None),
        ("arxiv: 2604.14702v3", "2604.14702", 3),
        ("hep-th/9901001", "hep-th/9901001", None),
        ("math.GT/0309136v1", "math.GT/0309136", 1),
        ("cond-mat.stat-mech/0102536", "cond-mat.stat-mech/0102536", None),
        ("https://arxiv.org/abs/2604.14702", "2604.14702", None),
        ("https://arxiv.org/abs/2604.14702v2", "2604.14702", 2),
        ("http://arxiv.org/pdf/2604.14702v2", "2604.14702", 2),
        ("https://arxiv.org/pdf/2604.14702v2.pdf", "2604.14702", 2),
        ("https://arxiv.org/html/2604.14702v1", "2604.14702", 1),
        ("https://export.arxiv.org/abs/hep-th/9901001", "hep-th/9901001", None),
        ("https://www.arxiv.org/abs/math.GT/0309136v1/", "math.GT/0309136", 1),
        ("  2604.14702  ", "2604.14702", None),
    ],
)
def test_arxiv_forms(text, arxiv_id, version):
    assert resolve(text) == ArxivRef(arxiv_id, version)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "nothing to review"),
        ("2604.1470", "5 digits after the dot since 2015"),
        ("1412.69801", "4 digits after the dot before 2015"),
        ("2613.14702", "does not name a month"),
        ("abc", "cannot read 'abc' as a paper"),
        ("https://example.org/paper", "not an arXiv URL"),
        ("https://arxiv.org/list/cs.LG/recent", "not an arXiv URL"),
        ("missing-file.pdf", "no such file"),
    ],
)
def test_bad_inputs_say_what_is_accepted(text, message):
    with pytest.raises(BadInputError, match=message) as info:
        resolve(text)
    assert info.value.exit_code == 2
    assert "\n" not in str(info.value)


def test_local_pdf(tmp_path):
    pdf = tmp_path / "paper.PDF"
    pdf.write_bytes(b"%PDF-1.7")
    assert resolve(str(pdf)) == LocalPDF(pdf)
