"""HTML mail → the plain text a person would read (html_to_text), for HTML-only mail (channels/mime.py).

No script, style, head or comment content; entities decoded; blocks on their own lines; links kept
as "text (address)"; quoted blocks marked with "> " so that quotes.py can strip them. Never raises:
markup the parser cannot read falls back to stripping tags.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser


class _TextFromHTML(HTMLParser):
    """Text a person would read in the mail: blocks on their own lines, links as "text (address)",
    quoted blocks marked with "> ", nothing from script, style, head or comments."""

    SKIP = {"script", "style", "head", "title", "noscript", "template", "svg", "object", "iframe", "xml"}
    BLOCK = {"p", "div", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "dt", "dd",
             "pre", "section", "article", "header", "footer", "address", "center", "form", "fieldset",
             "hr", "blockquote", "li"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line = ""
        self.depth = 0  # blockquote nesting
        self.line_depth = 0
        self.skip = 0
        self.pre = 0
        self.links: list[tuple[str, int]] = []  # (href, length of text when the link opened)
        self.link_text_start = 0

    def _newline(self):
        text = self.line.rstrip()
        prefix = "> " * self.line_depth
        self.lines.append(f"{prefix}{text}" if text or self.line_depth else "")
        self.line = ""
        self.line_depth = self.depth

    def _block(self):
        if self.line.strip():
            self._newline()
        self.line_depth = self.depth

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        attrs = dict(attrs)
        if tag == "br":
            self._newline()
        elif tag == "blockquote":
            self._block()
            self.depth += 1
            self.line_depth = self.depth
        elif tag in self.BLOCK:
            self._block()
            if tag == "li":
                self.line += "• "
        elif tag in ("td", "th") and self.line.strip():
            self.line += "  "
        elif tag == "a":
            self.links.append((attrs.get("href") or "", len(self.line)))
        elif tag == "img":
            alt = (attrs.get("alt") or "").strip()
            if alt:
                self.line += f"[{alt}]"
        if tag == "pre":
            self.pre += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in self.SKIP and self.skip:
            self.skip -= 1

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(self.skip - 1, 0)
            return
        if self.skip:
            return
        if tag == "a" and self.links:
            href, start = self.links.pop()
            label = self.line[start:].strip()
            target = href.strip()
            if target.lower().startswith("mailto:"):
                target = target[7:].split("?", 1)[0]
            if target and re.match(r"^(https?:|ftp:|[^:/\s]+@)", target, re.I) and target not in label:
                self.line += f" ({target})"
        elif tag == "blockquote":
            self._block()
            self.depth = max(self.depth - 1, 0)
            self.line_depth = self.depth
        elif tag in self.BLOCK:
            self._block()
        if tag == "pre":
            self.pre = max(self.pre - 1, 0)

    def handle_data(self, data):
        if self.skip:
            return
        data = data.replace("\xa0", " ").replace("\u200b", "")
        if self.pre:
            chunks = data.split("\n")
            for i, chunk in enumerate(chunks):
                if i:
                    self._newline()
                self.line += chunk
            return
        data = re.sub(r"[ \t\r\n\f]+", " ", data)
        if not self.line.strip():
            data = data.lstrip()
        self.line += data

    def text(self) -> str:
        self.close()
        if self.line.strip():
            self._newline()
        out, blank = [], False
        for line in self.lines:
            if not line.strip() or line.strip(">").strip() == "" and line.startswith(">"):
                if line.startswith(">"):
                    out.append(line.rstrip())
                    blank = False
                    continue
                if not blank and out:
                    out.append("")
                blank = True
            else:
                out.append(line)
                blank = False
        return "\n".join(out).strip()


def html_to_text(markup: str) -> str:
    """Safe plain text from an HTML mail body (see _TextFromHTML)."""
    parser = _TextFromHTML()
    try:
        parser.feed(markup)
        return parser.text()
    except Exception:  # noqa: BLE001 - HTMLParser on broken markup; fall back to stripping tags
        stripped = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", " ", markup)
        stripped = re.sub(r"(?s)<[^>]*>", " ", stripped)
        return re.sub(r"[ \t]+", " ", html.unescape(stripped)).strip()
