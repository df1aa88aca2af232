"""Text as the suggestions compare it: normalised the same way when stored and when asked (KB-4).

Articles are few (hundreds, not millions), so a suggestion is a LIKE over normalised text, not an index:
NFKC folds full-width letters and digits (ＰＷＲ－０１ → PWR-01), casefold makes E101 and e101 one word.
A query is cut into terms: Latin words, numbers and codes whole (E101, 0x80070005, PWR-01); a run of
Chinese characters of up to four as one term, a longer one (a customer's whole sentence, which no article
contains verbatim) into its overlapping two-character pieces, so 电源指示灯不亮 still finds 指示灯.
"""

from __future__ import annotations

import re
import unicodedata

# Code-like tokens first (letters, digits, inner dashes and dots), then runs of CJK ideographs.
_TOKEN = re.compile(r"[0-9a-z][0-9a-z._\-]*[0-9a-z]|[0-9a-z]|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Two-character pieces that say nothing about a problem; they would match every article.
_STOP = frozenset(
    [
        "我们",
        "你们",
        "他们",
        "一个",
        "这个",
        "那个",
        "什么",
        "怎么",
        "为什么",
        "可以",
        "没有",
        "不能",
        "无法",
        "出现",
        "问题",
        "时候",
        "现在",
        "已经",
        "还是",
        "但是",
        "因为",
        "所以",
        "如果",
        "就是",
        "一下",
        "一直",
        "今天",
        "昨天",
        "我的",
        "您好",
        "你好",
        "请问",
        "谢谢",
        "麻烦",
        "的时",
        "时候",
        "一些",
        "之后",
        "以后",
        "然后",
    ]
)
MAX_TERMS = 24


def normalise(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed; unpaired surrogates (which no database stores) dropped."""
    text = (text or "").encode("utf-8", "ignore").decode("utf-8")
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def terms(query: str) -> list[str]:
    """The distinct terms of a query, in order, at most MAX_TERMS (a 2,000-character text stays cheap)."""
    seen: dict[str, None] = {}
    for token in _TOKEN.findall(normalise(query)):
        if _CJK.match(token):
            if len(token) == 1:
                continue  # one character (的, 了) matches everything
            pieces = [token] if len(token) <= 4 else [token[i:i + 2] for i in range(len(token) - 1)]
        else:
            pieces = [token] if len(token) >= 2 or token.isdigit() else []
        for piece in pieces:
            if piece not in _STOP:
                seen.setdefault(piece, None)
        if len(seen) >= MAX_TERMS:
            break
    return list(seen)[:MAX_TERMS]
