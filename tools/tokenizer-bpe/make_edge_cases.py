#!/usr/bin/env python3
"""Writes jllm-tokenizer/src/test/resources/bpe/edge-cases.txt: lines that stress the split
patterns and byte-level BPE (scripts, emoji sequences, combining marks, whitespace runs,
contractions in every case, digits of many kinds). One test case per line; the line break is
written as the escape \\n inside a line where a case needs real newlines (the Java test and
make_goldens.mjs unescape \\n, \\r, \\t and \\\\ the same way)."""
import os

cases = [
    # Latin, case mixing (o200k splits on case), titlecase / modifier letters
    "Hello world", "HelloWorld iPhone McDonald's XMLHttpRequest getHTTPResponseCode",
    "ALL CAPS SENTENCE WITH 'S AND 'LL AND 'VE", "ǅungla ǈ ǋ ʰʲʷ ᵃᵇ", "ÀÉÎÕÜ àéîõü Ææ Œœ ß ẞ",
    # contractions in all cases and near misses
    "it's It'S IT'S they'll THEY'LL They'Ll we've WE'VE you're YOU'RE I'd I'D I'm I'M can't CAN'T",
    "'s 'S 't 'T 're 'RE 'Re 'rE 've 'VE 'm 'M 'll 'LL 'lL 'd 'D 'x 'sa ''s '''",
    "rock'n'roll o'clock ma'am y'all 'twas 'tis 's", "don’t it’s (curly apostrophes)",
    # multilingual scripts
    "中文分词测试：我们今天去公园。", "日本語のテキスト、ひらがなとカタカナ。東京タワー", "한국어 텍스트 테스트입니다",
    "العربية نص تجريبي ١٢٣٤٥", "עברית טקסט לבדיקה", "हिन्दी पाठ परीक्षण क्षत्रिय", "ภาษาไทยทดสอบ",
    "Русский текст, Ёлка! ПРИВЕТ мир", "Ελληνικά κείμενο ΑΒΓ", "Tiếng Việt có dấu: Nguyễn, thuở",
    "ქართული ენა", "Ꮳꮃꭹ Cherokee", "ᠮᠣᠩᠭᠣᠯ", "አማርኛ", "தமிழ் மொழி", "ਪੰਜਾਬੀ", "ລາວ", "བོད་ཡིག",
    # combining marks, decomposed forms, zalgo
    "e\u0301te\u0301 cafe\u0301 A\u030a n\u0303", "Z\u0351\u036b\u0343a\u0310\u0327l\u0357g\u0344o\u0362",
    "\u0301leading mark", " \u0301space then mark", "a\u20dd enclosing", "ก\u0e31\u0e49",
    # emoji: ZWJ sequences, skin tones, flags, keycaps, variation selectors
    "👨‍👩‍👧‍👦 family 👩🏽‍💻 coder 🏳️‍🌈 flag 🇩🇪🇯🇵 flags", "1️⃣ #️⃣ ❤️ ☺︎ 🫠🥲", "emoji🙂inside😀words",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝐛𝐨𝐥𝐝 𝟙𝟚𝟛 (math alphanumerics)", "𐍈 gothic 𓀀 hieroglyph", "\U0001F600\U0001F601\U0001F602",
    # digits of many kinds
    "1234567890 12 123 1234 12345 3.14159 1,000,000 0x7fffffff 1e-10",
    "١٢٣٤٥٦ ۱۲۳ ०१२३४ １２３４ ①②③ ½ ¾ Ⅻ ⅻ ²³", "2024-01-01T12:34:56Z +49 (0)30 123456",
    # whitespace: runs, tabs, CRLF, unicode spaces
    "a" + " " * 40 + "b", "\t\tindented\twith\ttabs", "line one\\r\\nline two\\r\\n\\r\\nline four",
    "trailing spaces   ", "   leading spaces", "mixed \t \t whitespace\\n  \\n\\n   next",
    "nbsp\u00a0here and\u3000ideographic\u2003em\u2009thin", "line\u2028sep\u2029para\u0085nel",
    "zero\u200bwidth\u200dzwj\ufeffbom", "\\n\\n\\n", " \\n ", "\\r\\r\\n\\n\\r", "end with newline\\n",
    "  \\t\\n\\t  x", "word \\n\\n word", "a\\n\\n\\n\\n\\n\\n\\n\\n\\nb",
    # code
    "public static void main(String[] args) { System.out.println(\"hi\"); }",
    "x+=1; y-=2; if (a<=b && c!=d) return a->b; // comment /* block */",
    "def f(x):\\n    return x**2  # square\\n", "<div class=\"a\">&amp;&lt;&#x27;</div>",
    "https://example.com/path?q=1&r=2#frag user@mail.example.org", "C:\\\\Users\\\\name\\\\file.txt",
    "$$\\\\frac{a}{b}$$ \\\\alpha + \\\\beta", "---- ==== **** ____ .... ,,,, !!!! ???? ////",
    "////path//with///slashes/ a/b/c\\n//", "!!!\\n\\n", "...\\r\\n",
    # symbols and punctuation classes
    "«quotes» „Anführung“ ‘single’ 「括弧」 【】 — – ‐ … • · ° ± × ÷ € £ ¥ ₹ ₿ © ® ™",
    "∀x∈ℝ: x²≥0 ∑∫∂ √π ≠ ≈ ≤ ≥ → ⇒ ↔", "<|endoftext|> <|fim_prefix|> not special here",
    # control characters
    "bell\u0007 del\u007f esc\u001b[0m unit\u001f sep\u001c",
    # replacement char (what a lone surrogate becomes)
    "bad \ufffd char", "\ufffd",
]

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", "..", "jllm-tokenizer", "src", "test", "resources", "bpe", "edge-cases.txt")
with open(out, "w", encoding="utf-8", newline="") as f:
    for c in cases:
        assert "\n" not in c and "\r" not in c, c
        f.write(c + "\n")
print("wrote", os.path.normpath(out), len(cases), "cases")
